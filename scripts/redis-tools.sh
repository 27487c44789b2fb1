#!/usr/bin/env bash
# Installs redis-server (Debian's package) for the fleet tests, idempotently.
# The tests start their own servers on 127.0.0.1 and stop them; nothing is
# left running. Exits non-zero if it cannot be installed: the fleet tests
# then fail, they never skip.
set -euo pipefail

if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi
echo "redis-tools: apt-get install redis-server" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null
# Debian's package starts a system service; the tests run their own.
if command -v service >/dev/null 2>&1; then
  service redis-server stop >/dev/null 2>&1 || true
fi
command -v redis-server >/dev/null
