#!/usr/bin/env bash
# Every test of the browser package, from a clean checkout: installs the
# tools it needs (scripts/wasm-tools.sh: wasm32 target, the pinned nightly
# with rust-src, wasm-bindgen-cli into .tools/wasm/, binaryen,
# esbuild and playwright-core from the npm lockfiles, Chromium and
# chromedriver from Debian), then
#   1. cargo fmt --check, clippy -D warnings (wasm32 with each entry's
#      features, and host), the host unit tests;
#   2. the local providers' CORS tests (what the browser exchange relies on)
#      (the host parts of 1 and 2 run once, by scripts/test.sh for the
#      whole workspace, when it calls this script);
#   3. wasm-bindgen-test in headless Chromium: the golden vectors through the
#      exported API, and the browser behaviour (sessionStorage, address bar,
#      errors, fetch);
#   4. the npm package build (scripts/wasm-build.sh: the browser entry, its
#      OpenID and DPoP twins authflowkit/browser-openid and
#      authflowkit/browser-dpop, the authorize-only authflowkit/browser-authorize,
#      and the Node.js entry, authflowkit/node); `tsc --strict --noEmit` over the TypeScript example,
#      the example pages and the README's snippets
#      (scripts/check-ts-types.mjs); Node's test runner over the package:
#      import, types, errors, no secret-handling code in the browser
#      entries, OpenID's checks through authflowkit/browser-openid and
#      authflowkit/node, DPoP through authflowkit/browser-dpop (WebCrypto keys,
#      proofs checked by servers on 127.0.0.1), the Node.js entry against
#      the local providers and oidc-provider;
#      examples/node against the local providers and the Authlib peer,
#      measured beside the same program written with oauth4webapi;
#   5. examples/browser: the example page in Chromium (playwright-core)
#      against the local Makini Link provider, end to end, and the OpenID
#      and DPoP pages (authflowkit/browser-openid, authflowkit/browser-dpop)
#      against oidc-provider (DPoP nonces required), the back-end page
#      (authflowkit/browser-authorize: the redirect checked in the page, the
#      code exchanged by the example server); everyday.js
#      (the browser program) against the local providers and the Authlib
#      peer, measured beside the same program written with oauth4webapi;
#   6. examples/vite: `npm pack` of the package, installed from the tarball
#      into a Vite app (bundled, served, signed in with in Chromium;
#      `tsc --strict` over every export of every entry, resolved through
#      the package's `exports`) and into an empty Node.js project;
#   7. the size report (scripts/wasm-size.sh --check): fails when the
#      browser entry is over its budget (60 KiB gzip), or
#      authflowkit/browser-openid, authflowkit/browser-dpop or
#      authflowkit/browser-authorize over its ceiling (61, 74 and 33 KiB gzip).
# Idempotent: a second run reinstalls nothing and rebuilds only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/wasm-env.sh

step() { printf '\n==> %s\n' "$*"; }

for tool in cargo rustup node npm gzip; do
  command -v "$tool" >/dev/null || { echo "test-wasm.sh needs $tool on PATH" >&2; exit 1; }
done

step "tools"
bash scripts/wasm-tools.sh

step "cargo fmt --check (authflow-wasm, authflow-test-providers)"
cargo fmt -p authflow-wasm -p authflow-test-providers -- --check

step "cargo clippy -p authflow-wasm (wasm32 and host, all targets; the browser, browser-openid, browser-dpop, browser-authorize and Node.js features)"
cargo clippy -p authflow-wasm --all-targets --target wasm32-unknown-unknown --locked -- -D warnings
cargo clippy -p authflow-wasm --all-targets --target wasm32-unknown-unknown --features openid --locked -- -D warnings
cargo clippy -p authflow-wasm --all-targets --target wasm32-unknown-unknown --features dpop --locked -- -D warnings
cargo clippy -p authflow-wasm --all-targets --target wasm32-unknown-unknown --no-default-features --locked -- -D warnings
cargo clippy -p authflow-wasm --all-targets --target wasm32-unknown-unknown --features confidential,api,openid,dpop,speed \
  --locked -- -D warnings
if [ "${AUTHFLOW_WORKSPACE_CHECKED:-}" = 1 ]; then
  # Set by scripts/test.sh once clippy --all-targets and cargo test of the
  # whole workspace (these crates' host builds, the unit tests and the CORS
  # tests included) have passed in this run.
  step "host clippy and tests of authflow-wasm and the providers' CORS: run by scripts/test.sh for the whole workspace"
else
  cargo clippy -p authflow-wasm --all-targets --locked -- -D warnings

  step "cargo test -p authflow-wasm --lib (host: the .d.ts names match the core's)"
  cargo test -p authflow-wasm --lib --locked

  step "local providers: CORS of the Makini Link token endpoint"
  cargo test -p authflow-test-providers --test cors --locked
fi

step "wasm-bindgen-test in headless Chromium"
CHROMEDRIVER="$CHROMEDRIVER" \
  WASM_BINDGEN_TEST_WEBDRIVER_JSON="$PWD/bindings-wasm/webdriver.json" \
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER="$WASM_BINDGEN_TEST_RUNNER" \
  cargo test -p authflow-wasm --target wasm32-unknown-unknown --locked

step "npm package: build (bindings-wasm/pkg) and the names-kept module"
bash scripts/wasm-build.sh
bash scripts/wasm-build.sh --names

step "examples/node: npm ci (the built package, oauth4webapi); the Authlib and oidc-provider peers"
# After the build: examples/node links the package in bindings-wasm/pkg.
(cd examples/node && npm ci --no-audit --no-fund --loglevel=error)
bash tests/peers/authlib/install.sh
bash tests/peers/oidc-provider/install.sh

step "tsc --strict --noEmit: the TypeScript example, the example pages and the README's snippets"
node scripts/check-ts-types.mjs target/ts-check

step "node --test: the npm package (its five entries; the Node.js one against the local providers and oidc-provider)"
cargo build -p authflow-test-providers --bin authflow-providers --locked
node --test bindings-wasm/test/

step "node --test: examples/node against the local providers and the Authlib peer, measured beside oauth4webapi"
node --test examples/node/

step "node --test: examples/browser (the pages in Chromium, OpenID's and DPoP's at oidc-provider, the back end's exchange through browser-authorize; everyday.js against the local providers and the Authlib peer, measured beside oauth4webapi)"
CHROMIUM="$CHROMIUM" node --test examples/browser/

step "node --test: examples/vite (npm pack of the package, installed from the tarball into a Vite app bundled and signed in with in Chromium, type-checked against it, and into a Node.js project)"
CHROMIUM="$CHROMIUM" node --test examples/vite/

step "benchmarks of the npm package beside oauth4webapi: every row run once and checked, nothing timed"
bash scripts/bench-node.sh --check

step "size report (fails over the budget, or an opt-in entry over its ceiling)"
bash scripts/wasm-size.sh --check
