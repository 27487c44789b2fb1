#!/usr/bin/env bash
# Tests the UniFFI bindings (bindings-uniffi/) in every language:
#   Rust   fmt, clippy -D warnings, unit tests of the crate (run once, by
#          scripts/test.sh for the whole workspace, when it calls this script)
#   Python the manylinux2014 wheel (maturin, bindings = "uniffi", linked by
#          zig against glibc 2.17), its tag and symbol versions checked by
#          auditwheel, installed with pip into a fresh venv; pytest: every golden vector, end to end against the
#          local providers (urllib, asyncio, 100 threads), the package itself,
#          fleets of Rust, blocking and asyncio processes on one redis-server,
#          examples/fastapi under uvicorn --workers 4;
#          the Authlib peer server; examples/python against the providers
#          and the Authlib peer (measured beside the same program written
#          with Authlib); mypy --strict over the examples, README snippets and
#          tests/typed_api.py (every public name)
#   Kotlin the JAR (scripts/build-jar.sh's build: the generated sources, the
#          transports, the native library inside); the test program
#          compiled against it: every golden vector, end to end (blocking
#          and suspend, suspend shared sessions over a Kotlin store) over
#          java.net.http and over HttpURLConnection;
#          examples/kotlin and docs/kotlin.md's code (one program, by
#          scripts/kotlin-doc-program.py) against the providers with the
#          JAR alone
#   Swift  the generated sources, header and modulemap are current and the
#          package layout is complete (no Swift toolchain here)
#   Mobile scripts/build-aar.sh and scripts/build-xcframework.sh stop with
#          their instructions where the NDK / macOS is missing
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
# The Kotlin tools and the JAR, shared with scripts/build-jar.sh:
# KOTLIN_VERSION, kotlin_tools, kotlin_build_jar, kotlin_compile.
source scripts/uniffi-kotlin.sh

TOOLS=$UNIFFI_TOOLS
PYTEST_VERSION=9.2.0
# redis-py, for authflowkit.RedisStore (the wheel's `redis` extra) in the fleet tests.
REDIS_PY_VERSION=8.1.0
# mypy --strict over the Python examples and README snippets.
MYPY_VERSION=2.4.1
# examples/fastapi under `uvicorn --workers 4` (tests/test_fastapi_example.py),
# and Starlette as FastAPI's resolver picked it, pinned too.
FASTAPI_VERSION=0.163.2
STARLETTE_VERSION=1.10.0
UVICORN_VERSION=0.54.0
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

kotlin_tools
uniffi_build_venv
echo "maturin $MATURIN_VERSION, zig $ZIGLANG_VERSION, auditwheel $AUDITWHEEL_VERSION, kotlin-compiler $KOTLIN_VERSION, $(java -version 2>&1 | head -1)"

# ---------------------------------------------------------------- Rust
if [ "${AUTHFLOW_WORKSPACE_CHECKED:-}" = 1 ]; then
  # Set by scripts/test.sh once fmt, clippy --all-targets and cargo test of
  # the whole workspace, this crate included, have passed in this run.
  step "cargo fmt, clippy and test of authflow-uniffi: run by scripts/test.sh for the whole workspace"
else
  step "cargo fmt --check (authflow-uniffi)"
  cargo fmt -p authflow-uniffi -- --check

  step "cargo clippy -p authflow-uniffi --all-targets -D warnings"
  cargo clippy -p authflow-uniffi --all-targets --locked -- -D warnings

  step "cargo test -p authflow-uniffi"
  cargo test -p authflow-uniffi --locked
fi

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
    "redis==$REDIS_PY_VERSION" "mypy==$MYPY_VERSION" "fastapi==$FASTAPI_VERSION" \
    "starlette==$STARLETTE_VERSION" "uvicorn==$UVICORN_VERSION" \
  || fail "pip install of the wheel (or pytest==$PYTEST_VERSION, redis==$REDIS_PY_VERSION, mypy==$MYPY_VERSION, fastapi==$FASTAPI_VERSION, starlette==$STARLETTE_VERSION, uvicorn==$UVICORN_VERSION) failed"
AUTHFLOW_PROVIDERS_BIN=$PROVIDERS AUTHFLOW_CROSS_RUNTIME_DIR=$WORK/cross \
  "$TEST_VENV/bin/python" -m pytest -q -p no:cacheprovider bindings-uniffi/python/tests

step "real peer servers from Python: Authlib (tests/peers/authlib), oidc-provider discovery (tests/peers/oidc-provider)"
bash tests/peers/authlib/install.sh || fail "tests/peers/authlib/install.sh failed"
bash tests/peers/oidc-provider/install.sh || fail "tests/peers/oidc-provider/install.sh failed"
AUTHLIB_PYTHON=$ROOT/tests/peers/authlib/.venv/bin/python AUTHFLOW_PROVIDERS_BIN=$PROVIDERS \
  "$TEST_VENV/bin/python" -m pytest -q -p no:cacheprovider bindings-uniffi/python/peer_tests

step "mypy --strict: the Python examples, the README's Python snippets and every public name, against the installed wheel"
"$TEST_VENV/bin/python" bindings-uniffi/python/check_types.py "$WORK/python-snippets" README.md bindings-uniffi/README.md \
  -- examples/python/everyday.py examples/python/authflow_example.py examples/fastapi/app.py \
  bindings-uniffi/python/tests/typed_api.py \
  || fail "mypy --strict found errors in the examples, the README snippets or tests/typed_api.py"

step "examples/python against the local providers"
"$TEST_VENV/bin/python" examples/python/authflow_example.py --providers "$PROVIDERS"

# ---------------------------------------------------------------- Kotlin
step "the JAR (kotlinc $KOTLIN_VERSION), as scripts/build-jar.sh builds it"
kotlin_build_jar "$LIB"

step "compile the Kotlin tests, the sample and docs/kotlin.md's program against the JAR"
KT_TESTS=$WORK/kotlin/authflow-kotlin-tests.jar
mkdir -p "$WORK/kotlin/docs"
python3 scripts/kotlin-doc-program.py docs/kotlin.md "$WORK/kotlin/docs/Docs.kt" \
  || fail "docs/kotlin.md could not be made into a program"
KOTLIN_COMPILE_CP=$JAR:$KOTLIN_COMPILE_CP kotlin_compile "$KT_TESTS" \
  bindings-uniffi/kotlin/test/*.kt examples/kotlin/*.kt "$WORK/kotlin/docs/Docs.kt"
# No jna.library.path and no loose library: JNA takes it from the JAR.
RUN_CP=$KT_TESTS:$JAR:$KOTLIN_STDLIB:$JNA_JAR:$COROUTINES_JAR:$ATOMICFU_JAR

step "Kotlin: vectors, end to end over java.net.http and HttpURLConnection"
# glibc's heap checks on (2.34+ honours MALLOC_CHECK_ only with its
# libc_malloc_debug, which libc6 ships, preloaded): a heap corruption
# aborts at the first bad free(), in the JVM or in the providers it starts,
# instead of much later; a JVM crash leaves its log in $WORK/kotlin. Once,
# a run aborted in glibc's malloc_consolidate and could not be reproduced
# (39 runs and 577 stress rounds under these checks: none). A hung test
# fails the run after 20 minutes (it takes about 3) instead of holding CI.
AUTHFLOW_CROSS_RUNTIME_DIR=$WORK/cross LD_PRELOAD=libc_malloc_debug.so.0 MALLOC_CHECK_=3 \
  timeout --kill-after=10 1200 java -XX:ErrorFile="$WORK/kotlin/hs_err_%p.log" -cp "$RUN_CP" \
  io.authflow.test.AuthflowTestKt "$ROOT" "$PROVIDERS" \
  || fail "the Kotlin tests failed (exit status 124: they hung, stopped after 20 minutes)"

step "examples/kotlin and docs/kotlin.md against the local providers, with the JAR alone"
coproc PROVIDERS_PROC { exec "$PROVIDERS"; }
# Bash unsets PROVIDERS_PROC_PID once the coprocess has exited: keep it now.
providers_pid=$PROVIDERS_PROC_PID
read -r urls <&"${PROVIDERS_PROC[0]}"
base=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["base"])' "$urls")
java -Djna.debug_load=true -cp "$RUN_CP" io.authflow.sample.SampleKt "$base" 2>"$WORK/kotlin/sample.stderr" \
  || { cat "$WORK/kotlin/sample.stderr" >&2; fail "examples/kotlin failed"; }
java -cp "$RUN_CP" io.authflow.docs.DocsKt "$base" || fail "docs/kotlin.md's program failed"
exec {PROVIDERS_PROC[1]}>&-
wait "$providers_pid"
# JNA's account of where it found the library: in the JAR, nowhere else.
grep -F "Found library resource at jar:file:$JAR!/linux-x86-64/libauthflow_uniffi.so" "$WORK/kotlin/sample.stderr" \
  || { cat "$WORK/kotlin/sample.stderr" >&2; fail "the sample did not load libauthflow_uniffi from $JAR"; }

# ---------------------------------------------------------------- Swift
step "Swift: generated files current, package layout complete"
bash scripts/uniffi-swift.sh --check "$LIB"

step "Android and XCFramework builds: where the NDK or macOS is missing, they say so and stop"
refuses() {
  local script=$1 expected=$2 output
  if output=$(env -u ANDROID_NDK_HOME bash "$script" 2>&1); then
    fail "$script ran where it should have stopped (no NDK, no macOS)"
  fi
  grep -qF "$expected" <<<"$output" || fail "$script stopped without saying '$expected': $output"
  echo "$script: stops with '$expected'"
}
[ "$(uname -s)" = Darwin ] || refuses scripts/build-xcframework.sh "needs macOS with Xcode"
refuses scripts/build-aar.sh "ANDROID_NDK_HOME is not set"

printf '\nbindings-uniffi: every check passed in %ss (wheel %s bytes)\n' \
  "$(( $(date +%s) - started ))" "$(stat -c %s "$WHEEL")"
