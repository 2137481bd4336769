#!/usr/bin/env bash
# Stops what deploy/start-services.sh started: RabbitMQ and the PostgreSQL 15 cluster. Idempotent, run as root.
set -euo pipefail

[[ $EUID -eq 0 ]] || { echo "stop-services: must run as root" >&2; exit 1; }

if command -v rabbitmqctl >/dev/null && rabbitmq-diagnostics -q ping >/dev/null 2>&1; then
  echo "stop-services: stopping RabbitMQ"
  rabbitmqctl -q stop
fi

if command -v pg_lsclusters >/dev/null; then
  # pg_ctlcluster stop fails on a cluster that is already down, so only stop online ones.
  pg_lsclusters --no-header | awk '$1 == "15" && $4 ~ /^online/ { print $2 }' | while read -r name; do
    echo "stop-services: stopping PostgreSQL 15/$name"
    pg_ctlcluster 15 "$name" stop
  done
fi
