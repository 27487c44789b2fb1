#!/usr/bin/env bash
# Installs npm `oidc-provider` at the version pinned in package.json /
# package-lock.json into ./node_modules, for authflow's end-to-end tests.
#
# Idempotent: runs `npm ci` only when node_modules is missing or
# package-lock.json is newer than the last install. Exits non-zero when
# node or npm is missing or the install fails. Concurrent runs (several
# tests starting at once) are serialised with flock(1) where it exists.
set -euo pipefail
cd "$(dirname "$0")"

for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "install.sh: $tool is not installed; the oidc-provider tests need Node.js 20 or later" >&2
    exit 1
  fi
done

if command -v flock >/dev/null 2>&1; then
  exec 9<package.json
  flock 9
fi

# npm writes node_modules/.package-lock.json at the end of a successful install.
stamp=node_modules/.package-lock.json
if [ -f "$stamp" ] && [ -f node_modules/oidc-provider/package.json ] \
  && [ ! package-lock.json -nt "$stamp" ]; then
  exit 0
fi

echo "install.sh: npm ci in $(pwd)" >&2
if ! npm ci --no-audit --no-fund --loglevel=error >&2; then
  echo "install.sh: npm ci failed" >&2
  exit 1
fi
# The lock file's mtime may be in the future relative to the fresh stamp
# (a checkout, a clock skew); mark the install as newer so the next run skips.
touch "$stamp"
node --input-type=module -e "await import('oidc-provider')" >/dev/null \
  || { echo "install.sh: oidc-provider does not load after install" >&2; exit 1; }
