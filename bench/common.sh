# Sourced by bench/*.sh: logging, root, and PostgreSQL for a benchmark database of its own.
#   bench_database NAME  starts the local services when needed, then sets base_cs (the services' connection
#                        string), db=NAME, bench_cs (the same for NAME), the PG* variables psql and pgbench read,
#                        and psql_db (psql on NAME, stopping at the first error).
#   local_keyring, start_worker, start_api   (deploy/local-run.sh) as ./run.sh starts the system.

# shellcheck source=deploy/local-run.sh
source deploy/local-run.sh

as_root() { if [[ $EUID -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
log() { echo "bench: $*" >&2; }

bench_database() {
  if [[ ! -f .local/services.env ]] || ! pg_isready -q -h 127.0.0.1; then
    log "starting PostgreSQL and RabbitMQ"
    as_root bash deploy/start-services.sh .local/services.env
  fi
  # shellcheck disable=SC1091
  source .local/services.env
  base_cs=$ConnectionStrings__Roster
  db=$1
  bench_cs="${base_cs/Database=rostersync;/Database=$db;}"
  PGUSER=$(sed -E 's/.*Username=([^;]*).*/\1/' <<<"$base_cs")
  PGPASSWORD=$(sed -E 's/.*Password=([^;]*).*/\1/' <<<"$base_cs")
  PGPORT=$(sed -E 's/.*Port=([0-9]+).*/\1/' <<<"$base_cs")
  export PGHOST=127.0.0.1 PGUSER PGPASSWORD PGPORT PGOPTIONS='-c client_min_messages=warning'
}

psql_db() { psql -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }

# As the postgres superuser: WITH (FORCE) must end any connection, an autovacuum worker's included, which the
# application's role may not signal.
drop_database() { (cd / && as_root runuser -u postgres -- env -u PGHOST -u PGUSER -u PGPASSWORD psql -X -q -p "$PGPORT" -d postgres -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)"); }
