#!/usr/bin/env bash
# The Kotlin/JVM package of the UniFFI bindings, and nothing else:
#
#   bash scripts/build-jar.sh [path/to/libauthflow_uniffi.so]
#
# writes target/jvm/authflowkit-VERSION.jar (the generated Kotlin, the
# java.net.http and HttpURLConnection transports, compiled with kotlinc;
# the native library inside at linux-x86-64/, where JNA finds it) and
# target/jvm/authflowkit-VERSION.pom (JNA, kotlinx-coroutines, kotlin-stdlib).
# Without an argument it builds the library first (cargo, release).
#
# Installs what it needs, idempotently, as scripts/test-uniffi.sh does:
# Debian packages (a JDK, JNA, kotlinx-coroutines, Node when missing) and
# kotlin-compiler from npm into .tools/uniffi/. Linux x86_64 only: the JAR
# carries the library of the machine that builds it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
source scripts/uniffi-build.sh
source scripts/uniffi-kotlin.sh

[ "$(uname -sm)" = "Linux x86_64" ] \
  || uniffi_fail "builds the linux-x86-64 JAR, on Linux x86_64 only (this is $(uname -sm))"
lib=${1:-}
if [ -z "$lib" ]; then
  cargo build -p authflow-uniffi --lib --release --locked || uniffi_fail "cargo build -p authflow-uniffi failed"
  lib=$UNIFFI_TARGET_DIR/release/libauthflow_uniffi.so
fi
kotlin_tools
kotlin_build_jar "$lib"
echo "$(jar --list --file "$JAR" | grep -c '\.class$') classes (io/authflow/), and:"
jar --list --file "$JAR" | grep -v -e '\.class$' -e '/$'
