#!/usr/bin/env bash
# Runs the benchmarks side by side with the peer libraries, in one run, and
# writes BENCHMARKS.md (machine, versions, a ratio per row). Ratios only:
# absolute times on these shared machines are noise. No part asserts a
# time: a part fails only when it cannot run.
#
#   scripts/bench.sh    runs, in this order:
#
#   1. Rust rows: criterion, authflowkit-core vs oauth2 5
#      (benches/benches/peer.rs) -> target/criterion/
#   2. Rust concurrency row: 1,000 threads ask one SharedSession for a token
#      at its expiry against the local Makini Link provider (started
#      in-process on 127.0.0.1, stopped after); refresh requests the
#      provider saw, replays, time until all hold the new token, and the
#      same refresh with one caller for scale
#      (benches/src/bin/concurrency.rs) -> target/bench/rust-concurrency.json
#   3. Node rows: the authflow npm package (bindings-wasm/pkg) vs
#      oauth4webapi, the size rows, and CPU profiles of the rows short of
#      their goal (scripts/bench-node.sh; installs its npm packages, builds
#      the package only if it is missing) -> target/bench/node.json
#   4. Python rows: scripts/bench-python.sh, when that script exists (its
#      failure fails the run) -> target/bench/python.json
#
#   then scripts/bench-report.py renders the criterion rows and every
#   target/bench/*.json (a section each, plus one concurrency table and one
#   size table) into BENCHMARKS.md.
#
# (target/ is CARGO_TARGET_DIR when set.) Each part's JSON is removed before
# the run, so a failed part leaves no stale figures behind.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-$PWD/target}"
bench="$target/bench"
step() { printf '\n==> %s\n' "$*" >&2; }

mkdir -p "$bench"
rm -f "$bench/rust-concurrency.json" "$bench/node.json"
[ -f scripts/bench-python.sh ] && rm -f "$bench/python.json"

step "1. Rust rows (criterion: authflowkit-core vs oauth2)"
rm -rf "$target/criterion"
cargo bench -p authflow-benches --bench peer --locked -- --warm-up-time 2 --measurement-time 5

step "2. Rust concurrency row (1,000 threads at token expiry, local Makini Link)"
cargo run --release --locked -q -p authflow-benches --bin authflow-bench-concurrency -- \
  --callers 1000 --rounds 5 --out "$bench/rust-concurrency.json" >/dev/null

step "3. Node rows (authflow npm package vs oauth4webapi; sizes)"
bash scripts/bench-node.sh

if [ -f scripts/bench-python.sh ]; then
  step "4. Python rows (scripts/bench-python.sh)"
  bash scripts/bench-python.sh
  [ -f "$bench/python.json" ] \
    || { echo "bench.sh: scripts/bench-python.sh did not write $bench/python.json" >&2; exit 1; }
else
  step "4. Python rows: scripts/bench-python.sh does not exist yet; skipped"
fi

step "BENCHMARKS.md"
AUTHFLOW_TARGET_DIR="$target" python3 scripts/bench-report.py > BENCHMARKS.md
cat BENCHMARKS.md
