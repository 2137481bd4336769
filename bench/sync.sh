#!/usr/bin/env bash
# Sync benchmark of issues 4 and 12 (docs/benchmarks.md). One command:
#   bench/sync.sh [--size L|M|S] [--seed N] [--through-api | --api-only] [--keep-db] [--no-apply-floor] [--full-resyncs]
# 1. generates the synthetic district (bench/Generator) into bench/data/ unless it is already there;
# 2. measures the floor: psql \copy of the same CSV files into UNLOGGED tables of text columns (best of 2);
# 3. the direct path: migrates a fresh database rostersync_bench_<pid>, starts a Release Worker on it (own RabbitMQ vhost),
#    and queues three upload runs without the Api: first import, no-change re-sync, 1 % change re-sync;
# 4. with --through-api (or --api-only), the product's own path beside it: the system ./run.sh starts (Api and
#    Worker through deploy/local-run.sh: same builds, environment and configuration) on a fresh database
#    rostersync_bench_<pid>_api, a district, its settings and a key made through the Api, and the same three bundles
#    uploaded with POST imports as a user would;
# 5. prints, per run, wall time (from the request: the upload's POST on the Api path, sync_runs.queued_at on the direct one; to finished_at) and its ratio to the floor, the Worker's peak RSS
#    (VmHWM, reset before each run) and CPU time, the Worker's phase timings, and for the Api path the upload's own
#    time; writes the same as markdown to bench/data/<label>/result-<time>.md (logs in .local/bench-sync/<pid>/);
# 6. measures the apply floor: PostgreSQL alone re-inserting the first import's rows into the real tables
#    (bench/apply-floor.sql, rolled back), the part of a first import no client change can remove.
# Databases, vhosts and processes are removed at the end (--keep-db keeps the databases for inspection).
# --gcdump writes what the Worker's heap holds as each run enters planning and applying (dotnet-gcdump: a forced full
# collection, so that run's time includes the dump's pause; use it for the memory profile, not for the timings).
# --full-resyncs clears the stored fingerprint basis before each re-sync, so the re-syncs take the full path (every record
# planned against the whole state) instead of the fingerprinted one: the two can be compared on the same code.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

size=L seed=42 keep_db=0 apply_floor=1 paths=direct profile=0 full_resyncs=0 gcdump=0
usage() { echo "usage: bench/sync.sh [--size L|M|S] [--seed N] [--through-api | --api-only] [--keep-db] [--no-apply-floor] [--profile] [--gcdump] [--full-resyncs]" >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --size) size=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --through-api) paths="direct api"; shift ;;
    --api-only) paths=api; shift ;;
    --keep-db) keep_db=1; shift ;;
    --no-apply-floor) apply_floor=0; shift ;;
    --profile) profile=1; shift ;;
    --gcdump) gcdump=1; shift ;;
    --full-resyncs) full_resyncs=1; shift ;;
    *) usage ;;
  esac
done
[[ $paths == *direct* ]] || apply_floor=0 # the apply floor re-inserts the direct path's first import

# shellcheck source=bench/common.sh
source bench/common.sh
# A database and logs of this run's own: other benchmarks may run at the same time on a shared machine.
bench_database "rostersync_bench_$$"
logs=.local/bench-sync/$$
mkdir -p "$logs"

log "building the Worker, the generator$([[ $paths == *api* ]] && echo " and the Api") (Release)"
dotnet build src/Worker/RosterSync.Worker.csproj -c Release -nologo -v:q -clp:ErrorsOnly >/dev/null
[[ $paths != *api* ]] || dotnet build src/Api/RosterSync.Api.csproj -c Release -nologo -v:q -clp:ErrorsOnly >/dev/null
dotnet build bench/Generator/RosterSync.Bench.Generator.csproj -c Release -nologo -v:q -clp:ErrorsOnly >/dev/null
generator=(dotnet bench/Generator/bin/Release/net10.0/RosterSync.Bench.Generator.dll)
worker_dll=src/Worker/bin/Release/net10.0/RosterSync.Worker.dll

label="${size^^}-seed$seed"
data=bench/data/$label
if [[ ! -f $data/shape.txt ]]; then
  log "generating district $size (seed $seed) into $data"
  "${generator[@]}" generate --size "$size" --seed "$seed" --out bench/data >/dev/null
fi
log "district: $(head -n 1 "$data/shape.txt")"

started=() # processes, databases and vhosts to remove at the end
cleanup() {
  local i item
  for ((i = ${#started[@]} - 1; i >= 0; i--)); do
    item=${started[i]}
    case $item in
      pid:*) kill "${item#pid:}" 2>/dev/null && wait "${item#pid:}" 2>/dev/null || true ;;
      vhost:*) as_root rabbitmqctl -q delete_vhost "${item#vhost:}" >/dev/null 2>&1 || true ;;
      db:*) [[ $keep_db -eq 1 ]] || drop_database "${item#db:}" || true ;;
    esac
  done
}
trap cleanup EXIT
# --- fresh database (the floor's, then the direct path's) --------------------------------------
drop_database "$db" && psql -X -q -d postgres -c "CREATE DATABASE $db"
started+=("db:$db")

# --- floor: psql \copy of the same CSV files into UNLOGGED tables of text columns --------------
floor_sql=$(mktemp)
{
  echo "CREATE SCHEMA IF NOT EXISTS floor;"
  for csv in "$data"/base/*.csv; do
    name=$(basename "$csv" .csv)
    header=$(head -n 1 "$csv" | tr -d '\r\357\273\277')
    cols=$(tr ',' '\n' <<<"$header" | awk '{ printf "%s\"%s\" text", (NR > 1 ? ", " : ""), $0 }')
    echo "DROP TABLE IF EXISTS floor.\"$name\"; CREATE UNLOGGED TABLE floor.\"$name\" ($cols);"
  done
} >"$floor_sql"
copy_sql=$(mktemp)
for csv in "$data"/base/*.csv; do
  echo "\\copy floor.\"$(basename "$csv" .csv)\" FROM '$csv' WITH (FORMAT csv, HEADER true)"
done >"$copy_sql"
floor=""
for attempt in 1 2; do
  psql_db -f "$floor_sql"
  start=$(date +%s.%N)
  psql_db -f "$copy_sql"
  took=$(echo "$(date +%s.%N) - $start" | bc)
  log "floor attempt $attempt: ${took} s"
  if [[ -z $floor ]] || (($(echo "$took < $floor" | bc))); then floor=$took; fi
done
rows=$(psql_db -At -c "SELECT (SELECT count(*) FROM floor.users) || ' users, ' || (SELECT count(*) FROM floor.enrollments) || ' enrollments'")
psql_db -c "DROP SCHEMA floor CASCADE"
rm -f "$floor_sql" "$copy_sql"
floor_load=$(cut -d' ' -f1 /proc/loadavg)
log "floor: $floor s ($rows, $(du -shc "$data"/base/*.csv | tail -n 1 | cut -f1) of CSV)"

hwm_kb() { awk '/VmHWM/ { print $2 }' "/proc/$worker/status"; }
# The Worker's CPU time (user + system) in seconds, and the machine's 1-minute load: other work on the machine
# stretches wall times, so each run reports both.
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.1f", ($14 + $15) / hz }' "/proc/$worker/stat"; }
load1() { cut -d' ' -f1 /proc/loadavg; }
wait_for_bus() {
  for _ in $(seq 90); do
    grep -q "Bus started" "$worker_log" 2>/dev/null && return 0
    kill -0 "$worker" 2>/dev/null || break
    sleep 1
  done
  log "the Worker did not start; see $worker_log"; tail -n 30 "$worker_log" >&2; exit 1
}
new_vhost() {
  vhost="rs-bench-$1-$$"
  as_root rabbitmqctl -q add_vhost "$vhost" >/dev/null
  as_root rabbitmqctl -q set_permissions -p "$vhost" "${RabbitMq__Username:-guest}" ".*" ".*" ".*" >/dev/null
  started+=("vhost:$vhost")
}

# Queues one run with "$queue ZIP" (which prints the run id, and may write its upload's seconds to $upload_file),
# waits for it, and records the run's figures in fig[<path>.<run>.*].
declare -A fig
declare -A run_label=([first]="first import" [same]="no-change re-sync" [change]="1 % change re-sync")
# The Worker gives the last run's memory back gradually after it ends; resetting the peak before that would count the last run's
# RSS as this one's. Waits (30 s at most) until the RSS stops falling.
settle_rss() {
  local rss previous=0 i
  for i in $(seq 30); do
    rss=$(awk '/VmRSS/ { print $2 }' "/proc/$worker/status")
    if ((previous > 0 && previous - rss < 8192)); then return 0; fi
    previous=$rss
    sleep 1
  done
}
measure() {
  local path=$1 name=$2 zip=$3 run status cpu0 lines0
  settle_rss
  echo 5 >"/proc/$worker/clear_refs" # resets VmHWM to the current RSS: the peak is this run's
  cpu0=$(cpu_s)
  lines0=$(wc -l <"$worker_log")
  [[ $full_resyncs -eq 0 ]] || psql_db -c "UPDATE sync_runs SET fingerprint_basis = NULL WHERE district_id = '$district'"
  : >"$upload_file"
  : >"$request_file"
  local perf_pid="" perf_data=$logs/perf-$path-$name.data
  if [[ $profile -eq 1 ]]; then
    # The whole machine, so the Worker, the Api and PostgreSQL's backends are in one picture; 49 Hz costs little.
    perf record -a -F 49 -o "$perf_data" -q >/dev/null 2>&1 &
    perf_pid=$!
  fi
  run=$("$queue" "$zip")
  local phase dumped=""
  while true; do
    IFS='|' read -r status phase < <(psql_db -At -c "SELECT status, coalesce(phase, '') FROM sync_runs WHERE id = '$run'")
    if [[ $gcdump -eq 1 && $status == running && ($phase == planning || $phase == applying) && $dumped != *"$phase"* ]]; then
      heap_report "$data/gcdump-$path-$name-$phase.txt" "$path, ${run_label[$name]}, entering $phase"
      dumped+=" $phase"
    fi
    case $status in
      succeeded) break ;;
      failed | cancelled | awaiting-approval)
        log "run $run ended $status: $(psql_db -At -c "SELECT error FROM sync_runs WHERE id = '$run'")"; exit 1 ;;
    esac
    kill -0 "$worker" 2>/dev/null || { log "the Worker died; see $worker_log"; tail -n 30 "$worker_log" >&2; exit 1; }
    sleep 0.5
  done
  local k=$path.$name
  if [[ -n $perf_pid ]]; then
    kill -INT "$perf_pid" && wait "$perf_pid" 2>/dev/null || true
    profile_report "$perf_data" "$data/profile-$path-$name.txt" "$path, ${run_label[$name]}"
    rm -f "$perf_data"
  fi
  # Wall time runs from the request (the upload's POST on the Api path, the queued row on the direct one) to the run's end:
  # an upload stored before the run is queued is the user's wait too.
  local requested
  requested=$(cat "$request_file")
  read -r fig[$k.wall] fig[$k.wait] fig[$k.run] < <(psql_db -At -F ' ' -c "
    SELECT round((extract(epoch FROM finished_at) - ${requested:-extract(epoch FROM queued_at)})::numeric, 1),
           round(extract(epoch FROM started_at - queued_at)::numeric, 1),
           round(extract(epoch FROM finished_at - started_at)::numeric, 1) FROM sync_runs WHERE id = '$run'")
  fig[$k.upload]=$(cat "$upload_file")
  fig[$k.rss]=$(($(hwm_kb) / 1024))
  fig[$k.cpu]=$(printf "%.1f" "$(echo "$(cpu_s) - $cpu0" | bc)")
  fig[$k.load]=$(load1)
  # The run's timing lines: the read and plan phases, then the apply.
  fig[$k.timings]=$(tail -n "+$((lines0 + 1))" "$worker_log" | grep -E "timings" | sed -E 's/^ *//' | paste -sd '|' | sed 's/|/` then `/g' || true)
  # A shared broker restarted by someone else's tests hands the run back to the queue: the figure is then not clean.
  if tail -n "+$((lines0 + 1))" "$worker_log" | grep -q "handed back to the queue"; then
    log "warning: run $run was interrupted (broker restart) and ran twice; its time is not a clean measurement"
    fig[$k.wall]="${fig[$k.wall]} (interrupted)"
  fi
  log "$path, $name: run $run: ${fig[$k.wall]} s (queued → started ${fig[$k.wait]} s)${fig[$k.upload]:+, upload POST ${fig[$k.upload]} s}, peak RSS ${fig[$k.rss]} MB, Worker CPU ${fig[$k.cpu]} s, load ${fig[$k.load]}; counts $(psql_db -At -c "SELECT counts FROM sync_runs WHERE id = '$run'")"
}
measure_three() {
  log "$1: first import"; measure "$1" first "$data/base.zip"
  log "$1: no-change re-sync"; measure "$1" same "$data/base.zip"
  log "$1: 1 % change re-sync"; measure "$1" change "$data/change.zip"
}
# Where a run's CPU went, machine-wide: by process and library, then the hottest functions (JIT-compiled .NET frames resolve
# through the perf map the Worker writes when DOTNET_PerfMapEnabled=1).
profile_report() {
  local data_file=$1 out=$2 title=$3
  {
    echo "Profile: $title ($(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD); perf record -a -F 49, self time)"
    echo
    echo "By process and library:"
    perf report -i "$data_file" --no-children --sort comm,dso --stdio 2>/dev/null | grep -E '^ +[0-9]' | sed -E 's/ +$//' | head -n 15 || true
    echo
    echo "Hottest functions:"
    perf report -i "$data_file" --no-children --sort comm,symbol --stdio 2>/dev/null | grep -E '^ +[0-9]' | cut -c1-200 | sed -E 's/ +- +- *$//; s/ +$//' | head -n 40 || true
  } >"$out"
  log "profile written to $out"
}
# What the Worker's heap holds now: the largest types by retained size (dotnet-gcdump, a local tool of this repository).
heap_report() {
  local out=$1 title=$2 dump=$logs/heap.gcdump
  dotnet tool run dotnet-gcdump collect -p "$worker" -o "$dump" >/dev/null 2>&1 || { log "gcdump of the Worker failed"; return 0; }
  {
    echo "Heap: $title ($(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD); dotnet-gcdump, live objects after a full collection;"
    echo "Worker RSS at the dump: $(awk '/VmRSS/ { printf "%d MB", $2 / 1024 }' "/proc/$worker/status"))"
    echo
    dotnet tool run dotnet-gcdump report "$dump" 2>/dev/null >"$dump.txt" || true
    grep -E 'GC Heap (bytes|objects)' "$dump.txt" || true
    echo
    echo "   Object Bytes     Count  Type (the 30 largest by bytes)"
    grep -E '^ +[0-9,]+ +[0-9,]+ ' "$dump.txt" | awk '{ b = $1; gsub(",", "", b); print b "\t" $0 }' | sort -n -r | cut -f2- | head -n 30 || true # head closes the pipe early
  } >"$out"
  rm -f "$dump" "$dump.txt"
  log "heap written to $out"
}
if [[ $profile -eq 1 ]]; then
  command -v perf >/dev/null || { log "--profile needs perf (apt-get install linux-perf)"; exit 1; }
  export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 # JIT frames named through /tmp/perf-<pid>.map
fi
upload_file=$(mktemp)
request_file=$(mktemp)

# --- the direct path: a Worker alone, runs queued in the database ------------------------------
queue_direct() { "${generator[@]}" queue --connection "$bench_cs" --district "$district" --zip "$1"; }
apply_row=""
if [[ $paths == *direct* ]]; then
  log "direct path: migrating $db"
  ConnectionStrings__Roster=$bench_cs dotnet "$worker_dll" --migrate >/dev/null
  district=$(psql_db -At -c "
    INSERT INTO districts (id, name, created_at) VALUES (gen_random_uuid(), 'Bench district $label', now()) RETURNING id" | head -n 1)
  # The 1 % change removes 0.5 % of people; raise the R21 threshold so every run applies without approval.
  psql_db -c "INSERT INTO sync_settings (district_id, settings, updated_at)
              VALUES ('$district', '{\"safetyThresholdPercent\": 100}', now())"
  new_vhost direct
  local_keyring # Production's key ring is encrypted at rest (deploy/local-run.sh)
  worker_log=$logs/worker-direct.log
  ConnectionStrings__Roster=$bench_cs RabbitMq__VirtualHost=$vhost Dispatcher__Interval=00:00:01 Dispatcher__StaleAfter=00:00:01 \
    DOTNET_ENVIRONMENT=Production dotnet "$worker_dll" >"$worker_log" 2>&1 &
  worker=$!
  started+=("pid:$worker")
  wait_for_bus
  log "direct path: Worker $worker started (log: $worker_log)"
  queue=queue_direct
  measure_three direct

  if [[ $apply_floor -eq 1 ]]; then
    log "apply floor: PostgreSQL alone re-inserting the first import's rows (rolled back)"
    first=$(psql_db -At -c "SELECT id FROM sync_runs ORDER BY queued_at LIMIT 1")
    read -r apply_s apply_rows < <(psql_db -At -v first_run="$first" -f bench/apply-floor.sql | tail -n 1)
    apply_row="| apply floor: PostgreSQL alone inserting the first import's $apply_rows rows (INSERT … SELECT, rolled back) | | $apply_s s | $(printf '%.1f×' "$(echo "$apply_s / $floor" | bc -l)") | | | | | $(load1) |"
  fi
  kill "$worker" && wait "$worker" 2>/dev/null || true
  if [[ $paths == *api* && $keep_db -eq 0 ]]; then
    # The apply floor leaves ~11 M dead rows at L: autovacuum would clean them up during the Api path's first import, and
    # the direct path's dirty pages would be flushed in its checkpoints. Remove both so the two paths start alike.
    drop_database "$db"
    psql -X -q -d postgres -c CHECKPOINT
  fi
fi

# --- the product's path: the system ./run.sh starts, uploads through the Api ---------------------
api_port=5182
api=http://127.0.0.1:$api_port
queue_api() {
  # A multipart upload as run.sh's demo import sends it; curl's time_total is the upload as the user waits for it.
  local out
  date +%s.%N >"$request_file"
  out=$(curl -fsS -w '\n%{time_total}' -H "Authorization: Bearer $district_key" \
    -F "file=@$1" -F dryRun=false "$api/api/v1/districts/$district/imports")
  printf '%.1f' "$(tail -n 1 <<<"$out")" >"$upload_file"
  head -n 1 <<<"$out" | jq -r .id
}
if [[ $paths == *api* ]]; then
  api_db=${db}_api
  db=$api_db bench_cs="${base_cs/Database=rostersync;/Database=$api_db;}"
  if curl -s -o /dev/null "$api/health/live"; then log "port $api_port is busy"; exit 1; fi
  drop_database "$db" && psql -X -q -d postgres -c "CREATE DATABASE $db"
  started+=("db:$db")
  log "Api path: migrating $db as ./run.sh does"
  ConnectionStrings__Roster=$bench_cs dotnet src/Worker/bin/Release/net10.0/RosterSync.Worker.dll --migrate >/dev/null
  new_vhost api
  local_keyring
  export ConnectionStrings__Roster=$bench_cs RabbitMq__VirtualHost=$vhost
  export ROSTERSYNC_OPERATOR_KEY="op_bench_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  worker_log=$logs/worker-api-path.log
  start_worker "$worker_log"
  worker=$started_pid
  started+=("pid:$worker")
  start_api "$api" "$logs/api.log"
  started+=("pid:$started_pid")
  wait_for_bus
  for _ in $(seq 90); do curl -fsS "$api/health/ready" >/dev/null 2>&1 && break; sleep 1; done
  curl -fsS "$api/health/ready" >/dev/null || { log "the Api did not become ready; see $logs/api.log"; tail -n 30 "$logs/api.log" >&2; exit 1; }
  log "Api path: Worker $worker and Api on $api started ($RUN_ENVIRONMENT; logs: $worker_log, $logs/api.log)"
  op=(-H "Authorization: Bearer $ROSTERSYNC_OPERATOR_KEY" -H 'Content-Type: application/json')
  district=$(curl -fsS "${op[@]}" -d "{\"name\":\"Bench district $label\"}" "$api/api/v1/districts" | jq -r .id)
  district_key=$(curl -fsS "${op[@]}" -d '{"name":"bench/sync.sh","scopes":["roster:read","sync:run","settings:write"]}' \
    "$api/api/v1/districts/$district/api-keys" | jq -r .key)
  # The 1 % change removes 0.5 % of people; raise the R21 threshold so every run applies without approval.
  curl -fsS -X PUT -H "Authorization: Bearer $district_key" -H 'Content-Type: application/json' \
    -d '{"source":{"kind":"upload"},"safetyThresholdPercent":100}' "$api/api/v1/districts/$district/sync-settings" >/dev/null
  queue=queue_api
  measure_three api
fi
rm -f "$upload_file" "$request_file"

# --- report -------------------------------------------------------------------------------------
ratio() { printf '%.1f×' "$(echo "$1 / $floor" | bc -l)"; }
declare -A goal=([first]="≤ 5×" [same]="≤ 2×" [change]="≤ 2×")
declare -A path_label=([direct]="direct (bench/sync.sh)" [api]="through the Api (as ./run.sh, $RUN_ENVIRONMENT)")
when=$(date -u +%Y-%m-%dT%H:%MZ)
result=$data/result-$(date -u +%Y%m%dT%H%M%SZ).md
{
  echo
  echo "District $label: $(head -n 1 "$data/shape.txt")"
  echo "Machine: $(nproc) cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(free -g | awk '/Mem:/ { print $2 }') GiB RAM, PostgreSQL $(psql -X -At -d postgres -c "SHOW server_version" | cut -d' ' -f1), .NET $(dotnet --version); $when; commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo '+changes')"
  [[ $full_resyncs -eq 0 ]] || echo "Re-syncs forced onto the full path (--full-resyncs: the stored fingerprint basis cleared before each run)."
  echo
  echo "| path | measurement | upload POST | wall: request → finished | ratio to floor | goal | queued → started | Worker peak RSS | Worker CPU | load (1 min) |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  echo "| | floor (psql \\copy, best of 2) | | $(printf '%.1f' "$floor") s | 1.0× | | | | | $floor_load |"
  for path in $paths; do
    for name in first same change; do
      k=$path.$name
      echo "| ${path_label[$path]} | ${run_label[$name]} | ${fig[$k.upload]:+${fig[$k.upload]} s} | ${fig[$k.wall]} s | $(ratio "${fig[$k.wall]%% *}") | ${goal[$name]} | ${fig[$k.wait]} s | ${fig[$k.rss]} MB | ${fig[$k.cpu]} s | ${fig[$k.load]} |"
    done
  done
  [[ -z $apply_row ]] || echo "$apply_row"
  echo
  echo "Phase timings the Worker logged:"
  echo
  for path in $paths; do
    for name in first same change; do echo "- ${path_label[$path]}, ${run_label[$name]}: \`${fig[$path.$name.timings]:-none logged}\`"; done
  done
} | tee "$result"
log "written to $result"
