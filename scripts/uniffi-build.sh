# Sourced, not run: what scripts/test-uniffi.sh and scripts/bench-python.sh
# both need to build the Python wheel of bindings-uniffi the same way.
#
#   ROOT=/path/to/repo; source scripts/uniffi-build.sh
#   uniffi_need_python_venv  python3 -m venv works (Debian's python3-venv if missing)
#   uniffi_build_venv        maturin $MATURIN_VERSION in $BUILD_VENV (idempotent)
#   uniffi_build_wheel       the release wheel into $WHEEL_DIR; sets WHEEL, LIB_DIR, LIB
#   uniffi_build_providers   the local providers (debug); sets PROVIDERS
#
# Each function exits the calling script with a message when it fails.

UNIFFI_TOOLS=$ROOT/.tools/uniffi
MATURIN_VERSION=1.16.0
BUILD_VENV=$UNIFFI_TOOLS/build-venv
WHEEL_DIR=$ROOT/target/wheels
# Cargo's target directory (CARGO_TARGET_DIR when set, relative to ROOT).
UNIFFI_TARGET_DIR=${CARGO_TARGET_DIR:-target}
case "$UNIFFI_TARGET_DIR" in /*) ;; *) UNIFFI_TARGET_DIR=$ROOT/$UNIFFI_TARGET_DIR ;; esac

uniffi_fail() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; exit 1; }

uniffi_build_venv_ok() {
  [ "$("$BUILD_VENV/bin/maturin" --version 2>/dev/null)" = "maturin $MATURIN_VERSION" ]
}

# python3's venv module (Debian's python3-venv), installed when missing.
uniffi_need_python_venv() {
  python3 -c 'import ensurepip, venv' >/dev/null 2>&1 && return 0
  echo "installing Debian package python3-venv"
  apt-get update -qq || uniffi_fail "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv || uniffi_fail "apt-get install python3-venv failed"
  python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || uniffi_fail "python3 has no venv module"
}

uniffi_build_venv() {
  uniffi_need_python_venv
  if ! uniffi_build_venv_ok; then
    echo "creating $BUILD_VENV with maturin $MATURIN_VERSION"
    rm -rf "$BUILD_VENV"
    python3 -m venv "$BUILD_VENV" || uniffi_fail "python3 -m venv failed"
    "$BUILD_VENV/bin/pip" install --disable-pip-version-check --no-input -q "maturin==$MATURIN_VERSION" \
      || uniffi_fail "pip install maturin==$MATURIN_VERSION failed"
    uniffi_build_venv_ok || uniffi_fail "maturin $MATURIN_VERSION does not run"
  fi
}

uniffi_build_wheel() {
  # Built beside the last wheel, which is replaced only once the new one is there.
  local started seconds fresh
  fresh=$WHEEL_DIR/.build.$$
  rm -rf "$fresh"
  started=$(date +%s)
  (cd "$ROOT" && "$BUILD_VENV/bin/maturin" build --release --locked -m bindings-uniffi/Cargo.toml --out "$fresh") \
    || { rm -rf "$fresh"; uniffi_fail "maturin build failed"; }
  seconds=$(( $(date +%s) - started ))
  rm -f "$WHEEL_DIR"/authflow-*.whl
  mv "$fresh"/authflow-*.whl "$WHEEL_DIR"/
  rm -rf "$fresh"
  WHEEL=$(ls "$WHEEL_DIR"/authflow-*.whl)
  [ "$(echo "$WHEEL" | wc -l)" = 1 ] || uniffi_fail "expected one wheel, found: $WHEEL"
  echo "wheel: $(basename "$WHEEL"), $(stat -c %s "$WHEEL") bytes, built in ${seconds}s"
  LIB_DIR=$UNIFFI_TARGET_DIR/release
  LIB=$LIB_DIR/libauthflow_uniffi.so
  [ -f "$LIB" ] || uniffi_fail "$LIB was not built"
}

uniffi_build_providers() {
  (cd "$ROOT" && cargo build -p authflow-test-providers --bin authflow-providers --locked) \
    || uniffi_fail "cargo build of the local providers failed"
  PROVIDERS=$UNIFFI_TARGET_DIR/debug/authflow-providers
}
