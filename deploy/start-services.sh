#!/usr/bin/env bash
# Starts the local backing services for RosterSync (PostgreSQL 15, RabbitMQ) and writes an env file
# with their connection settings. Idempotent and fast when everything already runs. Run as root.
#   usage: deploy/start-services.sh [env-file]   (default: <repo>/.local/services.env)
# No systemd here, so the servers are started directly (pg_ctlcluster, rabbitmq-server -detached).
# sshd is only installed, never started: the tests run their own sshd on a private port.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
env_file="${1:-$repo/.local/services.env}"

[[ $EUID -eq 0 ]] || { echo "start-services: must run as root" >&2; exit 1; }

bash "$here/install-services.sh"

# PostgreSQL's listen_addresses='localhost' and Erlang's name lookups need localhost to resolve.
if ! grep -Eq '^[[:space:]]*127\.0\.0\.1[[:space:]](.*[[:space:]])?localhost([[:space:]]|$)' /etc/hosts; then
  echo "start-services: adding '127.0.0.1 localhost' to /etc/hosts"
  echo '127.0.0.1 localhost' >>/etc/hosts
fi

# --- PostgreSQL 15 ---------------------------------------------------------------------------
# The package creates cluster 15/main at install time; it takes port 5433 if 5432 was busy then,
# so the port is read from pg_lsclusters rather than assumed.
pg_cluster_line() { pg_lsclusters --no-header | awk '$1 == "15" { print $2, $3, $4; exit }'; }
line="$(pg_cluster_line)"
if [[ -z $line ]]; then
  echo "start-services: no PostgreSQL 15 cluster found, creating 15/main"
  pg_createcluster 15 main >/dev/null
  line="$(pg_cluster_line)"
fi
read -r pg_name pg_port pg_status <<<"$line"

# pg_ctlcluster start exits 2 when the cluster already runs, so only start a cluster that is down.
if [[ $pg_status == down* ]]; then
  echo "start-services: starting PostgreSQL 15/$pg_name on port $pg_port"
  pg_ctlcluster 15 "$pg_name" start
fi
for _ in $(seq 30); do
  pg_isready -q -h 127.0.0.1 -p "$pg_port" && break
  sleep 1
done
pg_isready -q -h 127.0.0.1 -p "$pg_port" || {
  echo "start-services: PostgreSQL is not reachable on 127.0.0.1:$pg_port (was it started before localhost resolved? try: pg_ctlcluster 15 $pg_name restart)" >&2
  exit 1
}

# Role and database, created once; ALTER ROLE every time so a drifted password/attributes get fixed.
# `cd /`: psql run as postgres warns when it cannot read the caller's working directory.
(cd / && runuser -u postgres -- psql -X -q -p "$pg_port" -v ON_ERROR_STOP=1) <<'SQL'
SELECT 'CREATE ROLE rostersync' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rostersync')\gexec
ALTER ROLE rostersync LOGIN CREATEDB PASSWORD 'rostersync';
SELECT 'CREATE DATABASE rostersync OWNER rostersync'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'rostersync')\gexec
SQL

# --- RabbitMQ --------------------------------------------------------------------------------
if rabbitmq-diagnostics -q ping >/dev/null 2>&1; then
  :
else
  echo "start-services: starting RabbitMQ (~10 s)"
  rabbitmq-server -detached
  # await_startup fails at once while the node is not yet registered with epmd, so poll ping first.
  for _ in $(seq 60); do
    rabbitmq-diagnostics -q ping >/dev/null 2>&1 && break
    sleep 1
  done
  rabbitmqctl -q await_startup --timeout 60
fi

# --- sshd: binary only ----------------------------------------------------------------------
[[ -x /usr/sbin/sshd ]] || { echo "start-services: /usr/sbin/sshd missing" >&2; exit 1; }
mkdir -p /run/sshd # sshd refuses to start without its privilege separation directory

# --- env file --------------------------------------------------------------------------------
mkdir -p "$(dirname "$env_file")"
tmp="$(mktemp "$env_file.XXXXXX")"
cat >"$tmp" <<ENV
export ConnectionStrings__Roster="Host=127.0.0.1;Port=$pg_port;Database=rostersync;Username=rostersync;Password=rostersync"
export ROSTERSYNC_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Database=postgres;Username=rostersync;Password=rostersync"
export RabbitMq__Host=127.0.0.1
export RabbitMq__Port=5672
export RabbitMq__Username=guest
export RabbitMq__Password=guest
export ROSTERSYNC_TEST_RABBITMQ="amqp://guest:guest@127.0.0.1:5672/"
ENV
chmod 644 "$tmp"
mv "$tmp" "$env_file"
echo "start-services: PostgreSQL 127.0.0.1:$pg_port, RabbitMQ 127.0.0.1:5672, sshd installed; env written to $env_file"
