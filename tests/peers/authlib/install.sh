#!/usr/bin/env bash
# Installs the Authlib peer server's Python environment into ./.venv.
#
# Idempotent: does nothing while the venv works and was installed from the
# current requirements.txt (a stamp file inside the venv holds its SHA-256).
# Otherwise (no venv, a broken one, or requirements.txt changed) it makes the
# venv afresh with `python3 -m venv` and runs `pip install -r
# requirements.txt`, so the venv holds exactly the pinned set and nothing left
# over from older pins. Exits non-zero on any failure. Safe to run from
# several processes at once (flock, where present).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
requirements="$here/requirements.txt"
stamp="$venv/.requirements.sha256"
python="${PYTHON:-python3}"

mkdir -p "$venv"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$venv/.install.lock"
  flock 9
fi

wanted="$(sha256sum "$requirements" | cut -d' ' -f1)"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ] \
  && "$venv/bin/python" -c 'import authlib, flask' >/dev/null 2>&1; then
  exit 0
fi

echo "install.sh: creating $venv and installing $requirements" >&2
find "$venv" -mindepth 1 -maxdepth 1 ! -name .install.lock -exec rm -rf {} +
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --disable-pip-version-check --no-input --quiet \
  -r "$requirements"
"$venv/bin/python" -m pip check --disable-pip-version-check >&2
# The stamp is written last, so an interrupted install is redone next time.
echo "$wanted" >"$stamp"
