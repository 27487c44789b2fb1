#!/usr/bin/env bash
# Tests the UniFFI bindings (bindings-uniffi/) in every language:
#   Rust   fmt, clippy -D warnings, unit tests of the crate
#   Python the manylinux2014 wheel (maturin, bindings = "uniffi", linked by
#          zig against glibc 2.17), its tag and symbol versions checked by
#          auditwheel, installed with pip into a fresh venv; pytest: every golden vector, end to end against the
#          local providers (urllib, asyncio, 100 threads), the package itself;
#          the Authlib peer server; examples/python against the providers
#          and the Authlib peer (measured beside the same program written
#          with Authlib); mypy --strict over the examples, README snippets and
#          tests/typed_api.py (every public name)
#   Kotlin the generated sources + the java.net.http transport compiled with
#          kotlinc; the test program: every golden vector, end to end
#          (blocking and suspend); examples/kotlin against the providers
#   Swift  the generated sources, header and modulemap are current and the
#          package layout is complete (no Swift toolchain here)
#
# Installs what it needs, idempotently: Debian packages (JNA, kotlinx
# coroutines, a JDK, Node when missing), kotlin-compiler from npm and
# maturin/ziglang/auditwheel/pytest from PyPI into .tools/uniffi/ (gitignored). A tool that
# cannot be installed fails the run; nothing is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# The build venv (maturin), the wheel and the local providers, shared with
# scripts/bench-python.sh: MATURIN_VERSION, BUILD_VENV, WHEEL_DIR, uniffi_build_*.
source scripts/uniffi-build.sh

TOOLS=$UNIFFI_TOOLS
PYTEST_VERSION=9.2.0
# redis-py, for authflow.RedisStore (the wheel's `redis` extra) in the fleet tests.
REDIS_PY_VERSION=8.1.0
# mypy --strict over the Python examples and README snippets.
MYPY_VERSION=2.4.1
KOTLIN_VERSION=2.4.20
WORK=$ROOT/target/uniffi
started=$(date +%s)

step() { printf '\n==> %s\n' "$*"; }
fail() { printf 'test-uniffi.sh: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- tools
step "tools"
installed=$(rustup component list --installed)
for component in rustfmt clippy; do
  grep -q "^${component}" <<<"$installed" || rustup component add "$component"
done

apt_packages=()
need_deb() { dpkg -s "$1" >/dev/null 2>&1 || apt_packages+=("$1"); }
need_deb libjna-java
need_deb libkotlinx-coroutines-java
need_deb libkotlinx-atomicfu-java
command -v javac >/dev/null 2>&1 || need_deb openjdk-17-jdk-headless
command -v npm >/dev/null 2>&1 || { need_deb nodejs; need_deb npm; }
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || need_deb python3-venv
if [ ${#apt_packages[@]} -gt 0 ]; then
  echo "installing Debian packages: ${apt_packages[*]}"
  apt-get update -qq || fail "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_packages[@]}" \
    || fail "apt-get install ${apt_packages[*]} failed"
fi
JNA_JAR=/usr/share/java/jna.jar
COROUTINES_JAR=/usr/share/java/kotlinx-coroutines-core.jar
ATOMICFU_JAR=/usr/share/java/atomicfu.jar
for jar in "$JNA_JAR" "$COROUTINES_JAR" "$ATOMICFU_JAR"; do
  [ -f "$jar" ] || fail "$jar is missing after installing its Debian package"
done

KOTLIN_HOME=$TOOLS/npm/node_modules/kotlin-compiler
kotlin_installed() {
  [ -f "$KOTLIN_HOME/package.json" ] \
    && [ "$(node -p "require('$KOTLIN_HOME/package.json').version")" = "$KOTLIN_VERSION" ]
}
if ! kotlin_installed; then
  echo "installing kotlin-compiler@$KOTLIN_VERSION from npm into $TOOLS/npm"
  mkdir -p "$TOOLS/npm"
  npm install --prefix "$TOOLS/npm" --no-audit --no-fund --silent "kotlin-compiler@$KOTLIN_VERSION" \
    || fail "npm install kotlin-compiler@$KOTLIN_VERSION failed"
  kotlin_installed || fail "kotlin-compiler@$KOTLIN_VERSION is not where it should be"
fi
chmod +x "$KOTLIN_HOME"/bin/*
KOTLINC=$KOTLIN_HOME/bin/kotlinc
KOTLIN_STDLIB=$KOTLIN_HOME/lib/kotlin-stdlib.jar
[ -f "$KOTLIN_STDLIB" ] || fail "$KOTLIN_STDLIB is missing"

uniffi_build_venv
echo "maturin $MATURIN_VERSION, zig $ZIGLANG_VERSION, auditwheel $AUDITWHEEL_VERSION, kotlin-compiler $KOTLIN_VERSION, $(java -version 2>&1 | head -1)"

# ---------------------------------------------------------------- Rust
step "cargo fmt --check (authflow-uniffi)"
cargo fmt -p authflow-uniffi -- --check

step "cargo clippy -p authflow-uniffi --all-targets -D warnings"
cargo clippy -p authflow-uniffi --all-targets --locked -- -D warnings

step "cargo test -p authflow-uniffi"
cargo test -p authflow-uniffi --locked

step "build the local providers, and the Rust fleet worker the Python fleet test runs beside its own"
uniffi_build_providers
cargo build -p authflow-examples --bin fleet-worker --locked
bash scripts/redis-tools.sh || fail "scripts/redis-tools.sh could not install redis-server"

# ---------------------------------------------------------------- Python
step "build the $WHEEL_COMPAT wheel (maturin --zig, release) and check its tag (auditwheel)"
uniffi_build_wheel
uniffi_check_wheel "$WHEEL" "$WHEEL_TAG"

step "install the wheel into a fresh venv and run pytest"
TEST_VENV=$TOOLS/test-venv
rm -rf "$TEST_VENV" "$WORK/cross"
python3 -m venv "$TEST_VENV"
"$TEST_VENV/bin/pip" install --disable-pip-version-check --no-input -q "$WHEEL" "pytest==$PYTEST_VERSION" \
    "redis==$REDIS_PY_VERSION" "mypy==$MYPY_VERSION" \
  || fail "pip install of the wheel (or pytest==$PYTEST_VERSION, redis==$REDIS_PY_VERSION, mypy==$MYPY_VERSION) failed"
AUTHFLOW_PROVIDERS_BIN=$PROVIDERS AUTHFLOW_CROSS_RUNTIME_DIR=$WORK/cross \
  "$TEST_VENV/bin/python" -m pytest -q -p no:cacheprovider bindings-uniffi/python/tests

step "real peer servers from Python: Authlib (tests/peers/authlib), oidc-provider discovery (tests/peers/oidc-provider)"
bash tests/peers/authlib/install.sh || fail "tests/peers/authlib/install.sh failed"
bash tests/peers/oidc-provider/install.sh || fail "tests/peers/oidc-provider/install.sh failed"
AUTHLIB_PYTHON=$ROOT/tests/peers/authlib/.venv/bin/python AUTHFLOW_PROVIDERS_BIN=$PROVIDERS \
  "$TEST_VENV/bin/python" -m pytest -q -p no:cacheprovider bindings-uniffi/python/peer_tests

step "mypy --strict: the Python examples, the README's Python snippets and every public name, against the installed wheel"
"$TEST_VENV/bin/python" bindings-uniffi/python/check_types.py "$WORK/python-snippets" README.md bindings-uniffi/README.md \
  -- examples/python/everyday.py examples/python/authflow_example.py bindings-uniffi/python/tests/typed_api.py \
  || fail "mypy --strict found errors in the examples, the README snippets or tests/typed_api.py"

step "examples/python against the local providers"
"$TEST_VENV/bin/python" examples/python/authflow_example.py --providers "$PROVIDERS"

# ---------------------------------------------------------------- Kotlin
step "generate the Kotlin sources"
rm -rf "$WORK/kotlin-generated"
cargo run -q --locked -p authflow-uniffi --bin uniffi-bindgen -- generate --no-format \
  --library "$LIB" --language kotlin --out-dir "$WORK/kotlin-generated"
GENERATED_KT=$WORK/kotlin-generated/io/authflow/authflow.kt
[ -f "$GENERATED_KT" ] || fail "uniffi-bindgen wrote no $GENERATED_KT"

step "compile the Kotlin bindings, tests and sample (kotlinc $KOTLIN_VERSION)"
CLASSPATH_DEPS=$JNA_JAR:$COROUTINES_JAR:$ATOMICFU_JAR
KT_SOURCES=("$GENERATED_KT" bindings-uniffi/kotlin/src/io/authflow/*.kt bindings-uniffi/kotlin/test/*.kt
  bindings-uniffi/kotlin/test/stubs/*.kt examples/kotlin/*.kt)
KT_JAR=$WORK/kotlin/authflow-kotlin-tests.jar
kt_hash=$( (echo "$KOTLIN_VERSION"; cat "${KT_SOURCES[@]}") | sha256sum | cut -d' ' -f1)
if [ -f "$KT_JAR" ] && [ "$(cat "$KT_JAR.sha256" 2>/dev/null)" = "$kt_hash" ]; then
  echo "sources unchanged since the last compile: $KT_JAR"
else
  mkdir -p "$WORK/kotlin"
  rm -f "$KT_JAR" "$KT_JAR.sha256"
  "$KOTLINC" -nowarn -cp "$CLASSPATH_DEPS" -d "$KT_JAR" "${KT_SOURCES[@]}"
  echo "$kt_hash" >"$KT_JAR.sha256"
fi
RUN_CP=$KT_JAR:$KOTLIN_STDLIB:$CLASSPATH_DEPS

step "Kotlin: vectors and end to end over java.net.http"
# glibc's heap checks on (2.34+ honours MALLOC_CHECK_ only with its
# libc_malloc_debug, which libc6 ships, preloaded): a heap corruption
# aborts at the first bad free(), in the JVM or in the providers it starts,
# instead of much later; a JVM crash leaves its log in $WORK/kotlin. Once,
# a run aborted in glibc's malloc_consolidate and could not be reproduced
# (39 runs and 577 stress rounds under these checks: none).
AUTHFLOW_CROSS_RUNTIME_DIR=$WORK/cross LD_PRELOAD=libc_malloc_debug.so.0 MALLOC_CHECK_=3 \
  java -XX:ErrorFile="$WORK/kotlin/hs_err_%p.log" -Djna.library.path="$LIB_DIR" -cp "$RUN_CP" \
  io.authflow.test.AuthflowTestKt "$ROOT" "$PROVIDERS"

step "examples/kotlin against the local providers"
coproc PROVIDERS_PROC { exec "$PROVIDERS"; }
# Bash unsets PROVIDERS_PROC_PID once the coprocess has exited: keep it now.
providers_pid=$PROVIDERS_PROC_PID
read -r urls <&"${PROVIDERS_PROC[0]}"
base=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["base"])' "$urls")
java -Djna.library.path="$LIB_DIR" -cp "$RUN_CP" io.authflow.sample.SampleKt "$base"
exec {PROVIDERS_PROC[1]}>&-
wait "$providers_pid"

# ---------------------------------------------------------------- Swift
step "Swift: generated files current, package layout complete"
bash scripts/uniffi-swift.sh --check "$LIB"

printf '\nbindings-uniffi: every check passed in %ss (wheel %s bytes)\n' \
  "$(( $(date +%s) - started ))" "$(stat -c %s "$WHEEL")"
