#!/usr/bin/env bash
# The XCFramework the Swift package (bindings-uniffi/swift/Package.swift)
# consumes as its binary target AuthflowFFI. macOS with Xcode only:
#
#   bash scripts/build-xcframework.sh
#
# Checks that the package's generated sources are current (uniffi-swift.sh
# --check), builds the static library for aarch64-apple-ios,
# aarch64-apple-ios-sim, x86_64-apple-ios, aarch64-apple-darwin and
# x86_64-apple-darwin (release; the Rust targets added with rustup when
# missing), joins the simulator and the macOS pairs with lipo, and writes
#   bindings-uniffi/swift/AuthflowFFI.xcframework        (what Package.swift names)
#   target/apple/AuthflowFFI.xcframework.zip             (to publish, with its checksum)
# On any other system it says what it needs and exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

fail() { printf 'build-xcframework.sh: %s\n' "$*" >&2; exit 1; }

if [ "$(uname -s)" != Darwin ]; then
  fail "needs macOS with Xcode (xcodebuild, lipo) and rustup; this is $(uname -s). On a Mac: install Xcode, run 'xcode-select --install' and rustup, then this script again. bindings-uniffi/README.md (\"Swift\") has the steps."
fi
for tool in xcodebuild lipo rustup cargo; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool is missing: it needs Xcode (xcode-select --install) and rustup"
done

# The package's platforms (Package.swift): iOS 15, macOS 12.
export IPHONEOS_DEPLOYMENT_TARGET=15.0 MACOSX_DEPLOYMENT_TARGET=12.0
TARGETS=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios aarch64-apple-darwin x86_64-apple-darwin)
TARGET_DIR=${CARGO_TARGET_DIR:-target}
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR=$ROOT/$TARGET_DIR ;; esac
PKG=$ROOT/bindings-uniffi/swift
OUT=$TARGET_DIR/apple
XCFRAMEWORK=$PKG/AuthflowFFI.xcframework

# The header and module map go into the XCFramework as they are checked in:
# refuse to package them when they no longer match the library.
cargo build -p authflow-uniffi --lib --release --locked
bash scripts/uniffi-swift.sh --check "$TARGET_DIR/release/libauthflow_uniffi.dylib"

installed=$(rustup target list --installed)
for target in "${TARGETS[@]}"; do
  grep -qx "$target" <<<"$installed" || rustup target add "$target"
done
for target in "${TARGETS[@]}"; do
  # A static library for Xcode to link, without adding staticlib to every
  # build of the crate.
  cargo rustc -p authflow-uniffi --lib --release --locked --target "$target" --crate-type staticlib
done
lib() { echo "$TARGET_DIR/$1/release/libauthflow_uniffi.a"; }

rm -rf "$OUT"
mkdir -p "$OUT/ios" "$OUT/ios-simulator" "$OUT/macos"
cp "$(lib aarch64-apple-ios)" "$OUT/ios/libauthflow_uniffi.a"
lipo -create "$(lib aarch64-apple-ios-sim)" "$(lib x86_64-apple-ios)" -output "$OUT/ios-simulator/libauthflow_uniffi.a"
lipo -create "$(lib aarch64-apple-darwin)" "$(lib x86_64-apple-darwin)" -output "$OUT/macos/libauthflow_uniffi.a"

# Headers/AuthflowFFI/ rather than Headers/: two XCFrameworks that both put
# a module.modulemap at the top of Headers collide in an app's build.
rm -rf "$XCFRAMEWORK"
xcodebuild -create-xcframework \
  -library "$OUT/ios/libauthflow_uniffi.a" -headers "$PKG/Headers" \
  -library "$OUT/ios-simulator/libauthflow_uniffi.a" -headers "$PKG/Headers" \
  -library "$OUT/macos/libauthflow_uniffi.a" -headers "$PKG/Headers" \
  -output "$XCFRAMEWORK"

zip=$OUT/AuthflowFFI.xcframework.zip
(cd "$PKG" && ditto -c -k --sequesterRsrc --keepParent AuthflowFFI.xcframework "$zip")
echo "xcframework: $XCFRAMEWORK"
echo "zip: $zip ($(stat -f %z "$zip") bytes), checksum $(shasum -a 256 "$zip" | cut -d' ' -f1)"
echo "next: cd bindings-uniffi/swift && swift build && swift test"
