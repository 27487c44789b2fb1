# Sourced, not run: the Kotlin tools and the JAR, shared by
# scripts/test-uniffi.sh, scripts/build-jar.sh and scripts/build-aar.sh.
#
#   ROOT=/path/to/repo; source scripts/uniffi-build.sh; source scripts/uniffi-kotlin.sh
#   kotlin_tools                   a JDK, JNA and kotlinx-coroutines from Debian, kotlinc from
#                                  npm (idempotent); sets KOTLINC, KOTLIN_STDLIB, JNA_JAR,
#                                  COROUTINES_JAR, ATOMICFU_JAR, KOTLIN_COMPILE_CP
#   kotlin_generate LIB DIR        the generated Kotlin of LIB into DIR; sets GENERATED_KT
#   kotlin_compile OUT.jar SRC...  kotlinc over SRC into OUT.jar, skipped when neither the
#                                  sources nor the compiler changed since OUT.jar was made
#   kotlin_compile_library OUT.jar PLATFORM_DIR
#                                  the generated + common + one platform's sources
#   kotlin_write_pom POM PACKAGING JNA_TYPE
#                                  the POM of a jar or an aar
#   kotlin_build_jar LIB           target/jvm/authflowkit-VERSION.jar (the generated Kotlin, the
#                                  transports, LIB under JNA's resource path) and its POM;
#                                  sets JAR, POM
#
# Each function exits the calling script with a message when it fails.

KOTLIN_VERSION=2.4.20
# What the POM asks for. JNA: the version the tests run on (Debian's), which
# has com.sun.jna.internal.Cleaner, the generated code's fallback where
# java.lang.ref.Cleaner is missing (Android before API 33).
# kotlinx-coroutines: 1.5.0 is the first with DelicateCoroutinesApi, which
# the generated sources opt into; the compiled classes also run on Debian's
# 1.0.1, the one the tests use. kotlin-stdlib: the compiler's own version,
# the API level kotlinc compiles against by default.
POM_JNA_VERSION=5.13.0
POM_COROUTINES_VERSION=1.5.0
AUTHFLOW_GROUP_ID=io.authflow
AUTHFLOW_ARTIFACT_ID=authflowkit
JVM_OUT=$ROOT/target/jvm
# The sources every Kotlin artefact carries; JVM_ONLY_KT are the JAR's alone
# (java.net.http does not exist on Android), ANDROID_ONLY_KT the AAR's.
COMMON_KT_DIR=$ROOT/bindings-uniffi/kotlin/src/io/authflow
JVM_ONLY_KT_DIR=$ROOT/bindings-uniffi/kotlin/jvm/io/authflow
ANDROID_ONLY_KT_DIR=$ROOT/bindings-uniffi/kotlin/android/io/authflow
# Debian's kotlinx-coroutines 1.0.1 predates DelicateCoroutinesApi: the
# marker's stub is on the compile classpath only, never in an artefact.
KOTLIN_STUBS_KT=$ROOT/bindings-uniffi/kotlin/test/stubs/DelicateCoroutinesApi.kt

# The workspace's version, which every artefact carries.
authflow_version() {
  sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml"
}

kotlin_tools() {
  local missing=() package
  for package in libjna-java libkotlinx-coroutines-java libkotlinx-atomicfu-java; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  command -v jar >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
  command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing Debian packages: ${missing[*]}"
    apt-get update -qq || uniffi_fail "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" \
      || uniffi_fail "apt-get install ${missing[*]} failed"
  fi
  JNA_JAR=/usr/share/java/jna.jar
  COROUTINES_JAR=/usr/share/java/kotlinx-coroutines-core.jar
  ATOMICFU_JAR=/usr/share/java/atomicfu.jar
  local jar
  for jar in "$JNA_JAR" "$COROUTINES_JAR" "$ATOMICFU_JAR"; do
    [ -f "$jar" ] || uniffi_fail "$jar is missing after installing its Debian package"
  done

  local home=$UNIFFI_TOOLS/npm/node_modules/kotlin-compiler
  if [ "$(node -p "require('$home/package.json').version" 2>/dev/null)" != "$KOTLIN_VERSION" ]; then
    echo "installing kotlin-compiler@$KOTLIN_VERSION from npm into $UNIFFI_TOOLS/npm"
    mkdir -p "$UNIFFI_TOOLS/npm"
    npm install --prefix "$UNIFFI_TOOLS/npm" --no-audit --no-fund --silent "kotlin-compiler@$KOTLIN_VERSION" \
      || uniffi_fail "npm install kotlin-compiler@$KOTLIN_VERSION failed"
    [ "$(node -p "require('$home/package.json').version" 2>/dev/null)" = "$KOTLIN_VERSION" ] \
      || uniffi_fail "kotlin-compiler@$KOTLIN_VERSION is not where it should be"
  fi
  chmod +x "$home"/bin/*
  KOTLINC=$home/bin/kotlinc
  KOTLIN_STDLIB=$home/lib/kotlin-stdlib.jar
  [ -f "$KOTLIN_STDLIB" ] || uniffi_fail "$KOTLIN_STDLIB is missing"
  KOTLIN_COMPILE_CP=$JNA_JAR:$COROUTINES_JAR:$ATOMICFU_JAR
}

kotlin_generate() {
  local lib=$1 dir=$2
  rm -rf "$dir"
  (cd "$ROOT" && cargo run -q --locked -p authflow-uniffi --bin uniffi-bindgen -- generate --no-format \
    --library "$lib" --language kotlin --out-dir "$dir") || uniffi_fail "uniffi-bindgen generate (kotlin) failed"
  GENERATED_KT=$dir/io/authflow/authflow.kt
  [ -f "$GENERATED_KT" ] || uniffi_fail "uniffi-bindgen wrote no $GENERATED_KT"
}

# kotlinc takes a minute over the generated file: a compile whose inputs are
# those of OUT.jar is skipped. Its inputs: the sources, the compiler, the
# classpath (KOTLIN_COMPILE_CP) and what each of our own jars on it holds
# (its .sha256, written when it was made).
kotlin_compile() {
  local out=$1 hash
  shift
  hash=$( (echo "$KOTLIN_VERSION $KOTLIN_COMPILE_CP"
    tr ':' '\n' <<<"$KOTLIN_COMPILE_CP" | while read -r entry; do cat "$entry.sha256" 2>/dev/null || true; done
    cat "$@") | sha256sum | cut -d' ' -f1)
  if [ -f "$out" ] && [ "$(cat "$out.sha256" 2>/dev/null)" = "$hash" ]; then
    echo "sources unchanged since the last compile: $out"
    return 0
  fi
  mkdir -p "$(dirname "$out")"
  rm -f "$out" "$out.sha256"
  "$KOTLINC" -nowarn -cp "$KOTLIN_COMPILE_CP" -d "$out" "$@" \
    || uniffi_fail "kotlinc failed to compile $(basename "$out")"
  echo "$hash" >"$out.sha256"
}

# The classes of one platform's package into OUT.jar: the generated Kotlin
# (GENERATED_KT, from kotlin_generate), the common sources and the
# platform's own (PLATFORM_DIR).
kotlin_compile_library() {
  local out=$1 platform_dir=$2 stub_jar=$JVM_OUT/classes/compile-stubs.jar
  kotlin_compile "$stub_jar" "$KOTLIN_STUBS_KT"
  KOTLIN_COMPILE_CP=$KOTLIN_COMPILE_CP:$stub_jar kotlin_compile "$out" \
    "$GENERATED_KT" "$COMMON_KT_DIR"/*.kt "$platform_dir"/*.kt
}

# The POM of one artefact; PACKAGING is jar or aar, JNA_TYPE the type of the
# JNA dependency (jar on the JVM, aar on Android: it carries JNA's own
# native library per ABI).
kotlin_write_pom() {
  local pom=$1 packaging=$2 jna_type=$3 jna_type_line=""
  [ "$jna_type" = jar ] || jna_type_line="
      <type>$jna_type</type>"
  cat >"$pom" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>$AUTHFLOW_GROUP_ID</groupId>
  <artifactId>$AUTHFLOW_ARTIFACT_ID</artifactId>
  <version>$(authflow_version)</version>
  <packaging>$packaging</packaging>
  <name>authflowkit</name>
  <description>An OAuth 2.0 client: one Rust core (sans-IO) with Kotlin bindings over JNA and a transport from the platform's HTTP client.</description>
  <url>https://github.com/authflow/authflow</url>
  <licenses>
    <license>
      <name>MIT OR Apache-2.0</name>
      <comments>At your option: the MIT licence or the Apache License, Version 2.0.</comments>
    </license>
    <license>
      <name>MIT</name>
      <url>https://opensource.org/licenses/MIT</url>
    </license>
    <license>
      <name>Apache-2.0</name>
      <url>https://www.apache.org/licenses/LICENSE-2.0</url>
    </license>
  </licenses>
  <scm>
    <url>https://github.com/authflow/authflow</url>
  </scm>
  <dependencies>
    <dependency>
      <groupId>net.java.dev.jna</groupId>
      <artifactId>jna</artifactId>
      <version>$POM_JNA_VERSION</version>$jna_type_line
    </dependency>
    <dependency>
      <groupId>org.jetbrains.kotlinx</groupId>
      <artifactId>kotlinx-coroutines-core</artifactId>
      <version>$POM_COROUTINES_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.jetbrains.kotlin</groupId>
      <artifactId>kotlin-stdlib</artifactId>
      <version>$KOTLIN_VERSION</version>
    </dependency>
  </dependencies>
</project>
EOF
}

kotlin_build_jar() {
  local lib=$1 version staging
  version=$(authflow_version)
  [ -n "$version" ] || uniffi_fail "no version in the workspace's Cargo.toml"
  [ -f "$lib" ] || uniffi_fail "$lib does not exist"
  kotlin_generate "$lib" "$JVM_OUT/kotlin-generated"
  local classes=$JVM_OUT/classes/authflow-jvm.jar
  kotlin_compile_library "$classes" "$JVM_ONLY_KT_DIR"

  JAR=$JVM_OUT/authflowkit-$version.jar
  POM=$JVM_OUT/authflowkit-$version.pom
  staging=$JVM_OUT/staging
  rm -rf "$staging"
  # JNA looks for a library it cannot find on the system at this resource path
  # (Platform.RESOURCE_PREFIX), and extracts it to a temporary file.
  mkdir -p "$staging/linux-x86-64" "$staging/META-INF/maven/$AUTHFLOW_GROUP_ID/$AUTHFLOW_ARTIFACT_ID"
  cp "$lib" "$staging/linux-x86-64/libauthflow_uniffi.so"
  cp "$ROOT/LICENSE-MIT" "$ROOT/LICENSE-APACHE" "$staging/META-INF/"
  kotlin_write_pom "$POM" jar jar
  cp "$POM" "$staging/META-INF/maven/$AUTHFLOW_GROUP_ID/$AUTHFLOW_ARTIFACT_ID/pom.xml"
  rm -f "$JAR" "$JAR.sha256"
  cp "$classes" "$JAR"
  jar --update --file "$JAR" -C "$staging" . || uniffi_fail "jar could not add the native library to $JAR"
  rm -rf "$staging"
  # What the JAR holds, for kotlin_compile (the archive's own bytes carry
  # the time it was packed).
  (cat "$classes.sha256" "$POM"; sha256sum <"$lib") | sha256sum | cut -d' ' -f1 >"$JAR.sha256"
  echo "jar: $JAR, $(stat -c %s "$JAR") bytes; pom: $POM"
}
