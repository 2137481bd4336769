#!/usr/bin/env bash
# Api read benchmark of issue 6 (docs/benchmarks.md, "Api reads"). One command:
#   bench/api.sh [--people N] [--duration S] [--connections C] [--pgbench-mode prepared|extended] [--reuse-db]
#                [--keep-db] [--no-doc] [--api-dll PATH] [--label TEXT]
# 1. installs wrk (and pgbench) from apt when missing; builds the Api and the Worker (Release) into
#    .local/bench-api/artifacts, so it never races another build over src/*/bin and obj;
# 2. migrates a fresh database rostersync_apibench and loads a district of N people (500,000) with set-based
#    SQL (bench/api/load.sql), plus a key with roster:read stored as the Api stores keys (SHA-256 hex);
# 3. starts the Api (Release, its own port, rate limit raised through RateLimit__PermitsPerMinute) and, for each
#    of first page, deep cursor pages and by id, runs wrk (--latency, loopback) and then pgbench with the SQL
#    the Api sends (bench/api/sql), for the same duration and number of clients;
# 4. prints req/s vs tps, p50/p90/p99 of both, the Api/pgbench ratio and deep vs first page, writes the same
#    to .local/bench-api/result-<time>.md and into docs/benchmarks.md (only between this script's markers).
# The Api is stopped and the database dropped at the end (--keep-db keeps it; --reuse-db skips the load).
# --api-dll runs another build of the Api (e.g. one of an older commit, for before/after figures); --label names it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

people=500000 duration=20 warmup=5 connections=4 pg_mode=prepared reuse_db=0 keep_db=0 write_doc=1 port=5181 api_dll="" label="" profile=0
usage() { echo "usage: bench/api.sh [--people N] [--duration S] [--connections C] [--pgbench-mode prepared|extended] [--reuse-db] [--keep-db] [--no-doc] [--api-dll PATH] [--label TEXT] [--profile]" >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --people) people=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --pgbench-mode) pg_mode=$2; shift 2 ;;
    --reuse-db) reuse_db=1; keep_db=1; shift ;;
    --keep-db) keep_db=1; shift ;;
    --no-doc) write_doc=0; shift ;;
    --api-dll) api_dll=$(realpath "$2"); shift 2 ;;
    --label) label=$2; shift 2 ;;
    --profile) profile=1; shift ;;
    *) usage ;;
  esac
done
[[ $duration -le 30 ]] || { echo "bench/api.sh: --duration is at most 30 s (the machine is shared)" >&2; exit 2; }
[[ $pg_mode == prepared || $pg_mode == extended ]] || usage

# shellcheck source=bench/common.sh
source bench/common.sh

# --- tools -----------------------------------------------------------------------------------
apt_install() { as_root apt-get install -y -q "$@" >/dev/null || { as_root apt-get update -q >/dev/null && as_root apt-get install -y -q "$@" >/dev/null; }; }
command -v wrk >/dev/null || { log "installing wrk"; apt_install wrk; }
# Debian ships pgbench with the server package (postgresql-15); postgresql-contrib pulls it in.
compgen -G "/usr/lib/postgresql/*/bin/pgbench" >/dev/null || { log "installing pgbench"; apt_install postgresql-contrib; }

bench_database rostersync_apibench

work=.local/bench-api
run_dir=$work/run
rm -rf "$run_dir" && mkdir -p "$run_dir"
artifacts=$work/artifacts

log "building the Worker$([[ -n $api_dll ]] || echo " and the Api") (Release, into $artifacts)${api_dll:+; the Api: $api_dll}"
projects=(src/Worker/RosterSync.Worker.csproj)
[[ -n $api_dll ]] || projects+=(src/Api/RosterSync.Api.csproj)
for project in "${projects[@]}"; do
  dotnet build "$project" -c Release --artifacts-path "$artifacts" -nologo -v:q -clp:ErrorsOnly >/dev/null
done
api_dir=$artifacts/bin/RosterSync.Api/release
[[ -z $api_dll ]] || api_dir=$(dirname "$api_dll")
worker_dll=$artifacts/bin/RosterSync.Worker/release/RosterSync.Worker.dll

# --- database --------------------------------------------------------------------------------
district=0193a000-0000-7000-8000-00000000bd01
neighbour=0193a000-0000-7000-8000-00000000bd02
loaded=$(psql -X -Atq -d "$db" -c "SELECT count(*) FROM people WHERE district_id = '$district'" 2>/dev/null || echo 0)
if [[ $reuse_db -eq 1 && $loaded -eq $people ]]; then
  log "reusing $db ($loaded people)"
  psql_db -c "DELETE FROM api_keys WHERE name = 'bench/api.sh'"
else
  log "creating $db and loading $people people (set-based SQL)"
  drop_database "$db" && psql -X -q -d postgres -c "CREATE DATABASE $db"
  ConnectionStrings__Roster=$bench_cs dotnet "$worker_dll" --migrate >"$run_dir/migrate.log" 2>&1 \
    || { cat "$run_dir/migrate.log" >&2; exit 1; }
  start=$(date +%s.%N)
  psql_db -v people="$people" -v district="$district" -v neighbour="$neighbour" -f bench/api/load.sql
  log "loaded in $(printf '%.1f' "$(echo "$(date +%s.%N) - $start" | bc)") s"
fi
drop_db() { [[ $keep_db -eq 1 ]] || drop_database "$db"; }

# A district key with roster:read, stored as ApiKeys.Hash stores it: SHA-256 of the UTF-8 key, lower-case hex.
key="rsk_bench_$(head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
psql_db -c "INSERT INTO api_keys (id, district_id, name, key_hash, scopes, created_at)
  VALUES (gen_random_uuid(), '$district', 'bench/api.sh', encode(sha256(convert_to('$key', 'UTF8')), 'hex'), ARRAY['roster:read'], now())"

# Deep cursors: 16 pages in the last 10,000 people; ids: 32 people spread over the district. A cursor is the list's
# tag and the last id of the previous page, big-endian bytes, in base64url (Http/Cursor.cs); the tag is taken from the
# first page's cursor once the Api runs (below).
prefix=/api/v1/districts/$district/people
psql_db -At -F ' ' >"$run_dir/deep.txt" <<SQL
WITH ordered AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM people WHERE district_id = '$district')
SELECT id, encode(uuid_send(id), 'hex') FROM ordered
WHERE n IN (SELECT $people - 200 - 600 * k FROM generate_series(0, 15) k) ORDER BY n
SQL
psql_db -At >"$run_dir/ids.txt" <<SQL
WITH ordered AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM people WHERE district_id = '$district')
SELECT id FROM ordered WHERE n IN (SELECT 1 + (k * 15551) % $people FROM generate_series(0, 31) k) ORDER BY n
SQL
echo "$prefix?limit=100" >"$run_dir/first.paths"
awk -v p="$prefix" '{ print p "/" $1 }' "$run_dir/ids.txt" >"$run_dir/byid.paths"

# pgbench: one script per cursor or id (pgbench picks one at random per transaction), values as variables so
# they travel as parameters, as Npgsql sends them.
pg_args_first=(-D "district=$district" -f bench/api/sql/first-page.sql)
pg_args_deep=(-D "district=$district")
n=0
while read -r id _; do
  n=$((n + 1))
  sed "s/:after/:after$n/" bench/api/sql/deep-page.sql >"$run_dir/deep-$n.sql"
  pg_args_deep+=(-D "after$n=$id" -f "$run_dir/deep-$n.sql")
done <"$run_dir/deep.txt"
pg_args_byid=(-D "district=$district")
n=0
while read -r id; do
  n=$((n + 1))
  sed "s/:id/:id$n/" bench/api/sql/by-id.sql >"$run_dir/byid-$n.sql"
  pg_args_byid+=(-D "id$n=$id" -f "$run_dir/byid-$n.sql")
done <"$run_dir/ids.txt"

# --- the Api ---------------------------------------------------------------------------------
api=http://127.0.0.1:$port
if curl -s -o /dev/null "$api/health/live"; then log "port $port is busy"; drop_db; exit 1; fi
local_keyring # Production's key ring is encrypted at rest (deploy/local-run.sh)
log "starting the Api on $api (log: $run_dir/api.log)"
# The working directory is the build output, as in the container (WORKDIR /app), so appsettings.json applies.
# --profile: JIT-compiled frames are named through /tmp/perf-<pid>.map.
perf_env=(); [[ $profile -eq 0 ]] || perf_env=(DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0)
(cd "$api_dir" && exec env "${perf_env[@]}" ConnectionStrings__Roster="$bench_cs" ASPNETCORE_ENVIRONMENT=Production \
  ROSTERSYNC_OPERATOR_KEY="op_bench_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
  RateLimit__PermitsPerMinute=2000000000 dotnet RosterSync.Api.dll --urls "$api") >"$run_dir/api.log" 2>&1 &
api_pid=$!
cleanup() {
  trap - EXIT INT TERM
  kill "$api_pid" 2>/dev/null && wait "$api_pid" 2>/dev/null || true
  drop_db
}
trap cleanup EXIT INT TERM
for _ in $(seq 60); do
  curl -fsS "$api/health/ready" >/dev/null 2>&1 && break
  kill -0 "$api_pid" 2>/dev/null || { cat "$run_dir/api.log" >&2; exit 1; }
  sleep 1
done
curl -fsS "$api/health/ready" >/dev/null || { log "the Api did not become ready"; cat "$run_dir/api.log" >&2; exit 1; }

# Sanity: the pages and people the tools will ask for are what the Api answers.
auth=(-H "Authorization: Bearer $key")
first=$(curl -fsS "${auth[@]}" "$api$(cat "$run_dir/first.paths")")
[[ $(jq '.items | length' <<<"$first") -eq 100 && $(jq -r .nextCursor <<<"$first") != null ]] || { log "first page is not 100 people"; exit 1; }
python3 - "$(jq -r .nextCursor <<<"$first")" "$prefix" "$run_dir/deep.txt" >"$run_dir/deep.paths" <<'PY'
import base64, sys
cursor, prefix, ids = sys.argv[1], sys.argv[2], sys.argv[3]
tag = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))[:-16]
for line in open(ids):
    key = bytes.fromhex(line.split()[1])
    print(f"{prefix}?limit=100&cursor={base64.urlsafe_b64encode(tag + key).decode().rstrip('=')}")
PY
read -r deep_after _ <"$run_dir/deep.txt"
deep_cursor=$(head -n 1 "$run_dir/deep.paths" | sed 's/.*cursor=//')
deep=$(curl -fsS "${auth[@]}" "$api$prefix?limit=100&cursor=$deep_cursor")
expected=$(psql_db -At -c "SELECT id FROM people WHERE district_id = '$district' AND id > '$deep_after' ORDER BY id LIMIT 1")
[[ $(jq -r '.items[0].id' <<<"$deep") == "$expected" && $(jq '.items | length' <<<"$deep") -eq 100 ]] || { log "deep page does not start after its cursor"; exit 1; }
one=$(head -n 1 "$run_dir/ids.txt")
[[ $(curl -fsS "${auth[@]}" "$api$prefix/$one" | jq -r .id) == "$one" ]] || { log "GET people/{id} failed"; exit 1; }

# --- measure ---------------------------------------------------------------------------------
# wrk's latency in ms from "50%  1.23ms" lines; pgbench's from its per-transaction log (microseconds, field 3).
wrk_ms() { awk -v q="$1" '$1 == q { v = $2; if (v ~ /us$/) m = v / 1000; else if (v ~ /ms$/) m = v + 0; else if (v ~ /m$/) m = v * 60000; else m = v * 1000; printf "%.2f", m }' "$2"; }
pg_ms() { cat "$1".* | awk '{ print $3 }' | sort -n | awk -v q="$2" '{ v[NR] = $1 } END { i = int(NR * q / 100); if (i < 1) i = 1; printf "%.2f", v[i] / 1000 }'; }
# CPU time, to say where a request's cost goes: the Api process, the PostgreSQL backends of this database, the client.
hz=$(getconf CLK_TCK)
ticks_of() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
backends() { pgrep -u postgres -f "$db " || true; }
backend_ticks() { local t=0 p; for p in $(backends); do t=$((t + $(ticks_of "$p"))); done; echo "$t"; }
cpu_ms() { awk -v t="$1" -v n="$2" -v hz="$hz" 'BEGIN { printf "%.3f", t * 1000 / hz / n }'; }
declare -A result
TIMEFORMAT='%U %S'
wrk_run() { wrk -t1 -c"$connections" -d"$1s" "${auth[@]}" -s bench/api/rotate.lua "$api" -- "$2"; }
# The runtime compiles hot methods again, optimized, after their first thousands of calls, and on two busy cores that
# takes a while: each request is run for 2 × the warm-up first, and again just before it is measured, so the figures
# are of the Api as it runs all day.
log "warming up the Api: $((2 * warmup)) s per request"
for paths in first deep byid; do wrk_run "$((2 * warmup))" "$run_dir/$paths.paths" >/dev/null; done
measure() {
  local name=$1 paths=$2; shift 2
  local out=$run_dir/wrk-$name.txt
  log "$name: wrk ${warmup} s warm-up, then ${duration} s, $connections connections"
  wrk_run "$warmup" "$paths" >/dev/null
  local api0 pg0 api1 pg1
  api0=$(ticks_of "$api_pid"); pg0=$(backend_ticks)
  { time wrk -t1 -c"$connections" -d"${duration}s" --latency "${auth[@]}" -s bench/api/rotate.lua "$api" -- "$paths" >"$out"; } 2>"$run_dir/time-wrk-$name"
  api1=$(ticks_of "$api_pid"); pg1=$(backend_ticks)
  if grep -q -e 'Non-2xx' -e 'Socket errors' "$out"; then log "$name: errors during the run"; cat "$out" >&2; exit 1; fi
  local n; n=$(awk '/requests in/ { print $1 }' "$out")
  result[$name.api]=$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' "$out")
  for q in 50 90 99; do result[$name.api.p$q]=$(wrk_ms "$q%" "$out"); done
  result[$name.api.cpu.api]=$(cpu_ms $((api1 - api0)) "$n")
  result[$name.api.cpu.pg]=$(cpu_ms $((pg1 - pg0)) "$n")
  result[$name.api.cpu.client]=$(awk -v n="$n" '{ printf "%.3f", ($1 + $2) * 1000 / n }' "$run_dir/time-wrk-$name")

  log "$name: pgbench ${duration} s, $connections clients, -M $pg_mode"
  # pgbench's backends live only as long as the run: sample them until it ends and keep each one's last reading.
  local existing; existing=" $(backends | tr '\n' ' ')"
  ( while :; do for p in $(backends); do echo "$p $(ticks_of "$p")"; done; sleep 0.2; done ) >"$run_dir/ticks-$name" 2>/dev/null &
  local sampler=$!
  { time pgbench -n -M "$pg_mode" -c "$connections" -j 1 -T "$duration" -l --log-prefix="$run_dir/pg-$name" "$@" "$db" >"$run_dir/pgbench-$name.txt" 2>&1; } 2>"$run_dir/time-pgbench-$name" \
    || { kill "$sampler"; cat "$run_dir/pgbench-$name.txt" >&2; exit 1; }
  kill "$sampler"; wait "$sampler" 2>/dev/null || true
  n=$(awk '/actually processed/ { print $NF }' "$run_dir/pgbench-$name.txt" | cut -d/ -f1)
  result[$name.pg]=$(awk '/^tps/ { printf "%.0f", $3 }' "$run_dir/pgbench-$name.txt")
  for q in 50 90 99; do result[$name.pg.p$q]=$(pg_ms "$run_dir/pg-$name" "$q"); done
  result[$name.pg.cpu.pg]=$(cpu_ms "$(awk -v skip="$existing " '{ if (index(skip, " " $1 " ") == 0 && $2 > m[$1]) m[$1] = $2 } END { for (p in m) t += m[p]; print t + 0 }' "$run_dir/ticks-$name")" "$n")
  result[$name.pg.cpu.client]=$(awk -v n="$n" '{ printf "%.3f", ($1 + $2) * 1000 / n }' "$run_dir/time-pgbench-$name")
  rm -f "$run_dir/pg-$name".*
  log "$name: Api ${result[$name.api]} req/s (p99 ${result[$name.api.p99]} ms), pgbench ${result[$name.pg]} tps (p99 ${result[$name.pg.p99]} ms)"
  [[ $profile -eq 0 ]] || profile_api "$name" "$paths"
}
# Where the Api process spends its CPU on one request kind: perf samples it during a separate wrk run of the same length, so
# the measured run above is not slowed by the sampling. Self time by function, the hottest first.
profile_api() {
  local name=$1 paths=$2 data=$run_dir/perf-$1.data
  perf record -F 499 -g -p "$api_pid" -o "$data" -q >/dev/null 2>&1 &
  local perf_pid=$!
  wrk_run "$duration" "$paths" >/dev/null
  kill -INT "$perf_pid"; wait "$perf_pid" 2>/dev/null || true
  {
    echo "Api process, ${row_label[$name]}: by library"
    perf report -i "$data" --no-children --sort dso --stdio 2>/dev/null | grep -E '^ +[0-9]' | sed -E 's/ +$//' | head -n 10 || true
    echo
    echo "Api process, ${row_label[$name]}: hottest functions (self), then the heaviest call paths from the request (children)"
    perf report -i "$data" --no-children --sort symbol --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' | cut -c1-180 | sed -E 's/ +$//' | head -n 30 || true
    echo
    perf report -i "$data" --children --sort symbol --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' | cut -c1-180 | sed -E 's/ +$//' | head -n 40 || true
  } >"$work/profile-$name.txt"
  rm -f "$data"
  log "$name: profile of the Api written to $work/profile-$name.txt"
}
declare -A row_label=([first]='`GET people?limit=100`, first page' [deep]='`GET people?limit=100&cursor=…`, 16 deep pages' [byid]='`GET people/{id}`, 32 ids')
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
measure first "$run_dir/first.paths" "${pg_args_first[@]}"
measure deep "$run_dir/deep.paths" "${pg_args_deep[@]}"
measure byid "$run_dir/byid.paths" "${pg_args_byid[@]}"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
api_rss=$(awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$api_pid/status" 2>/dev/null || echo "?")

# --- report ----------------------------------------------------------------------------------
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", 100 * a / b }'; }
ok() { if [[ $1 -eq 1 ]]; then echo "met"; else echo "**missed**"; fi; }
now=$(date -u +'%Y-%m-%d %H:%M UTC')
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
machine="$(nproc) × $cpu, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(. /etc/os-release && echo "$PRETTY_NAME"), \
PostgreSQL $(psql -X -Atq -d "$db" -c 'SHOW server_version' | cut -d' ' -f1) (shared_buffers $(psql -X -Atq -d "$db" -c 'SHOW shared_buffers')), \
.NET $(dotnet --version), $(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2), pgbench $(pgbench -V | awk '{ print $3 }')"
{
  echo "Run of $now${label:+ ($label)}: \`bench/api.sh\` with $people people; each request ${duration} s with wrk, then ${duration} s with"
  echo "pgbench, $connections connections/clients (wrk -t1, pgbench -j 1 -M $pg_mode), on 127.0.0.1; the Api was warmed up ($((2 * warmup)) s per"
  echo "request, then ${warmup} s before each). The Api, PostgreSQL and the tools share the machine: $machine."
  echo "Load average before / after: $load_before / $load_after. Api peak RSS: $api_rss MB."
  echo
  echo "| request | Api req/s | Api p50 / p90 / p99 ms | pgbench tps | pgbench p50 / p90 / p99 ms | Api / pgbench | p99 < 50 ms |"
  echo "|---|---:|---:|---:|---:|---:|---|"
  for name in first deep byid; do
    ratio=$(pct "${result[$name.api]}" "${result[$name.pg]}")
    echo "| ${row_label[$name]} | ${result[$name.api]} | ${result[$name.api.p50]} / ${result[$name.api.p90]} / ${result[$name.api.p99]} | ${result[$name.pg]} | ${result[$name.pg.p50]} / ${result[$name.pg.p90]} / ${result[$name.pg.p99]} | $ratio % ($(ok $((ratio >= 50)))) | $(ok "$(awk -v p="${result[$name.api.p99]}" 'BEGIN { print (p < 50) }')") |"
  done
  echo
  deep_vs_first=$(pct "${result[deep.api]}" "${result[first.api]}")
  echo "Deep pages vs first page (Api req/s): $deep_vs_first % ($(ok "$((deep_vs_first >= 90))") the goal \"as fast as the first\", read as ≥ 90 %); pgbench: $(pct "${result[deep.pg]}" "${result[first.pg]}") %."
  echo
  echo "CPU time per request (ms), where it goes:"
  echo
  echo "| request | Api run: Api process | Api run: PostgreSQL | Api run: wrk | pgbench run: PostgreSQL | pgbench run: pgbench |"
  echo "|---|---:|---:|---:|---:|---:|"
  for name in first deep byid; do
    echo "| ${row_label[$name]} | ${result[$name.api.cpu.api]} | ${result[$name.api.cpu.pg]} | ${result[$name.api.cpu.client]} | ${result[$name.pg.cpu.pg]} | ${result[$name.pg.cpu.client]} |"
  done
} >"$run_dir/result.md"
cp "$run_dir/result.md" "$work/result-$(date -u +%Y%m%dT%H%M%SZ).md"
echo
cat "$run_dir/result.md"

if [[ $write_doc -eq 1 ]]; then
  # Only this script's block changes: the file is re-read just before writing, other sections stay as they are.
  python3 - "$run_dir/result.md" <<'PY'
import pathlib, sys
doc = pathlib.Path("docs/benchmarks.md")
heading, begin, end = "## Api reads (bench/api.sh)", "<!-- bench/api.sh results: begin -->", "<!-- bench/api.sh results: end -->"
block = f"{begin}\n{pathlib.Path(sys.argv[1]).read_text().strip()}\n{end}"
text = doc.read_text() if doc.exists() else "# Benchmarks\n"
if begin in text and end in text:
    text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
elif heading in text:
    start = text.index(heading) + len(heading)
    nxt = text.find("\n## ", start)
    at = len(text) if nxt < 0 else nxt
    text = text[:at].rstrip("\n") + "\n\n" + block + "\n" + text[at:]
else:
    text = text.rstrip("\n") + f"\n\n{heading}\n\n{block}\n"
doc.write_text(text)
PY
  log "results written to docs/benchmarks.md ($(grep -c '' docs/benchmarks.md) lines)"
fi
