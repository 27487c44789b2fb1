#!/usr/bin/env bash
# Installs redis-server (Debian's package, built with TLS: `--tls-port`) and
# the openssl CLI (the TLS tests make their own CA and server certificate)
# for the fleet and store tests, idempotently. The tests start their own
# servers on 127.0.0.1 and stop them; nothing is left running. Exits
# non-zero if either cannot be installed: the tests then fail, they never
# skip.
set -euo pipefail

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
  echo "redis-tools: apt-get install ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian's package starts a system service; the tests run their own.
  if [[ " ${missing[*]} " == *" redis-server "* ]] && command -v service >/dev/null 2>&1; then
    service redis-server stop >/dev/null 2>&1 || true
  fi
fi
command -v redis-server >/dev/null
command -v openssl >/dev/null
