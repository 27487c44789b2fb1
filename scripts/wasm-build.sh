#!/usr/bin/env bash
# Builds the browser package into bindings-wasm/pkg/: authflow-wasm for
# wasm32-unknown-unknown (profile wasm-release), wasm-bindgen --target web,
# wasm-opt -Oz, then the npm layout (package.json, index.js, types, README,
# licences). Needs the tools scripts/wasm-tools.sh installs.
#
# `scripts/wasm-build.sh --names` builds the same module with its function
# names kept into target/wasm-bindgen/named/ instead (for twiggy and the
# test that no secret-handling code of the core is in the module); the
# package is always built without them.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/wasm-env.sh

names=0
[ "${1:-}" = --names ] && names=1

raw="$AUTHFLOW_TARGET_DIR/wasm32-unknown-unknown/wasm-release/authflow_wasm.wasm"
if [ "$names" = 1 ]; then
  out="$AUTHFLOW_TARGET_DIR/wasm-bindgen/named"
else
  out="$AUTHFLOW_TARGET_DIR/wasm-bindgen/pkg"
fi

# `cargo rustc --crate-type cdylib`: with the rlib crate type as well (the
# tests need it) cargo does not pass -C lto, and the module is 20% larger.
# The remap keeps this machine's paths out of the panic locations the
# module carries (shorter, and the same on every machine).
remap=()
for index in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/; do
  remap+=("--remap-path-prefix=${index%/}=/crates")
done
RUSTFLAGS="${RUSTFLAGS:-} ${remap[*]}" \
  cargo rustc -p authflow-wasm --lib --crate-type cdylib --target wasm32-unknown-unknown \
  --profile wasm-release --locked

rm -rf "$out"
keep=()
[ "$names" = 1 ] && keep=(--keep-debug)
"$WASM_BINDGEN" "$raw" --target web --out-dir "$out" --out-name authflow_wasm "${keep[@]}"

# The features rustc enables by default for wasm32-unknown-unknown.
features=(--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext
  --enable-mutable-globals --enable-reference-types --enable-multivalue)
debug=()
[ "$names" = 1 ] && debug=(--debuginfo --strip-dwarf)
"$WASM_OPT" -Oz "${features[@]}" "${debug[@]}" \
  "$out/authflow_wasm_bg.wasm" -o "$out/authflow_wasm_bg.wasm"

if [ "$names" = 1 ]; then
  echo "built $out (with function names)"
  exit 0
fi

pkg=bindings-wasm/pkg
rm -rf "$pkg"
mkdir -p "$pkg"
cp -r "$out"/. "$pkg"/
rm -f "$pkg/.gitignore" "$pkg/package.json"
cp bindings-wasm/npm/index.js bindings-wasm/npm/index.d.ts bindings-wasm/npm/package.json "$pkg"/
cp bindings-wasm/README.md "$pkg/README.md"
cp LICENSE-MIT LICENSE-APACHE "$pkg"/

# index.js re-exports AuthflowError from the snippet wasm-bindgen copied
# (its folder name carries a hash); write the path in.
snippet=$(cd "$pkg" && ls snippets/*/js/browser.js)
[ "$(wc -l <<<"$snippet")" = 1 ] || { echo "expected one browser.js snippet, found: $snippet" >&2; exit 1; }
sed -i "s#__BROWSER_SNIPPET__#./$snippet#" "$pkg/index.js"
if grep -q __BROWSER_SNIPPET__ "$pkg/index.js"; then
  echo "snippet path not written into $pkg/index.js" >&2
  exit 1
fi
echo "built $pkg"
