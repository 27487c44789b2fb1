#!/usr/bin/env bash
# Builds the npm package and packs it: target/npm/authflowkit-<version>.tgz,
# the file a user installs (`npm install ./authflowkit-<version>.tgz`).
# Installs the tools it needs first (scripts/wasm-tools.sh: the wasm32
# target, the pinned nightly, wasm-bindgen-cli, binaryen, esbuild; Chromium
# for the tests is installed too, as that script does), then builds the
# four entries (scripts/wasm-build.sh) into bindings-wasm/pkg/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/wasm-env.sh
bash scripts/wasm-tools.sh
bash scripts/wasm-build.sh
out="$AUTHFLOW_TARGET_DIR/npm"
mkdir -p "$out"
tarball=$(cd bindings-wasm/pkg && npm pack --ignore-scripts --pack-destination "$out" --loglevel=error)
echo "built $out/$tarball ($(wc -c <"$out/$tarball") bytes)"
