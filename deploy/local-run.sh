# Sourced by run.sh and bench/*.sh (from the repository root), so that a benchmark of "the system ./run.sh starts"
# starts exactly that: the same builds, environment and configuration.
#   local_keyring          the Data Protection key ring of a local run is stored encrypted to a certificate (Production
#                          refuses to start without one); a local one is made once into .local/. Exports
#                          DataProtection__KeyEncryptionCertificatePath and DataProtection__KeyEncryptionCertificatePassword.
#   start_worker LOG       starts the Release Worker in the background, output to LOG; its pid in $started_pid.
#   start_api URL LOG      the same for the Release Api, listening on URL.
# Both run in $RUN_ENVIRONMENT, Production unless set: what a deployment runs (deploy/docker-compose.yml sets none). Development
# only relaxes start-up checks (an unencrypted key ring, scope validation of services) and is not what to measure.
# Call them from the repository root after `dotnet build RosterSync.sln -c Release` and with the services' variables set.
RUN_ENVIRONMENT=${RUN_ENVIRONMENT:-Production}

start_worker() {
  DOTNET_ENVIRONMENT=$RUN_ENVIRONMENT dotnet src/Worker/bin/Release/net10.0/RosterSync.Worker.dll >"$1" 2>&1 &
  started_pid=$!
}

start_api() {
  ASPNETCORE_ENVIRONMENT=$RUN_ENVIRONMENT dotnet src/Api/bin/Release/net10.0/RosterSync.Api.dll --urls "$1" \
    --contentRoot "$PWD/src/Api/bin/Release/net10.0" >"$2" 2>&1 &
  started_pid=$!
}

local_keyring() {
  local keyring=.local/keyring.pfx
  mkdir -p .local
  if [[ ! -s $keyring || ! -s .local/keyring.password ]]; then
    echo "making the key ring's key-encryption certificate ($keyring)" >&2
    (umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >.local/keyring.password)
    local key_pem cert_pem
    key_pem=$(mktemp) cert_pem=$(mktemp)
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=RosterSync local key ring" \
      -keyout "$key_pem" -out "$cert_pem" 2>/dev/null
    (umask 077 && openssl pkcs12 -export -inkey "$key_pem" -in "$cert_pem" -out "$keyring" -passout file:.local/keyring.password)
    rm -f "$key_pem" "$cert_pem"
  fi
  export DataProtection__KeyEncryptionCertificatePath="$PWD/$keyring"
  DataProtection__KeyEncryptionCertificatePassword=$(cat .local/keyring.password)
  export DataProtection__KeyEncryptionCertificatePassword
}
