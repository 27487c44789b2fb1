#!/usr/bin/env bash
# Installs what building and testing the browser package needs, each piece
# only when it is missing or of the wrong version, and fails loudly when
# one cannot be installed:
#   - the wasm32-unknown-unknown Rust target (stable: clippy and the
#     wasm-bindgen-test tests build with it);
#   - the project's pinned nightly ($AUTHFLOW_NIGHTLY, scripts/wasm-env.sh)
#     with its rust-src component: the package build rebuilds std with it;
#   - wasm-bindgen-cli of exactly the version Cargo.toml pins into
#     .tools/wasm/ (gitignored; built in target/tools so a reinstall is
#     fast), and with `--twiggy` twiggy too (scripts/wasm-size.sh's report
#     of what the module holds; the test command's size check needs none);
#   - npm packages from the committed lockfiles: binaryen (wasm-opt) and
#     esbuild in bindings-wasm/, playwright-core in examples/browser/, vite
#     and playwright-core in examples/vite/;
#   - Chromium and its WebDriver from Debian (/usr/bin/chromium, /usr/bin/chromedriver).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/wasm-env.sh

say() { printf '  %s\n' "$*"; }

rustup target list --installed | grep -qx wasm32-unknown-unknown \
  || rustup target add wasm32-unknown-unknown

bash scripts/nightly.sh

cargo_tool() { # name binary version
  local name=$1 binary=$2 version=$3
  if [ -x "$binary" ] && "$binary" --version 2>/dev/null | grep -qw "$version"; then
    say "$name $version: present"
    return
  fi
  say "$name $version: installing into $WASM_TOOLS_ROOT"
  cargo install "$name" --version "$version" --root "$WASM_TOOLS_ROOT" \
    --target-dir "$AUTHFLOW_TARGET_DIR/tools" --force
  "$binary" --version | grep -qw "$version" \
    || { echo "$name: installed, but $binary does not report version $version" >&2; exit 1; }
}
cargo_tool wasm-bindgen-cli "$WASM_BINDGEN" "$WASM_BINDGEN_VERSION"
[ -x "$WASM_BINDGEN_TEST_RUNNER" ] || { echo "missing $WASM_BINDGEN_TEST_RUNNER" >&2; exit 1; }
[ "${1:-}" = --twiggy ] && cargo_tool twiggy "$TWIGGY" "$TWIGGY_VERSION"

npm_ci() { # directory [file it must provide...]
  local dir=$1 file missing=0
  shift
  # (`npm install --package-lock-only` rewrites node_modules/.package-lock.json
  # too, so a fresh one alone does not mean the packages are there.)
  for file in "$@"; do [ -e "$file" ] || missing=1; done
  if [ "$missing" = 0 ] && [ -f "$dir/node_modules/.package-lock.json" ] \
    && [ "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ]; then
    say "npm packages of $dir: present"
    return
  fi
  say "npm packages of $dir: npm ci"
  (cd "$dir" && npm ci --no-audit --no-fund)
  for file in "$@"; do
    [ -e "$file" ] || { echo "npm ci in $dir: $file still missing" >&2; exit 1; }
  done
}
npm_ci bindings-wasm "$WASM_OPT" "$ESBUILD"
npm_ci examples/browser
npm_ci examples/vite
"$WASM_OPT" --version
"$ESBUILD" --version

if [ -x "$CHROMIUM" ] && [ -x "$CHROMEDRIVER" ]; then
  say "chromium and chromedriver: present"
else
  say "chromium and chromedriver: apt-get install"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver
  [ -x "$CHROMIUM" ] && [ -x "$CHROMEDRIVER" ] \
    || { echo "chromium or chromedriver missing after apt-get install" >&2; exit 1; }
fi
# (Debian's chromium wrapper prints a harmless shell warning on --version.)
"$CHROMIUM" --version 2>/dev/null
"$CHROMEDRIVER" --version
