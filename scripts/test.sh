#!/usr/bin/env bash
# Runs every test of the project. Installs the Rust pieces it needs
# (rustfmt, clippy, the wasm32 target) and redis-server when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "toolchain components"
installed=$(rustup component list --installed)
for component in rustfmt clippy; do
  grep -q "^${component}" <<<"$installed" || rustup component add "$component"
done
rustup target list --installed | grep -qx wasm32-unknown-unknown \
  || rustup target add wasm32-unknown-unknown

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (workspace, all targets; core without default features)"
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo clippy -p authflowkit-core --no-default-features --all-targets --locked -- -D warnings

step "rustdoc of the core builds without warnings"
RUSTDOCFLAGS="-D warnings" cargo doc -p authflowkit-core --no-deps --locked

step "the published crates build with their rust-version (scripts/msrv.sh)"
bash scripts/msrv.sh

step "the published crates as cargo publish takes them: metadata, --dry-run (scripts/check-crates.sh)"
bash scripts/check-crates.sh

step "cargo test (workspace; the fleet tests start redis-server from scripts/redis-tools.sh)"
bash scripts/redis-tools.sh
cargo test --workspace --locked
# fmt, clippy and the tests of every crate have run: the scripts below do
# not run them again for their own crate (with -p, cargo unifies features
# apart from the workspace's and builds the dependencies once more).
export AUTHFLOW_WORKSPACE_CHECKED=1

step "cargo test -p authflowkit-core --no-default-features"
cargo test -p authflowkit-core --no-default-features --locked

step "the core builds for wasm32-unknown-unknown without secrets or JS imports"
cargo build -p authflowkit-core --no-default-features --target wasm32-unknown-unknown --locked
# The core must not pull in anything that talks to JavaScript.
js=$(cargo tree -p authflowkit-core --no-default-features --target wasm32-unknown-unknown \
  -e normal --prefix none --locked | grep -E '^(wasm-bindgen|js-sys|web-sys|getrandom) ' || true)
if [ -n "$js" ]; then
  echo "authflowkit-core depends on JavaScript glue on wasm32:" >&2
  echo "$js" >&2
  exit 1
fi
echo "no JS glue in the core's wasm32 dependency graph"

step "the browser package: wasm-bindgen-test in Chromium, Node tests, end to end, size report"
bash scripts/test-wasm.sh

step "UniFFI bindings: Python wheel, Kotlin, Swift package (scripts/test-uniffi.sh)"
bash scripts/test-uniffi.sh

step "fuzz smoke run: every parser target for a few seconds (scripts/fuzz.sh)"
bash scripts/fuzz.sh 5
