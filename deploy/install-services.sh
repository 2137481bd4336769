#!/usr/bin/env bash
# Installs the local backing services for RosterSync from apt: PostgreSQL 15, RabbitMQ, openssh-server.
# Idempotent, run as root. Only installs; deploy/start-services.sh starts them (apt never starts
# services on machines where policy-rc.d denies it, and there is no systemd on the dev box).
set -euo pipefail

[[ $EUID -eq 0 ]] || { echo "install-services: must run as root" >&2; exit 1; }

missing=()
for pkg in postgresql rabbitmq-server openssh-server curl; do
  # `|| true`: dpkg-query exits 1 for a package it has never heard of.
  status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
  [[ $status == "install ok installed" ]] || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
  echo "install-services: PostgreSQL, RabbitMQ, openssh-server, curl already installed"
  exit 0
fi

echo "install-services: installing ${missing[*]} from apt (first time: ~1 min)"
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists only when they are missing or older than a day (stale lists give 404s).
if [[ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mtime -1 -print -quit 2>/dev/null)" ]]; then
  echo "install-services: apt-get update"
  apt-get update -qq
fi
# On Debian 12, `postgresql` is PostgreSQL 15.
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-services: done"
