#!/usr/bin/env bash
# Runs the benchmarks side by side with the peer libraries, in one run, and
# writes BENCHMARKS.md (machine, versions, a ratio per row). Ratios only:
# absolute times on these shared machines are noise.
#
#   scripts/bench.sh            Rust rows (criterion: authflow-core vs oauth2 5)
set -euo pipefail
cd "$(dirname "$0")/.."

rm -rf target/criterion
cargo bench -p authflow-benches --bench peer --locked -- --warm-up-time 2 --measurement-time 5
python3 scripts/bench-report.py > BENCHMARKS.md
cat BENCHMARKS.md
