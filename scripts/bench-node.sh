#!/usr/bin/env bash
# The Node rows of BENCHMARKS.md: the authflow npm package (bindings-wasm/pkg:
# its Node.js entry, the browser entry beside it) beside npm oauth4webapi,
# timed in one Node process by benches/node/bench.mjs, plus the size rows (gzip -9 of the package as
# scripts/wasm-size.sh measures it, and esbuild bundles of both libraries),
# and what a user feels besides per-call time (import time, installed
# bytes, memory per signed-in user, each side in fresh processes; the import
# in headless Chromium too, a first visit).
# Writes $AUTHFLOW_TARGET_DIR/bench/node.json (the shape
# scripts/bench-report.py reads).
#
# Then, for every row short of its goal, a CPU profile of authflow's side
# (benches/node/profile-rows.mjs, node --cpu-prof, the Node.js entry's
# module, which keeps its function names) whose summary goes into that row
# of node.json; the .cpuprofile files stay in
# $AUTHFLOW_TARGET_DIR/bench/node/profiles/.
#
# Installs what it needs, idempotently: the npm packages pinned in
# benches/node/package-lock.json (oauth4webapi, tinybench, esbuild,
# playwright-core), Chromium when missing (scripts/wasm-tools.sh), and,
# only when missing, the package itself (scripts/wasm-tools.sh, then
# scripts/wasm-build.sh). Rebuild the package yourself after changing the
# Rust code: this script benchmarks the package that is there.
#
#   scripts/bench-node.sh [--no-profile]
#   scripts/bench-node.sh --check    every row run once and its result
#                                    checked, nothing timed (the test command)
#   BENCH_NODE_ROUNDS=5 BENCH_NODE_TIME_MS=400   rounds, and ms per task per round
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/wasm-env.sh

profile=1
check=0
case "${1:-}" in
  "") ;;
  --no-profile) profile=0 ;;
  --check) check=1 ;;
  *) echo "usage: $0 [--no-profile | --check]" >&2; exit 2 ;;
esac

for tool in node npm gzip; do
  command -v "$tool" >/dev/null || { echo "bench-node.sh needs $tool on PATH" >&2; exit 1; }
done
major=$(node -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 20 ] || { echo "bench-node.sh needs Node.js 20 or later (found $(node --version))" >&2; exit 1; }

# npm packages from the committed lockfile; again only when the lock changed.
dir=benches/node
stamp=$dir/node_modules/.package-lock.json
if [ -f "$stamp" ] && [ -f "$dir/node_modules/oauth4webapi/package.json" ] \
  && [ ! "$dir/package-lock.json" -nt "$stamp" ]; then
  echo "npm packages of $dir: present"
else
  echo "npm packages of $dir: npm ci"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  touch "$stamp"
fi

pkg=bindings-wasm/pkg
tools_checked=0
wasm_tools() {
  [ "$tools_checked" = 1 ] && return
  bash scripts/wasm-tools.sh
  tools_checked=1
}
# The import in a browser is timed in Chromium (benches/node/browser-import.mjs).
[ -x "$CHROMIUM" ] || wasm_tools
if [ ! -f "$pkg/index.js" ] || [ ! -f "$pkg/authflow_wasm_bg.wasm" ] || [ ! -f "$pkg/node/index.js" ]; then
  echo "no package in $pkg: building it"
  wasm_tools
  bash scripts/wasm-build.sh
fi

if [ "$check" = 1 ]; then
  node "$dir/bench.mjs" --check
  exit 0
fi

out="$AUTHFLOW_TARGET_DIR/bench/node.json"
mkdir -p "$(dirname "$out")"
node "$dir/bench.mjs" --out "$out" \
  --rounds "${BENCH_NODE_ROUNDS:-5}" --time "${BENCH_NODE_TIME_MS:-400}" >/dev/null

if [ "$profile" = 1 ]; then
  node "$dir/profile-rows.mjs" "$out" --dir "$AUTHFLOW_TARGET_DIR/bench/node/profiles"
fi
echo "wrote $out"
