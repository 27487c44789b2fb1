#!/usr/bin/env bash
# The Python release artefacts of bindings-uniffi, from this Linux x86_64
# machine, into target/release-python/:
#
#   the sdist (maturin sdist), then from the sdist alone (unpacked, so a
#   file it lacks fails the build) the wheels for
#     manylinux2014 (glibc 2.17+)  x86_64, aarch64
#     musllinux_1_2 (Alpine 3.13+) x86_64, aarch64
#   linked by zig; auditwheel show checks each wheel's tag and symbol
#   versions; a table of file name, size and tags at the end.
#
#   bash scripts/release-python.sh
#
# Not part of the test command (four release builds of the crate graph).
# macOS and Windows wheels: .github/workflows/python-wheels.yml.
# Installs what it needs like scripts/build-wheel.sh, plus the rustup targets.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
source scripts/uniffi-build.sh

DIST=$ROOT/target/release-python
# target triple, maturin's --compatibility, the platform tag auditwheel must find
RELEASES=(
  "x86_64-unknown-linux-gnu manylinux2014 manylinux_2_17_x86_64"
  "aarch64-unknown-linux-gnu manylinux2014 manylinux_2_17_aarch64"
  "x86_64-unknown-linux-musl musllinux_1_2 musllinux_1_2_x86_64"
  "aarch64-unknown-linux-musl musllinux_1_2 musllinux_1_2_aarch64"
)

# The Tag: lines of a wheel's WHEEL file, on one line.
wheel_tags() {
  "$BUILD_VENV/bin/python" - "$1" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel:
    info = next(n for n in wheel.namelist() if n.endswith(".dist-info/WHEEL"))
    print(" ".join(line[5:] for line in wheel.read(info).decode().splitlines() if line.startswith("Tag: ")))
PY
}

uniffi_build_venv
rm -rf "$DIST"
mkdir -p "$DIST"

printf '\n==> sdist\n'
"$BUILD_VENV/bin/maturin" sdist -m bindings-uniffi/Cargo.toml --out "$DIST" || uniffi_fail "maturin sdist failed"
SDIST=$(ls "$DIST"/authflowkit-*.tar.gz)
SOURCE=$DIST/sdist-source
mkdir -p "$SOURCE"
# --touch: the files get this moment's time, so cargo compiles the sdist's
# sources instead of taking the checkout's artefacts as current.
tar -xzf "$SDIST" -C "$SOURCE" --strip-components=1 --touch

for release in "${RELEASES[@]}"; do
  read -r target compat tag <<<"$release"
  printf '\n==> %s wheel from the sdist (%s)\n' "$tag" "$target"
  WHEEL_DIR=$DIST/build uniffi_build_wheel "$target" "$compat" "$SOURCE"
  uniffi_check_wheel "$WHEEL" "$tag"
  mv "$WHEEL" "$DIST"/
done
rm -rf "$DIST/build" "$SOURCE"

printf '\n==> %s\n\n' "$DIST"
printf '| file | bytes | tags |\n|---|---:|---|\n'
for artefact in "$DIST"/authflowkit-*; do
  case "$artefact" in
    *.whl) tags=$(wheel_tags "$artefact") ;;
    *) tags="sdist" ;;
  esac
  printf '| %s | %s | %s |\n' "$(basename "$artefact")" "$(stat -c %s "$artefact")" "$tags"
done
