# Sourced by the scripts/wasm-*.sh scripts: where the project-local tools
# live (installed by scripts/wasm-tools.sh) and the versions they must have.
# A root of its own under .tools/ (gitignored): other tools of the project
# live in .tools/ too, and a clean reinstall must not take them along.
WASM_TOOLS_ROOT="$PWD/.tools/wasm"
# The exact version of the wasm-bindgen crate in Cargo.toml ([workspace.dependencies]).
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = "=\(.*\)"$/\1/p' Cargo.toml)
TWIGGY_VERSION=0.8.0
# The one nightly toolchain of the project, pinned by date so that builds
# repeat: the package build (scripts/wasm-build.sh: -Zbuild-std, with the
# rust-src component) and the fuzzing (scripts/fuzz.sh, which sources this
# file too) use it; everything else builds on stable. rustc 1.101.0-nightly
# (92b5b8c87 2026-10-29). Installed by scripts/nightly.sh.
AUTHFLOW_NIGHTLY=nightly-2026-10-30
# Cargo's target directory (CARGO_TARGET_DIR when set); the Node tests read it too.
export AUTHFLOW_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
WASM_BINDGEN="$WASM_TOOLS_ROOT/bin/wasm-bindgen"
WASM_BINDGEN_TEST_RUNNER="$WASM_TOOLS_ROOT/bin/wasm-bindgen-test-runner"
TWIGGY="$WASM_TOOLS_ROOT/bin/twiggy"
WASM_OPT="$PWD/bindings-wasm/node_modules/.bin/wasm-opt"
# esbuild (npm, bindings-wasm/package.json): minifies the JS the package ships.
ESBUILD="$PWD/bindings-wasm/node_modules/.bin/esbuild"
CHROMIUM=/usr/bin/chromium
CHROMEDRIVER=/usr/bin/chromedriver
if [ -z "$WASM_BINDGEN_VERSION" ]; then
  echo "cannot read the wasm-bindgen pin from Cargo.toml" >&2
  exit 1
fi
