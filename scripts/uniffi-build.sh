# Sourced, not run: what scripts/build-wheel.sh, scripts/test-uniffi.sh,
# scripts/bench-python.sh and scripts/release-python.sh need to build the
# Python wheel of bindings-uniffi the same way.
#
#   ROOT=/path/to/repo; source scripts/uniffi-build.sh
#   uniffi_need_python_venv  python3 -m venv works (Debian's python3-venv if missing)
#   uniffi_build_venv        maturin, ziglang and auditwheel, pinned, in $BUILD_VENV (idempotent)
#   uniffi_build_wheel [TARGET [COMPAT [PROJECT]]]
#                            a release wheel linked by zig for TARGET (default
#                            $WHEEL_TARGET) and COMPAT (default $WHEEL_COMPAT)
#                            into $WHEEL_DIR, from the pyproject.toml in PROJECT
#                            (default bindings-uniffi; an unpacked sdist too);
#                            sets WHEEL, LIB_DIR, LIB
#   uniffi_check_wheel WHEEL TAG
#                            auditwheel show: the wheel is consistent with
#                            platform TAG (needed libraries and symbol
#                            versions), else fail
#   uniffi_build_providers   the local providers (debug); sets PROVIDERS
#
# Each function exits the calling script with a message when it fails.

UNIFFI_TOOLS=$ROOT/.tools/uniffi
MATURIN_VERSION=1.16.0
# zig links the wheel against glibc 2.17's symbol versions (manylinux2014),
# whatever glibc this machine has, and cross-links aarch64 and musl.
ZIGLANG_VERSION=0.15.2
AUDITWHEEL_VERSION=6.8.2
# The wheel the test command builds and tests, for this machine's
# architecture: it installs on glibc 2.17+.
WHEEL_TARGET=$(uname -m)-unknown-linux-gnu
WHEEL_COMPAT=manylinux2014
WHEEL_TAG=manylinux_2_17_$(uname -m)
BUILD_VENV=$UNIFFI_TOOLS/build-venv
WHEEL_DIR=$ROOT/target/wheels
# Cargo's target directory (CARGO_TARGET_DIR when set, relative to ROOT).
UNIFFI_TARGET_DIR=${CARGO_TARGET_DIR:-target}
case "$UNIFFI_TARGET_DIR" in /*) ;; *) UNIFFI_TARGET_DIR=$ROOT/$UNIFFI_TARGET_DIR ;; esac

uniffi_fail() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; exit 1; }

uniffi_build_venv_ok() {
  [ "$("$BUILD_VENV/bin/maturin" --version 2>/dev/null)" = "maturin $MATURIN_VERSION" ] \
    && [ "$("$BUILD_VENV/bin/python" -m ziglang version 2>/dev/null)" = "$ZIGLANG_VERSION" ] \
    && [ "$("$BUILD_VENV/bin/auditwheel" --version 2>/dev/null | head -1 | cut -d' ' -f2)" = "$AUDITWHEEL_VERSION" ]
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
    echo "creating $BUILD_VENV with maturin $MATURIN_VERSION, ziglang $ZIGLANG_VERSION, auditwheel $AUDITWHEEL_VERSION"
    rm -rf "$BUILD_VENV"
    python3 -m venv "$BUILD_VENV" || uniffi_fail "python3 -m venv failed"
    "$BUILD_VENV/bin/pip" install --disable-pip-version-check --no-input -q "maturin==$MATURIN_VERSION" \
      "ziglang==$ZIGLANG_VERSION" "auditwheel==$AUDITWHEEL_VERSION" \
      || uniffi_fail "pip install maturin==$MATURIN_VERSION ziglang==$ZIGLANG_VERSION auditwheel==$AUDITWHEEL_VERSION failed"
    uniffi_build_venv_ok || uniffi_fail "maturin $MATURIN_VERSION, zig $ZIGLANG_VERSION or auditwheel $AUDITWHEEL_VERSION does not run"
  fi
}

# The Rust standard library for TARGET (rustup), installed when missing.
uniffi_need_rust_target() {
  rustup target list --installed | grep -qx "$1" && return 0
  rustup target add "$1" || uniffi_fail "rustup target add $1 failed"
}

uniffi_build_wheel() {
  local target=${1:-$WHEEL_TARGET} compat=${2:-$WHEEL_COMPAT} project=${3:-$ROOT/bindings-uniffi}
  # Built beside the last wheel, which is replaced only once the new one is there.
  local started seconds fresh lock=--locked
  # An sdist's workspace holds only the crates the wheel needs, so cargo
  # prunes its copy of Cargo.lock: the pinned versions stay, from the
  # registry cache.
  [ "$project" = "$ROOT/bindings-uniffi" ] || lock=--offline
  uniffi_need_rust_target "$target"
  fresh=$WHEEL_DIR/.build.$$
  rm -rf "$fresh"
  started=$(date +%s)
  # maturin finds zig as `python -m ziglang` with the python on PATH. zig's
  # linker reads rustc's strip=debuginfo (the release default) as "strip
  # everything", and uniffi-bindgen reads its metadata from the symbol
  # table: keep the symbols (the wheel's library stays unstripped, as before).
  # One target directory for the checkout and an unpacked sdist: the
  # dependencies are built once.
  (cd "$project" && PATH=$BUILD_VENV/bin:$PATH CARGO_PROFILE_RELEASE_STRIP=false CARGO_TARGET_DIR=$UNIFFI_TARGET_DIR \
    "$BUILD_VENV/bin/maturin" build --release "$lock" --zig --target "$target" --compatibility "$compat" \
    --out "$fresh") \
    || { rm -rf "$fresh"; uniffi_fail "maturin build for $target ($compat) failed"; }
  seconds=$(( $(date +%s) - started ))
  WHEEL=$(ls "$fresh"/*.whl)
  [ "$(echo "$WHEEL" | wc -l)" = 1 ] || uniffi_fail "expected one wheel, found: $WHEEL"
  rm -f "$WHEEL_DIR"/authflowkit-*.whl
  mv "$WHEEL" "$WHEEL_DIR"/
  rm -rf "$fresh"
  WHEEL=$WHEEL_DIR/$(basename "$WHEEL")
  echo "wheel: $(basename "$WHEEL"), $(stat -c %s "$WHEEL") bytes, built in ${seconds}s"
  LIB_DIR=$UNIFFI_TARGET_DIR/$target/release
  LIB=$LIB_DIR/libauthflow_uniffi.so
  [ -f "$LIB" ] || uniffi_fail "$LIB was not built"
}

# The platform tags of a wheel's file name (after the python and abi tags), one a line.
uniffi_wheel_platforms() {
  basename "$1" .whl | cut -d- -f5- | tr . '\n'
}

uniffi_check_wheel() {
  local wheel=$1 tag=$2 report verdict
  # --ldpaths to an empty directory: the wheel is judged by its own ELF
  # (needed libraries, symbol versions), not by this machine's libraries;
  # a glibc machine's libc.so is a linker script auditwheel cannot read.
  mkdir -p "$UNIFFI_TOOLS/no-ldpaths"
  report=$("$BUILD_VENV/bin/auditwheel" show --json --ldpaths "$UNIFFI_TOOLS/no-ldpaths" "$wheel" 2>/dev/null) \
    || uniffi_fail "auditwheel show $wheel failed"
  verdict=$("$BUILD_VENV/bin/python" - "$tag" "$report" <<'PY'
import json, sys
tag, report = sys.argv[1], json.loads(sys.argv[2])
if tag.startswith("musllinux"):
    # zig links against musl's own soname, libc.so; musl's loader answers
    # any libc.* name itself, while auditwheel knows musl's libc only by
    # Alpine's name (libc.musl-ARCH.so.1) and so tags the whole wheel
    # linux_*: hold the symbols to the tag and allow no library but libc.
    ok = report["sym_tag"] == tag and set(report["external_libs"]) <= {"libc.so"}
else:
    ok = report["overall_tag"] == tag
print("ok" if ok else f"tag {report['overall_tag']} (symbols: {report['sym_tag']}), "
      f"libraries {sorted(report['external_libs'])}, symbol versions {report['versioned_symbols']}")
PY
) || uniffi_fail "auditwheel show printed no report for $wheel"
  [ "$verdict" = ok ] || uniffi_fail "$(basename "$wheel") is not a $tag wheel: $verdict"
  uniffi_wheel_platforms "$wheel" | grep -qx "$tag" \
    || uniffi_fail "$(basename "$wheel") is not tagged $tag in its file name"
  echo "auditwheel: $(basename "$wheel") is consistent with $tag"
}

uniffi_build_providers() {
  (cd "$ROOT" && cargo build -p authflow-test-providers --bin authflow-providers --locked) \
    || uniffi_fail "cargo build of the local providers failed"
  PROVIDERS=$UNIFFI_TARGET_DIR/debug/authflow-providers
}
