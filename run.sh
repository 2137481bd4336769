#!/usr/bin/env bash
# Runs RosterSync locally: starts PostgreSQL and RabbitMQ (installing them from apt the first time),
# builds, migrates, starts the Worker and the Api on http://127.0.0.1:5080, loads a demo district,
# then runs until Ctrl-C / SIGTERM, which stops the Api and Worker it started.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

api_url=http://127.0.0.1:5080
as_root() { if [[ $EUID -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

echo "run.sh: starting PostgreSQL and RabbitMQ (installs them from apt the first time, ~1 min)"
as_root bash deploy/start-services.sh .local/services.env
# shellcheck disable=SC1091
source .local/services.env

if [[ -z ${ROSTERSYNC_OPERATOR_KEY:-} ]]; then
  ROSTERSYNC_OPERATOR_KEY="op_$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
fi
export ROSTERSYNC_OPERATOR_KEY

# shellcheck source=deploy/local-run.sh
source deploy/local-run.sh
local_keyring

echo "run.sh: building (the first build restores NuGet packages, ~1 min)"
dotnet build RosterSync.sln -c Release -nologo -v:q -clp:ErrorsOnly

echo "run.sh: applying database migrations"
dotnet src/Worker/bin/Release/net10.0/RosterSync.Worker.dll --migrate >/dev/null

# The fake SIS listens on 127.0.0.1 over http: the demo allows private export targets (never in production).
if [[ ${ROSTERSYNC_FAKE_SIS:-0} == 1 ]]; then export Export__AllowPrivateTargets=true; fi

mkdir -p .local/logs
pids=()
stop() {
  trap - INT TERM EXIT
  echo "run.sh: stopping Api and Worker"
  kill "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop INT TERM EXIT

echo "run.sh: starting Worker (log: .local/logs/worker.log, environment $RUN_ENVIRONMENT)"
start_worker .local/logs/worker.log
pids+=("$started_pid")
echo "run.sh: starting Api on $api_url (log: .local/logs/api.log)"
start_api "$api_url" .local/logs/api.log
pids+=("$started_pid")

# Optional: the fake SIS the export tests use (Ed-Fi shaped), so the demo can show an export (README "Export to your SIS").
fake_sis_url=http://127.0.0.1:5390
if [[ ${ROSTERSYNC_FAKE_SIS:-0} == 1 ]]; then
  echo "run.sh: starting the fake SIS on $fake_sis_url (log: .local/logs/fake-sis.log)"
  FakeSis__Url=$fake_sis_url dotnet tests/FakeSis/bin/Release/net10.0/RosterSync.FakeSis.dll >.local/logs/fake-sis.log 2>&1 &
  pids+=($!)
fi

for _ in $(seq 60); do
  curl -fsS "$api_url/health/ready" >/dev/null 2>&1 && break
  sleep 1
done
curl -fsS "$api_url/health/ready" >/dev/null || { echo "run.sh: the Api did not become ready; see .local/logs" >&2; exit 1; }

op=(-H "Authorization: Bearer $ROSTERSYNC_OPERATOR_KEY")
json_id() { grep -o '"id":"[^"]*"' | head -n 1 | cut -d'"' -f4; }

# The demo district is created once and reused on later starts.
district_id=$(curl -fsS "${op[@]}" "$api_url/api/v1/districts?limit=1000" | grep -o '{[^{}]*"name":"Demo Unified School District"[^{}]*}' | json_id || true)
if [[ -z $district_id ]]; then
  echo "run.sh: creating the demo district and importing samples/demo-district/demo-district.zip"
  district_id=$(curl -fsS "${op[@]}" -H 'Content-Type: application/json' -d '{"name":"Demo Unified School District"}' \
    "$api_url/api/v1/districts" | json_id)
  curl -fsS "${op[@]}" -F "file=@samples/demo-district/demo-district.zip" -F dryRun=false \
    "$api_url/api/v1/districts/$district_id/imports" >/dev/null
fi
key_response=$(curl -fsS "${op[@]}" -H 'Content-Type: application/json' \
  -d '{"name":"run.sh demo","scopes":["roster:read","roster:write","sync:run","settings:write","registrations:write","export:run","events:read"]}' \
  "$api_url/api/v1/districts/$district_id/api-keys")
district_key=$(grep -o '"key":"[^"]*"' <<<"$key_response" | cut -d'"' -f4)

cat <<INFO

RosterSync is running.
  Swagger UI:        $api_url/swagger
  OpenAPI document:  $api_url/openapi/v1.json
  Operator key:      $ROSTERSYNC_OPERATOR_KEY
  Demo district id:  $district_id
  Demo district key: $district_key   (scopes: roster:read roster:write sync:run settings:write registrations:write export:run events:read)
$( [[ ${ROSTERSYNC_FAKE_SIS:-0} == 1 ]] && echo "  Fake SIS:          $fake_sis_url (client demo-client / demo-secret; see README \"Export to your SIS\")" )

Try: curl -H "Authorization: Bearer $district_key" "$api_url/api/v1/districts/$district_id/people?limit=5"
Press Ctrl-C to stop.
INFO
wait -n "${pids[@]}"
