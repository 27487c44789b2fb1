#!/usr/bin/env bash
# The Android package of the UniFFI bindings:
#
#   ANDROID_NDK_HOME=/path/to/ndk bash scripts/build-aar.sh
#
# writes target/android/authflowkit-VERSION.aar (classes.jar: the generated
# Kotlin, HttpUrlConnectionTransport and Android's oauthClient; jni/ABI/:
# libauthflow_uniffi.so for arm64-v8a, armeabi-v7a and x86_64, built with
# cargo-ndk for API 21+; consumer ProGuard rules for JNA) and
# target/android/authflowkit-VERSION.pom (JNA's aar, kotlinx-coroutines,
# kotlin-stdlib). bindings-uniffi/README.md ("Android") has the steps.
#
# Needs the Android NDK r25 or newer (not installable from the package
# registries this project uses): without it the script says what to install
# and stops (exit 1). The rest it installs, idempotently: cargo-ndk into
# .tools/uniffi/cargo, the three Rust targets with rustup, and the Kotlin
# tools as scripts/build-jar.sh does.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
source scripts/uniffi-build.sh
source scripts/uniffi-kotlin.sh

CARGO_NDK_VERSION=4.1.2
NDK_MIN_MAJOR=25
MIN_SDK=21
ABIS=(arm64-v8a armeabi-v7a x86_64)
RUST_TARGETS=(aarch64-linux-android armv7-linux-androideabi x86_64-linux-android)
OUT=$ROOT/target/android

ndk_missing() {
  cat >&2 <<EOF
build-aar.sh: $1

The Android NDK r$NDK_MIN_MAJOR or newer is needed (it is not on this machine's package
registries, so this script does not install it). Install it, then point
ANDROID_NDK_HOME at it:

  - Android Studio: Settings > Languages & Frameworks > Android SDK > SDK Tools >
    "NDK (Side by side)"; it lands in \$ANDROID_HOME/ndk/VERSION;
  - or the Android command-line tools:
        sdkmanager --install "ndk;27.2.12479018"

  export ANDROID_NDK_HOME=\$ANDROID_HOME/ndk/27.2.12479018
  bash scripts/build-aar.sh
EOF
  exit 1
}

# ---------------------------------------------------------------- the NDK
[ -n "${ANDROID_NDK_HOME:-}" ] || ndk_missing "ANDROID_NDK_HOME is not set."
[ -f "$ANDROID_NDK_HOME/source.properties" ] \
  || ndk_missing "ANDROID_NDK_HOME=$ANDROID_NDK_HOME is not an NDK (no source.properties there)."
ndk_revision=$(sed -n 's/^Pkg.Revision *= *//p' "$ANDROID_NDK_HOME/source.properties")
[ "${ndk_revision%%.*}" -ge "$NDK_MIN_MAJOR" ] 2>/dev/null \
  || ndk_missing "the NDK at $ANDROID_NDK_HOME is revision '$ndk_revision'; Rust's Android targets need r$NDK_MIN_MAJOR or newer."
echo "Android NDK $ndk_revision at $ANDROID_NDK_HOME"

# ---------------------------------------------------------------- tools
CARGO_NDK_ROOT=$UNIFFI_TOOLS/cargo
if ! cargo install --list --root "$CARGO_NDK_ROOT" 2>/dev/null | grep -qx "cargo-ndk v$CARGO_NDK_VERSION:"; then
  echo "installing cargo-ndk $CARGO_NDK_VERSION into $CARGO_NDK_ROOT"
  cargo install --locked --root "$CARGO_NDK_ROOT" cargo-ndk --version "$CARGO_NDK_VERSION" \
    || uniffi_fail "cargo install cargo-ndk $CARGO_NDK_VERSION failed"
fi
installed_targets=$(rustup target list --installed)
for target in "${RUST_TARGETS[@]}"; do
  grep -qx "$target" <<<"$installed_targets" || rustup target add "$target" || uniffi_fail "rustup target add $target failed"
done
kotlin_tools

# ---------------------------------------------------------------- native libraries
rm -rf "$OUT/jni"
abi_flags=()
for abi in "${ABIS[@]}"; do abi_flags+=(-t "$abi"); done
# cargo-ndk links the 64-bit libraries for 16 KB pages (Android 15+) itself.
PATH=$CARGO_NDK_ROOT/bin:$PATH cargo ndk "${abi_flags[@]}" --platform "$MIN_SDK" -o "$OUT/jni" \
  build -p authflow-uniffi --lib --release --locked || uniffi_fail "cargo ndk build failed"
for abi in "${ABIS[@]}"; do
  [ -f "$OUT/jni/$abi/libauthflow_uniffi.so" ] || uniffi_fail "cargo ndk wrote no $OUT/jni/$abi/libauthflow_uniffi.so"
done

# ---------------------------------------------------------------- Kotlin
# The Kotlin API is the same for every ABI: generated from the arm64 build.
kotlin_generate "$UNIFFI_TARGET_DIR/aarch64-linux-android/release/libauthflow_uniffi.so" "$OUT/kotlin-generated"
kotlin_compile_library "$OUT/classes/authflow-android.jar" "$ANDROID_ONLY_KT_DIR"

# ---------------------------------------------------------------- the AAR
version=$(authflow_version)
AAR=$OUT/authflowkit-$version.aar
POM=$OUT/authflowkit-$version.pom
staging=$OUT/staging
rm -rf "$staging"
mkdir -p "$staging"
cp "$OUT/classes/authflow-android.jar" "$staging/classes.jar"
cp -r "$OUT/jni" "$staging/jni"
cat >"$staging/AndroidManifest.xml" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="$AUTHFLOW_GROUP_ID">
    <uses-sdk android:minSdkVersion="$MIN_SDK" />
    <uses-permission android:name="android.permission.INTERNET" />
</manifest>
EOF
# JNA finds the generated interfaces, structures and callbacks by
# reflection: an app that shrinks its code must keep them.
cat >"$staging/proguard.txt" <<'EOF'
-dontwarn java.awt.*
-keep class com.sun.jna.** { *; }
-keepclassmembers class * extends com.sun.jna.** { public *; }
-keep class io.authflow.** { *; }
EOF
: >"$staging/R.txt"
kotlin_write_pom "$POM" aar aar
rm -f "$AAR"
jar --create --no-manifest --file "$AAR" -C "$staging" . || uniffi_fail "jar could not write $AAR"
rm -rf "$staging"
echo "aar: $AAR, $(stat -c %s "$AAR") bytes; pom: $POM"
jar --list --file "$AAR" | grep -v '/$'
