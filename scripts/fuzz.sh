#!/usr/bin/env bash
# Fuzzes every parser of authflowkit-core with cargo-fuzz (libFuzzer).
#
#   scripts/fuzz.sh            smoke run: each target for 5 s (the test command runs this)
#   scripts/fuzz.sh SECONDS    each target for SECONDS
#   scripts/fuzz.sh --runs N   each target for N executions (the long run:
#                              --runs 10000000)
#
# Installs what it needs, idempotently: the project's pinned nightly
# (scripts/nightly.sh) and cargo-fuzz (into .tools/). Seeds: the committed
# corpus of each target (fuzz/seeds/TARGET: what earlier long runs found,
# minimised with `cargo fuzz cmin`; long-run figures in fuzz/LONG-RUNS.md)
# and inputs made from tests/vectors.
# Prints the executions per target; exits non-zero on any crash, and leaves
# the crashing input under fuzz/artifacts/TARGET/ (make it a golden vector).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/wasm-env.sh # AUTHFLOW_NIGHTLY: the one nightly of the project

if [ "${1:-}" = "--runs" ]; then
  limit=(-runs="${2:?--runs needs a number}")
  budget="$2 runs"
else
  limit=(-max_total_time="${1:-5}")
  budget="${1:-5} s"
fi
root="$PWD"
tools="$root/.tools"

bash scripts/nightly.sh
if [ ! -x "$tools/bin/cargo-fuzz" ]; then
  cargo install cargo-fuzz --locked --root "$tools"
fi
export PATH="$tools/bin:$PATH"

corpus="$root/target/fuzz-corpus"
python3 scripts/fuzz-seeds.py "$corpus"

cd fuzz
targets=$(cargo +"$AUTHFLOW_NIGHTLY" fuzz list)
build_log="$root/target/fuzz-build.log"
if ! cargo +"$AUTHFLOW_NIGHTLY" fuzz build --release >"$build_log" 2>&1; then
  tail -n 40 "$build_log" >&2
  exit 1
fi
report=()
for target in $targets; do
  mkdir -p "$corpus/$target"
  log="$root/target/fuzz-$target.log"
  seeds=()
  [ -d "$root/fuzz/seeds/$target" ] && seeds=("$root/fuzz/seeds/$target")
  if ! cargo +"$AUTHFLOW_NIGHTLY" fuzz run --release "$target" "$corpus/$target" "${seeds[@]}" -- \
      "${limit[@]}" -print_final_stats=1 >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "fuzz: $target FAILED (log: $log)" >&2
    exit 1
  fi
  runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo "?")
  took=$(grep -Eo 'Done [0-9]+ runs in [0-9]+ second' "$log" | grep -Eo '[0-9]+ second' || echo "$budget")
  report+=("$(printf '%-16s %12s executions (%s)' "$target" "$runs" "$took")")
done
printf '%s\n' "${report[@]}"
echo "fuzz: $(echo "$targets" | wc -w) targets, 0 crashes"
