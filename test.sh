#!/usr/bin/env bash
# Builds RosterSync and runs every test against real PostgreSQL and RabbitMQ (started here from apt
# when needed), then prints one line "N passed, N failed". Exit code 0 only when nothing failed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

as_root() { if [[ $EUID -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

echo "test.sh: starting PostgreSQL and RabbitMQ (installs them from apt the first time)"
as_root bash deploy/start-services.sh .local/services.env
# shellcheck disable=SC1091
source .local/services.env

echo "test.sh: building (the first build restores NuGet packages)"
dotnet tool restore >/dev/null
dotnet build RosterSync.sln -nologo -v:q -clp:ErrorsOnly

results=.local/test-results
rm -rf "$results" && mkdir -p "$results"
passed=0 failed=0 skipped=0 status=0
# One project at a time: the messaging tests stop and start the shared broker.
for project in tests/*.Tests/*.csproj; do
  name=$(basename "$project" .csproj)
  echo "test.sh: $name"
  log="$results/$name.log"
  code=0
  dotnet test "$project" --no-build -nologo >"$log" 2>&1 || code=$?
  grep -E '^\s+(Failed|Skipped) ' "$log" || true
  summary=$(grep -E '(Passed|Failed)!  - Failed:' "$log" | tail -n 1 || true)
  if [[ -z $summary ]]; then
    echo "test.sh: $name produced no test summary (crash or build problem); last lines:"; tail -n 30 "$log"
    failed=$((failed + 1)); status=1; continue
  fi
  echo "  $summary"
  count() { sed -E "s/.*$1: *([0-9]+).*/\1/" <<<"$summary"; }
  passed=$((passed + $(count Passed))); failed=$((failed + $(count Failed))); skipped=$((skipped + $(count Skipped)))
  if [[ $code -ne 0 && $(count Failed) -eq 0 ]]; then
    # A non-zero exit without a failed test (a crash in cleanup, an aborted run) must still fail CI, visibly.
    echo "test.sh: $name exited with code $code; last lines:"; tail -n 30 "$log"; status=1
  fi
done

# The fault suite (tests/Fault.Tests) writes its table of scenarios, stuck runs, lost records and recovery times.
if [[ -f $results/fault-suite.md ]]; then cat "$results/fault-suite.md"; fi
echo "$passed passed, $failed failed, $skipped skipped"
[[ $failed -eq 0 && $status -eq 0 ]]
