#!/usr/bin/env bash
# The Swift package of the UniFFI bindings (bindings-uniffi/swift/).
#
#   bash scripts/uniffi-swift.sh --update [LIB]   regenerate the checked-in sources
#   bash scripts/uniffi-swift.sh --check  [LIB]   fail unless they are current and the
#                                                 package layout is complete
#
# LIB is a built libauthflow_uniffi (.so, or .dylib on macOS; default:
# target/release, else target/debug, under CARGO_TARGET_DIR when set; built
# in debug when neither exists). The generator is the workspace's own
# uniffi-bindgen, so its version is the library's.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-}
lib=${2:-}
case "$mode" in
  --check | --update) ;;
  *) echo "usage: $0 --check|--update [path/to/libauthflow_uniffi.so]" >&2; exit 2 ;;
esac
target_dir=${CARGO_TARGET_DIR:-target}
extension=so
[ "$(uname -s)" = Darwin ] && extension=dylib
if [ -z "$lib" ]; then
  for candidate in "$target_dir/release/libauthflow_uniffi.$extension" "$target_dir/debug/libauthflow_uniffi.$extension"; do
    if [ -f "$candidate" ]; then lib=$candidate; break; fi
  done
fi
if [ -z "$lib" ]; then
  cargo build -p authflow-uniffi --locked
  lib=$target_dir/debug/libauthflow_uniffi.$extension
fi

PKG=bindings-uniffi/swift
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cargo run -q --locked -p authflow-uniffi --bin uniffi-bindgen -- generate --no-format \
  --library "$lib" --language swift --out-dir "$out"

# generated file -> where the package keeps it
pairs=(
  "Authflow.swift:$PKG/Sources/Authflow/Authflow.swift"
  "AuthflowFFI.h:$PKG/Headers/AuthflowFFI/AuthflowFFI.h"
  "AuthflowFFI.modulemap:$PKG/Headers/AuthflowFFI/module.modulemap"
)

if [ "$mode" = --update ]; then
  for pair in "${pairs[@]}"; do
    cp "$out/${pair%%:*}" "${pair#*:}"
    echo "updated ${pair#*:}"
  done
  exit 0
fi

problems=0
problem() { echo "swift package: $*" >&2; problems=$((problems + 1)); }

for pair in "${pairs[@]}"; do
  generated=$out/${pair%%:*}
  kept=${pair#*:}
  [ -f "$generated" ] || { problem "uniffi-bindgen wrote no ${pair%%:*}"; continue; }
  if [ ! -f "$kept" ]; then
    problem "$kept is missing (run: bash scripts/uniffi-swift.sh --update)"
  elif ! diff -q "$generated" "$kept" >/dev/null; then
    problem "$kept is stale (run: bash scripts/uniffi-swift.sh --update)"
    diff -u "$kept" "$generated" | head -20 >&2 || true
  fi
done

# The layout a `swift build` needs.
for file in "$PKG/Package.swift" "$PKG/Sources/Authflow/URLSessionTransport.swift" \
  "$PKG/Sources/Authflow/DeviceLogin.swift" "$PKG/Tests/AuthflowTests/AuthflowTests.swift"; do
  [ -f "$file" ] || problem "$file is missing"
done
manifest=$PKG/Package.swift
grep -q '^// swift-tools-version:' "$manifest" || problem "Package.swift has no swift-tools-version line"
# The XCFramework scripts/build-xcframework.sh writes is the AuthflowFFI module.
grep -qF '.binaryTarget(name: "AuthflowFFI", path: "AuthflowFFI.xcframework")' "$manifest" \
  || problem "Package.swift does not take AuthflowFFI from AuthflowFFI.xcframework"
grep -qF '.target(name: "Authflow", dependencies: ["AuthflowFFI"], path: "Sources/Authflow")' "$manifest" \
  || problem "Package.swift does not declare the Authflow target over AuthflowFFI"
grep -qF 'swift/AuthflowFFI.xcframework' "$PKG/../../scripts/build-xcframework.sh" \
  || problem "scripts/build-xcframework.sh does not write the AuthflowFFI.xcframework Package.swift names"
grep -q 'header "AuthflowFFI.h"' "$PKG/Headers/AuthflowFFI/module.modulemap" \
  || problem "the modulemap does not name AuthflowFFI.h"
grep -q 'import AuthflowFFI' "$PKG/Sources/Authflow/Authflow.swift" \
  || problem "the generated Swift does not import AuthflowFFI"

# The default transport implements every requirement of the generated protocols.
transport=$PKG/Sources/Authflow/URLSessionTransport.swift
for requirement in \
  'HttpTransport:func send(request: HttpRequest) throws -> HttpResponse' \
  'HttpTransport:func sendAsync(request: HttpRequest) async throws -> HttpResponse' \
  'Environment:func now() -> UInt64' \
  'Environment:func randomBytes(len: UInt32) -> Data' \
  'TokenPersister:func persist(tokens: TokenSet)'; do
  protocol=${requirement%%:*}
  signature=${requirement#*:}
  # As generated (spacing differs: "func now()  -> UInt64").
  squeezed_generated=$(tr -s ' ' <"$PKG/Sources/Authflow/Authflow.swift")
  grep -qF "$signature" <<<"$squeezed_generated" \
    || problem "the generated $protocol has no '$signature' (update URLSessionTransport.swift)"
  grep -qF "public $signature" "$transport" || problem "URLSessionTransport.swift lacks 'public $signature'"
done
grep -q 'class URLSessionTransport: HttpTransport' "$transport" || problem "no URLSessionTransport: HttpTransport"
grep -q 'class SystemEnvironment: Environment' "$transport" || problem "no SystemEnvironment: Environment"
grep -q 'class ClosurePersister: TokenPersister' "$transport" || problem "no ClosurePersister: TokenPersister"

# The device login (DeviceLogin.swift) drives these generated functions.
for function in method_oauthclient_client method_oauthclient_now method_oauthclient_send \
  method_oauthclient_send_async method_client_device_authorization_request \
  method_client_parse_device_authorization_response constructor_devicepoll_new \
  method_devicepoll_poll_action method_devicepoll_handle_response \
  method_devicepoll_handle_transport_error func_raise_error; do
  grep -qw "uniffi_authflow_uniffi_fn_$function" "$PKG/Headers/AuthflowFFI/AuthflowFFI.h" \
    || problem "the generated API has no $function (DeviceLogin.swift calls it)"
done

if [ "$problems" -gt 0 ]; then
  echo "swift package: $problems problem(s)" >&2
  exit 1
fi
echo "swift package: generated sources current, layout complete ($PKG)"
