#!/usr/bin/env bash
# Builds the browser package into bindings-wasm/pkg/: authflow-wasm for
# wasm32-unknown-unknown (profile wasm-release, on the pinned nightly with
# std rebuilt for size), wasm-bindgen --target web, wasm-opt -Oz, then the
# npm layout (package.json, index.js, types, README, licences) with its JS
# minified (esbuild). Needs the tools scripts/wasm-tools.sh installs.
#
# Five entries, five modules:
#   - `authflowkit` (pkg/): the browser entry, without OpenID (its size budget,
#     bindings-wasm/SIZE.md);
#   - `authflowkit/browser-openid` (pkg/browser-openid/): the same module built
#     with the feature `openid` (the nonce, the ID token's claims checked),
#     for the front ends that need OpenID and pay for it; same toolchain,
#     flags and target directory as the browser entry's;
#   - `authflowkit/browser-dpop` (pkg/browser-dpop/): likewise with the
#     feature `dpop` (DPoP proofs signed by a WebCrypto key);
#   - `authflowkit/browser-authorize` (pkg/browser-authorize/): the module
#     without the default feature `token-endpoint`: authorize URLs and
#     redirect handling only, for front ends whose back end exchanges the
#     code (no exchange, refresh or Session: the smallest entry);
#   - `authflowkit/node` (pkg/node/): the Node.js entry (below).
#
# AUTHFLOW_WASM_FEATURES=confidential (any of the crate's features) builds
# the browser entry's module with them, to measure what they would cost it
# (e.g. `AUTHFLOW_WASM_FEATURES=confidential bash scripts/wasm-size.sh`).
#
# `scripts/wasm-build.sh --names` builds the same module with its function
# names kept into target/wasm-bindgen/named/ instead (for twiggy and the
# test that no secret-handling code of the core is in the module); the
# package is always built without them.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/wasm-env.sh

names=0
[ "${1:-}" = --names ] && names=1

# A target directory of its own: the RUSTFLAGS and the toolchain below differ
# from the stable builds' (clippy, the wasm-bindgen-test tests), and in the
# shared target directory each would invalidate the other's cache.
nightly_target="$AUTHFLOW_TARGET_DIR/wasm-nightly"
raw="$nightly_target/wasm32-unknown-unknown/wasm-release/authflow_wasm.wasm"
if [ "$names" = 1 ]; then
  out="$AUTHFLOW_TARGET_DIR/wasm-bindgen/named"
else
  out="$AUTHFLOW_TARGET_DIR/wasm-bindgen/pkg"
fi

# `cargo rustc --crate-type cdylib`: with the rlib crate type as well (the
# tests need it) cargo does not pass -C lto, and the module is 20% larger.
#
# On the pinned nightly ($AUTHFLOW_NIGHTLY, scripts/wasm-env.sh), std is
# rebuilt from its rust-src with the package (-Zbuild-std) for size
# (optimize_for_size: std's smaller algorithms), and
# -Cpanic=immediate-abort drops the panic machinery: no formatting of panic
# messages, no locations. Measured: the gzipped .wasm 60.9 KB -> 49.1 KB.
# The price: a panic in the module is a bare `unreachable` trap (a
# RuntimeError in JS) with no message. None is expected: the core denies
# unwrap (clippy), returns errors instead of panicking on its paths by
# design, and scripts/fuzz.sh checks its parsers for panics.
#
# -Csymbol-mangling-version=legacy: this nightly mangles v0 by default, and
# the names of wasm-bindgen's closure shims are exports of the module,
# written out in the glue too; legacy names are shorter (about 160 B gzip
# over both) and the same as a stable build's.
#
# The remaps keep this machine's paths (crates.io sources, the nightly's
# rust-src) out of the module: the same bytes on every machine.
remap=()
for index in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/; do
  remap+=("--remap-path-prefix=${index%/}=/crates")
done
remap+=("--remap-path-prefix=$(rustc +"$AUTHFLOW_NIGHTLY" --print sysroot)/lib/rustlib/src/rust=/rust")

# browser_module FLAGS OUT NAME: the browser module built with cargo's
# feature FLAGS (`--features=openid`, `--no-default-features`, or none),
# through wasm-bindgen (glue named NAME) and wasm-opt, into OUT.
# Every browser module is built in $nightly_target with the same toolchain
# and flags, so std (-Zbuild-std) and the dependencies are built once for
# all of them; only the units whose features differ (authflowkit-core with
# `openid-claims`, authflow-wasm itself) are built apart, and cargo keeps
# each feature set's build in a directory of its own (build/<crate>/<hash>/),
# so going from one module to the other rebuilds nothing. $raw is where
# cargo copies the module it built last: read it right after.
browser_module() {
  local flags=$1 out=$2 name=$3
  # $flags unquoted: none, or one cargo flag without spaces.
  # shellcheck disable=SC2086
  CARGO_TARGET_DIR="$nightly_target" \
    RUSTFLAGS="${RUSTFLAGS:-} -Zunstable-options -Cpanic=immediate-abort -Csymbol-mangling-version=legacy ${remap[*]}" \
    cargo +"$AUTHFLOW_NIGHTLY" rustc -p authflow-wasm --lib --crate-type cdylib $flags \
    --target wasm32-unknown-unknown --profile wasm-release --locked \
    -Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size

  rm -rf "$out"
  local keep=()
  [ "$names" = 1 ] && keep=(--keep-debug)
  "$WASM_BINDGEN" "$raw" --target web --out-dir "$out" --out-name "$name" "${keep[@]}"

  # The features rustc enables by default for wasm32-unknown-unknown.
  local wasm_features=(--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext
    --enable-mutable-globals --enable-reference-types --enable-multivalue)
  local debug=()
  [ "$names" = 1 ] && debug=(--debuginfo --strip-dwarf)
  # Short import and export names, in the module and then in the glue that
  # names them (scripts/wasm-short-names.mjs says why), and no custom
  # sections (which toolchain made the module, its features): about -2.5 KB
  # gzip over the .wasm and index.js (SIZE.md). wasm-opt prints what it
  # renamed; renaming in the same run as -Oz comes out smaller than in a run
  # of its own. Not in the module built for profiles, whose names are the
  # point. -Oz twice: the second run finds another 132 B (--converge would
  # repeat the renaming too).
  local shorten=() renames="$out/renames.json"
  if [ "$names" = 0 ]; then
    shorten=(--minify-imports-and-exports-and-modules --strip-producers --strip-target-features)
  fi
  "$WASM_OPT" -Oz -Oz "${wasm_features[@]}" "${debug[@]}" "${shorten[@]}" \
    "$out/${name}_bg.wasm" -o "$out/${name}_bg.wasm" >"$renames"
  if [ "$names" = 0 ]; then
    node scripts/wasm-short-names.mjs "$renames" "$out/${name}_bg.wasm" "$out/$name.js"
  fi
  rm "$renames"
}

# browser_entry DIR NAME: finishes a browser entry that DIR holds (the
# wasm-bindgen output of the module NAME and the entry's index.js and
# index.d.ts): types that compile without esnext, the snippet's path in
# index.js, the JS glue and snippets minified and bundled into index.js.
browser_entry() {
  local dir=$1 name=$2

  # wasm-bindgen declares `[Symbol.dispose]()` on the class, a name only
  # TypeScript's esnext library knows: an app compiled for es2022 without
  # skipLibCheck would fail on our types. The method stays (free() is its
  # documented name).
  local types=$dir/$name.d.ts
  grep -Eq '^ *\[Symbol\.dispose\]\(\): void;$' "$types" \
    || { echo "wasm-bindgen's types no longer declare [Symbol.dispose]() as expected" >&2; exit 1; }
  sed -Ei '/^ *\[Symbol\.dispose\]\(\): void;$/d' "$types"

  # index.js re-exports AuthflowError (and Session) from the snippets
  # wasm-bindgen copied (their folder name carries a hash); write the path in.
  local snippet
  snippet=$(cd "$dir" && ls snippets/*/js/browser.js)
  [ "$(wc -l <<<"$snippet")" = 1 ] || { echo "expected one browser.js snippet in $dir, found: $snippet" >&2; exit 1; }
  sed -i "s#__BROWSER_SNIPPET__#./$snippet#; s#__TOKEN_SNIPPET__#./${snippet%browser.js}token.js#; s#__DPOP_SNIPPET__#./${snippet%browser.js}dpop.js#" "$dir/index.js"
  if grep -q -e __BROWSER_SNIPPET__ -e __TOKEN_SNIPPET__ -e __DPOP_SNIPPET__ "$dir/index.js"; then
    echo "snippet path not written into $dir/index.js" >&2
    exit 1
  fi

  # Minify the JS glue (measured: 6.7 -> about 4.1 KB gzip) and the snippets
  # (then bundled with index.js, below). --target=es2022: no newer syntax than
  # the unminified files, which need ES2022 already (index.js's top-level
  # await; Session's private fields and static block in the snippet, which
  # an older target would rewrite with helpers). The files carry no licence comments; any /*! or
  # @license one would stay.
  #
  # --keep-names only for the snippet (AuthflowError stays AuthflowError in
  # consoles): on the glue it wraps each of its ~50 imports in a naming call
  # (about 0.6 KB gzip). The one name the glue reads is its class's (`expected
  # instance of ${klass.name}` when exchangeCode gets something else than a
  # ValidatedCallback), so that class names itself.
  local glue=$dir/$name.js
  grep -q '^export class ValidatedCallback {$' "$glue" \
    || { echo "wasm-bindgen's glue no longer declares 'export class ValidatedCallback {'" >&2; exit 1; }
  sed -i 's/^export class ValidatedCallback {$/export class ValidatedCallback {\n    static get name() { return "ValidatedCallback"; }/' "$glue"
  "$ESBUILD" "$glue" --minify --format=esm --target=es2022 \
    --legal-comments=inline --log-level=warning --outfile="$glue" --allow-overwrite
  # Every snippet: browser.js, token.js with the token endpoint, dpop.js
  # and openid.js in a module with `dpop` or `openid`.
  local file
  for file in "$dir"/snippets/*/js/*.js; do
    "$ESBUILD" "$file" --minify --keep-names --format=esm --target=es2022 \
      --legal-comments=inline --log-level=warning --outfile="$file" --allow-overwrite
  done

  # Then index.js, the glue and the snippets as one file: a page that
  # imports the entry without a bundler fetches index.js and then the .wasm,
  # instead of index.js, then the glue and snippets, then the .wasm (one
  # round trip less before the module can compile), and one gzip stream
  # instead of three is about 0.8 KB smaller. Minifying drops the hints
  # that keep bundlers from resolving node:fs/promises (Node.js only) for
  # the browser: written back, and checked.
  "$ESBUILD" "$dir/index.js" --bundle --minify --format=esm --target=es2022 --platform=neutral \
    --external:node:fs/promises --legal-comments=inline --log-level=warning \
    --outfile="$dir/index.js" --allow-overwrite
  local plain='import("node:fs/promises")'
  [ "$(grep -oF "$plain" "$dir/index.js" | wc -l)" = 1 ] \
    || { echo "expected one $plain in the bundled $dir/index.js" >&2; exit 1; }
  sed -i 's#import("node:fs/promises")#import(/* webpackIgnore: true */ /* @vite-ignore */ "node:fs/promises")#' "$dir/index.js"
  rm -r "$glue" "$dir/snippets"
}

default_flags=${AUTHFLOW_WASM_FEATURES:+--features=$AUTHFLOW_WASM_FEATURES}
if [ "$names" = 1 ]; then
  browser_module "$default_flags" "$out" authflow_wasm
  echo "built $out (with function names)"
  exit 0
fi

pkg=bindings-wasm/pkg
rm -rf "$pkg"
mkdir -p "$pkg"

# The opt-in entries' modules, then the default entry's. What the first
# adds to the build's time: bindings-wasm/SIZE.md.
opt_in_entries=("--features=openid browser-openid authflow_openid"
  "--features=dpop browser-dpop authflow_dpop"
  "--no-default-features browser-authorize authflow_authorize")
for entry in "${opt_in_entries[@]}"; do
  read -r flags dir name <<<"$entry"
  browser_module "$flags" "$AUTHFLOW_TARGET_DIR/wasm-bindgen/$dir" "$name"
done
browser_module "$default_flags" "$out" authflow_wasm

# wasm-bindgen's output, without its .gitignore and package.json (the
# package's own is bindings-wasm/npm/package.json).
cp -r "$out"/. "$pkg"/
rm -f "$pkg/.gitignore" "$pkg/package.json"
cp bindings-wasm/npm/index.js bindings-wasm/npm/index.d.ts bindings-wasm/npm/package.json "$pkg"/
cp bindings-wasm/README.md "$pkg/README.md"
cp LICENSE-MIT LICENSE-APACHE "$pkg"/
browser_entry "$pkg" authflow_wasm

for entry in "${opt_in_entries[@]}"; do
  read -r _flags dir name <<<"$entry"
  mkdir -p "$pkg/$dir"
  cp -r "$AUTHFLOW_TARGET_DIR/wasm-bindgen/$dir"/. "$pkg/$dir"/
  rm -f "$pkg/$dir/.gitignore" "$pkg/$dir/package.json"
  cp "bindings-wasm/npm/$dir/index.js" "bindings-wasm/npm/$dir/index.d.ts" "$pkg/$dir"/
  browser_entry "$pkg/$dir" "$name"
done

# The Node.js entry (`authflowkit/node`, in pkg/node/): the same crate with the
# core's `confidential` feature (client secrets, client credentials), `api`
# (Session.fetch), `openid` (the OpenID code flow with the ID token's
# claims checked) and `dpop` (DPoP with a WebCrypto key). Built on the stable toolchain in the shared target
# directory, for speed (profile wasm-node, opt-level 3, and `speed`: the
# core's native scans and base64url; no wasm-opt, whose -O3 measured no
# faster): its size is no browser's concern, and a server loads it from
# disk once.
cargo rustc -p authflow-wasm --lib --crate-type cdylib --features confidential,api,openid,dpop,speed \
  --target wasm32-unknown-unknown --profile wasm-node --locked
node_raw="$AUTHFLOW_TARGET_DIR/wasm32-unknown-unknown/wasm-node/authflow_wasm.wasm"
"$WASM_BINDGEN" "$node_raw" --target web --out-dir "$pkg/node" --out-name authflow_node
rm -f "$pkg/node/.gitignore" "$pkg/node/package.json"
sed -Ei '/^ *\[Symbol\.dispose\]\(\): void;$/d' "$pkg/node/authflow_node.d.ts"
cp bindings-wasm/npm/node/index.js bindings-wasm/npm/node/index.d.ts "$pkg/node/"
node_snippet=$(cd "$pkg/node" && ls snippets/*/js/browser.js)
sed -i "s#__BROWSER_SNIPPET__#./$node_snippet#; s#__TOKEN_SNIPPET__#./${node_snippet%browser.js}token.js#; s#__DPOP_SNIPPET__#./${node_snippet%browser.js}dpop.js#" "$pkg/node/index.js"
echo "built $pkg"
