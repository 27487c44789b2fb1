//! Benchmarks only: see `benches/peer.rs` and `scripts/bench.sh`.
