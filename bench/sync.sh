#!/usr/bin/env bash
# Sync benchmark of issue 4 (docs/benchmarks.md). One command:
#   bench/sync.sh [--size L|M|S] [--seed N] [--keep-db] [--no-apply-floor]
# 1. generates the synthetic district (bench/Generator) into bench/data/ unless it is already there;
# 2. measures the floor: psql \copy of the same CSV files into UNLOGGED tables of text columns (best of 2);
# 3. migrates a fresh database rostersync_bench, starts a Release Worker on it (own RabbitMQ vhost), and
#    queues three upload runs: first import, no-change re-sync, 1 % change re-sync;
# 4. prints wall time (sync_runs.queued_at → finished_at), ratio to the floor and the Worker's peak RSS
#    (VmHWM, reset before each run), and writes the same as markdown to bench/data/<label>/result-<time>.md;
# 5. measures the apply floor: PostgreSQL alone re-inserting the first import's rows into the real tables
#    (bench/apply-floor.sql, rolled back), the part of a first import no client change can remove.
# The database, vhost and Worker are removed at the end (--keep-db keeps the database for inspection).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

size=L seed=42 keep_db=0 apply_floor=1
while [[ $# -gt 0 ]]; do
  case $1 in
    --size) size=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --keep-db) keep_db=1; shift ;;
    --no-apply-floor) apply_floor=0; shift ;;
    *) echo "usage: bench/sync.sh [--size L|M|S] [--seed N] [--keep-db] [--no-apply-floor]" >&2; exit 2 ;;
  esac
done

# shellcheck source=bench/common.sh
source bench/common.sh
bench_database rostersync_bench

log "building the Worker and the generator (Release)"
dotnet build src/Worker/RosterSync.Worker.csproj -c Release -nologo -v:q -clp:ErrorsOnly >/dev/null
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

# --- fresh database --------------------------------------------------------------------------
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"

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

# --- Worker on the benchmark database --------------------------------------------------------
log "migrating $db"
ConnectionStrings__Roster=$bench_cs dotnet "$worker_dll" --migrate >/dev/null
district=$(psql_db -At -c "
  INSERT INTO districts (id, name, created_at) VALUES (gen_random_uuid(), 'Bench district $label', now()) RETURNING id" | head -n 1)
# The 1 % change removes 0.5 % of people; raise the R21 threshold so every run applies without approval.
psql_db -c "INSERT INTO sync_settings (district_id, settings, updated_at)
            VALUES ('$district', '{\"safetyThresholdPercent\": 100}', now())"

vhost="rs-bench-$$"
as_root rabbitmqctl -q add_vhost "$vhost" >/dev/null
as_root rabbitmqctl -q set_permissions -p "$vhost" "${RabbitMq__Username:-guest}" ".*" ".*" ".*" >/dev/null
worker_log=$data/worker.log
ConnectionStrings__Roster=$bench_cs RabbitMq__VirtualHost=$vhost Dispatcher__Interval=00:00:01 Dispatcher__StaleAfter=00:00:01 \
  DOTNET_ENVIRONMENT=Production dotnet "$worker_dll" >"$worker_log" 2>&1 &
worker=$!
cleanup() {
  kill "$worker" 2>/dev/null && wait "$worker" 2>/dev/null || true
  as_root rabbitmqctl -q delete_vhost "$vhost" >/dev/null 2>&1 || true
  if [[ $keep_db -eq 0 ]]; then psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true; fi
}
trap cleanup EXIT
for _ in $(seq 60); do
  grep -q "Bus started" "$worker_log" 2>/dev/null && break
  sleep 1
done
grep -q "Bus started" "$worker_log" || { log "the Worker did not start; see $worker_log"; tail -n 30 "$worker_log" >&2; exit 1; }
log "Worker $worker started (log: $worker_log)"

hwm_kb() { awk '/VmHWM/ { print $2 }' "/proc/$worker/status"; }
# The Worker's CPU time (user + system) in seconds, and the machine's 1-minute load: other work on the machine
# stretches wall times, so each run reports both.
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.1f", ($14 + $15) / hz }' "/proc/$worker/stat"; }
load1() { cut -d' ' -f1 /proc/loadavg; }

# Queues one run, waits for it, and prints "seconds peak_rss_mb worker_cpu_s load".
measure() {
  local zip=$1 run status cpu0 lines0
  echo 5 >"/proc/$worker/clear_refs" # resets VmHWM to the current RSS: the peak is this run's
  cpu0=$(cpu_s)
  lines0=$(wc -l <"$worker_log")
  run=$("${generator[@]}" queue --connection "$bench_cs" --district "$district" --zip "$zip")
  while true; do
    status=$(psql_db -At -c "SELECT status FROM sync_runs WHERE id = '$run'")
    case $status in
      succeeded) break ;;
      failed | cancelled | awaiting-approval)
        log "run $run ended $status: $(psql_db -At -c "SELECT error FROM sync_runs WHERE id = '$run'")"; exit 1 ;;
    esac
    kill -0 "$worker" 2>/dev/null || { log "the Worker died; see $worker_log"; tail -n 30 "$worker_log" >&2; exit 1; }
    sleep 0.5
  done
  local seconds counts cpu
  seconds=$(psql_db -At -c "SELECT round(extract(epoch FROM finished_at - queued_at)::numeric, 1) FROM sync_runs WHERE id = '$run'")
  counts=$(psql_db -At -c "SELECT counts FROM sync_runs WHERE id = '$run'")
  cpu=$(printf "%.1f" "$(echo "$(cpu_s) - $cpu0" | bc)")
  # A shared broker restarted by someone else's tests hands the run back to the queue: the figure is then not clean.
  if tail -n "+$((lines0 + 1))" "$worker_log" | grep -q "handed back to the queue"; then
    log "warning: run $run was interrupted (broker restart) and ran twice; its time is not a clean measurement"
  fi
  log "run $run: $seconds s, peak RSS $(($(hwm_kb) / 1024)) MB, Worker CPU $cpu s, load $(load1); counts $counts"
  echo "$seconds $(($(hwm_kb) / 1024)) $cpu $(load1)"
}

figures=$(mktemp)
log "first import"
measure "$data/base.zip" >"$figures"; read -r first_s first_mb first_cpu first_load <"$figures"
log "no-change re-sync"
measure "$data/base.zip" >"$figures"; read -r same_s same_mb same_cpu same_load <"$figures"
log "1 % change re-sync"
measure "$data/change.zip" >"$figures"; read -r change_s change_mb change_cpu change_load <"$figures"
rm -f "$figures"

apply_row=""
if [[ $apply_floor -eq 1 ]]; then
  log "apply floor: PostgreSQL alone re-inserting the first import's rows (rolled back)"
  first=$(psql_db -At -c "SELECT id FROM sync_runs ORDER BY queued_at LIMIT 1")
  read -r apply_s apply_rows < <(psql_db -At -v first_run="$first" -f bench/apply-floor.sql | tail -n 1)
  apply_row="| apply floor: PostgreSQL alone inserting the first import's $apply_rows rows (INSERT … SELECT, rolled back) | $apply_s s | $(printf '%.1f×' "$(echo "$apply_s / $floor" | bc -l)") | | | | $(load1) |"
fi

ratio() { printf '%.1f×' "$(echo "$1 / $floor" | bc -l)"; }
when=$(date -u +%Y-%m-%dT%H:%MZ)
result=$data/result-$(date -u +%Y%m%dT%H%M%SZ).md
cat <<EOF | tee "$result"

District $label: $(head -n 1 "$data/shape.txt")
Machine: $(nproc) cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(free -g | awk '/Mem:/ { print $2 }') GiB RAM, PostgreSQL $(psql_db -At -c "SHOW server_version" | cut -d' ' -f1), .NET $(dotnet --version); $when; commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo '+changes')

| measurement | wall time | ratio to floor | goal | Worker peak RSS | Worker CPU | load (1 min) |
|---|---|---|---|---|---|---|
| floor (psql \\copy, best of 2) | $(printf '%.1f' "$floor") s | 1.0× | | | | $floor_load |
| first import | $first_s s | $(ratio "$first_s") | ≤ 5× | $first_mb MB | $first_cpu s | $first_load |
| no-change re-sync | $same_s s | $(ratio "$same_s") | ≤ 2× | $same_mb MB | $same_cpu s | $same_load |
| 1 % change re-sync | $change_s s | $(ratio "$change_s") | ≤ 2× | $change_mb MB | $change_cpu s | $change_load |
$apply_row
EOF
log "phase timings from the Worker log:"
grep -E "timings" "$worker_log" | sed -E 's/^ *//' | tee -a "$result" >&2 || true
log "written to $result"
