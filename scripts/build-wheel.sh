#!/usr/bin/env bash
# Builds just the Python wheel of bindings-uniffi, for this machine's
# architecture on glibc 2.17+ (manylinux2014), and checks its tag:
#
#   bash scripts/build-wheel.sh
#   python3 -m venv .venv && .venv/bin/pip install target/wheels/authflowkit-*.whl
#
# Installs what it needs, idempotently: python3-venv from Debian when
# missing, maturin, ziglang and auditwheel (pinned, from PyPI) into
# .tools/uniffi/build-venv, the Rust target with rustup. No Java, Kotlin
# or peer servers: scripts/test-uniffi.sh builds the same wheel and tests it.
# Wheels for aarch64, musl and an sdist: scripts/release-python.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
source scripts/uniffi-build.sh

uniffi_build_venv
uniffi_build_wheel
uniffi_check_wheel "$WHEEL" "$WHEEL_TAG"
echo "install it with: pip install $WHEEL"
