#!/usr/bin/env bash
# The Python rows of the benchmarks beside the peer libraries (issue 7):
# authflow through its UniFFI wheel against oauthlib and Authlib on the same
# operations and inputs, in ONE pytest-benchmark run, plus the concurrency
# row: 1,000 Python threads asking one session for a token at expiry, against
# the local providers (127.0.0.1, started and stopped by the run).
#
#   bash scripts/bench-python.sh            the full run (about 2 minutes of timing)
#   bash scripts/bench-python.sh --quick    0.2 s per benchmark, to try it out
#
# Writes target/bench/python.json (read by scripts/bench-report.py; target/
# is CARGO_TARGET_DIR when set):
#   {"title", "goal", "versions", "rows": [{"operation", "authflow_ns", "peers", "note"}],
#    "concurrency": [{"runtime", "callers", "refreshes", "replays", "ms_until_all"}],
#    "floor": {"trivial_method_ns", "trivial_method_crossings",
#              "trivial_method_proposed_wrapper_ns", "parts_ns": {what: ns}},
#    "footprint": [{"library", "version", "import", "import_ms", "installed_bytes",
#                   "session_bytes", "wheel_bytes" (authflow)}]}
# and, under target/bench/python/ (raw files the report does not read),
# benchmark.json (pytest-benchmark's own output), concurrency.json and
# profile.txt (cProfile of every row short of the goal). Means are in ns; ratio = peer / authflow. What each row
# times: bindings-uniffi/python/bench/operations.py.
#
# Installs what it needs, idempotently: maturin as scripts/test-uniffi.sh
# does (scripts/uniffi-build.sh, .tools/uniffi/build-venv), and the exact
# pins of bindings-uniffi/python/bench/requirements.txt (pytest-benchmark,
# oauthlib, Authlib) into .tools/bench-python, remade only when that file
# changes. The wheel is built as test-uniffi.sh builds it (release) and
# reinstalled into that venv on every run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
source scripts/uniffi-build.sh

MAX_TIME=2.0
case "${1:-}" in
  "") ;;
  --quick) MAX_TIME=0.2 ;;
  *) echo "usage: $0 [--quick]" >&2; exit 2 ;;
esac

BENCH=bindings-uniffi/python/bench
VENV=$ROOT/.tools/bench-python
REQUIREMENTS=$BENCH/requirements.txt
STAMP=$VENV/.requirements.sha256
OUT=$UNIFFI_TARGET_DIR/bench

step() { printf '\n==> %s\n' "$*"; }

step "tools"
uniffi_build_venv
wanted=$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)
if [ "$(cat "$STAMP" 2>/dev/null)" != "$wanted" ] \
  || ! "$VENV/bin/python" -c 'import pytest_benchmark, oauthlib, authlib' >/dev/null 2>&1; then
  echo "creating $VENV from $REQUIREMENTS"
  rm -rf "$VENV"
  python3 -m venv "$VENV" || uniffi_fail "python3 -m venv failed"
  "$VENV/bin/pip" install --disable-pip-version-check --no-input -q -r "$REQUIREMENTS" \
    || uniffi_fail "pip install -r $REQUIREMENTS failed"
  "$VENV/bin/pip" check --disable-pip-version-check || uniffi_fail "pip check failed in $VENV"
  echo "$wanted" >"$STAMP"  # last, so that an interrupted install is redone
fi

step "build the wheel (maturin, release) and the local providers"
uniffi_build_wheel
uniffi_build_providers
"$VENV/bin/pip" install --disable-pip-version-check --no-input -q --force-reinstall --no-deps "$WHEEL" \
  || uniffi_fail "pip install of $WHEEL failed"

step "benchmarks: authflow, oauthlib, Authlib in one pytest run (max ${MAX_TIME}s each), then 1,000 threads"
RAW=$OUT/python
mkdir -p "$RAW"
rm -f "$OUT/python.json" "$RAW/benchmark.json" "$RAW/concurrency.json" "$RAW/profile.txt"
AUTHFLOW_PROVIDERS_BIN=$PROVIDERS AUTHFLOW_BENCH_CONCURRENCY_OUT=$RAW/concurrency.json \
  "$VENV/bin/python" -m pytest -p no:cacheprovider "$BENCH/bench_python.py" \
  --benchmark-json="$RAW/benchmark.json" --benchmark-max-time="$MAX_TIME" --benchmark-min-rounds=20 \
  --benchmark-warmup=on --benchmark-warmup-iterations=2000 --benchmark-group-by=group \
  --benchmark-sort=mean --benchmark-columns=mean,median,stddev,rounds,iterations

step "report"
"$VENV/bin/python" "$BENCH/report.py" --benchmark "$RAW/benchmark.json" \
  --concurrency "$RAW/concurrency.json" --out "$OUT/python.json" --profile "$RAW/profile.txt" --wheel "$WHEEL"
