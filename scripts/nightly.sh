#!/usr/bin/env bash
# Installs the project's one nightly toolchain ($AUTHFLOW_NIGHTLY in
# scripts/wasm-env.sh) with its rust-src component, only when either is
# missing (rustup would otherwise go to the network), and fails loudly when
# it cannot. The browser package build rebuilds std from rust-src
# (-Zbuild-std); the fuzzing (cargo-fuzz) runs on the same toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/wasm-env.sh

nightly_src() { echo "$(rustc +"$AUTHFLOW_NIGHTLY" --print sysroot)/lib/rustlib/src/rust/library"; }
if ! rustup toolchain list | grep -q "^$AUTHFLOW_NIGHTLY-"; then
  echo "  $AUTHFLOW_NIGHTLY with rust-src: rustup toolchain install"
  rustup toolchain install "$AUTHFLOW_NIGHTLY" --profile minimal --component rust-src
elif [ ! -d "$(nightly_src)" ]; then
  echo "  $AUTHFLOW_NIGHTLY: present; rust-src: rustup component add"
  rustup component add rust-src --toolchain "$AUTHFLOW_NIGHTLY"
else
  echo "  $AUTHFLOW_NIGHTLY with rust-src: present"
fi
[ -d "$(nightly_src)" ] \
  || { echo "$AUTHFLOW_NIGHTLY: installed, but its rust-src ($(nightly_src)) is missing" >&2; exit 1; }
rustc +"$AUTHFLOW_NIGHTLY" --version
