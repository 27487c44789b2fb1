#!/usr/bin/env bash
# The browser package's size report: the gzip size (gzip -9) of what each
# browser entry ships, its .wasm plus its JS, against its limit; then (not
# with --check) what dominates the default entry's module, from twiggy on
# the same module built with its function names kept, twiggy installed
# first (scripts/wasm-tools.sh --twiggy). Builds them
# (scripts/wasm-build.sh) first.
#
# - `authflowkit` (the browser entry, pkg/ without its sub-entries): against
#   the budget, WASM_SIZE_BUDGET bytes (default 61440, 60 KiB).
# - `authflowkit/browser-openid` (pkg/browser-openid/, the opt-in entry with
#   OpenID): against its ceiling, WASM_OPENID_SIZE_CEILING bytes (default
#   62464, 61 KiB: its measured size rounded up to the next KiB, so that
#   growth is seen; bindings-wasm/SIZE.md).
# - `authflowkit/browser-dpop` (pkg/browser-dpop/, the opt-in entry with
#   DPoP): against its ceiling, WASM_DPOP_SIZE_CEILING bytes (likewise).
# - `authflowkit/browser-authorize` (pkg/browser-authorize/, authorize URLs
#   and redirect handling only): against its ceiling,
#   WASM_AUTHORIZE_SIZE_CEILING bytes (likewise).
# A front end loads one of the four, never two.
#
# With --check (the test command) the script fails when a total is over
# its limit or `core::fmt` is back in the default entry's module (below),
# and leaves out twiggy's report (a build of twiggy is about a minute on a
# fresh machine, for figures no test reads); without, it reports all of it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/wasm-env.sh
budget=${WASM_SIZE_BUDGET:-61440}
openid_ceiling=${WASM_OPENID_SIZE_CEILING:-62464}
dpop_ceiling=${WASM_DPOP_SIZE_CEILING:-75776}
authorize_ceiling=${WASM_AUTHORIZE_SIZE_CEILING:-33792}
check=0
[ "${1:-}" = --check ] && check=1

bash scripts/wasm-build.sh >/dev/null
bash scripts/wasm-build.sh --names >/dev/null

pkg=bindings-wasm/pkg

# entry_size DIR TITLE LIMIT_NAME LIMIT: prints the .wasm and .js files of
# the entry in DIR (not its sub-entries' folders: node/, browser-openid/,
# browser-dpop/ and browser-authorize/ are other entries, which a bundle of this one never
# loads), their total and the limit; sets `total`.
entry_size() {
  local dir=$1 title=$2 limit_name=$3 limit=$4 file raw gz total_raw=0
  total=0
  printf '\n%-62s %10s %10s\n' "$title" "bytes" "gzip -9"
  while IFS= read -r file; do
    raw=$(wc -c <"$dir/$file")
    gz=$(gzip -9c "$dir/$file" | wc -c)
    total=$((total + gz))
    total_raw=$((total_raw + raw))
    printf '%-62s %10d %10d\n' "$file" "$raw" "$gz"
  done < <(cd "$dir" && find . \( -path ./node -o -path ./browser-openid -o -path ./browser-dpop -o -path ./browser-authorize \) -prune -o \( -name '*.wasm' -o -name '*.js' \) -print | sed 's#^\./##' | sort)
  printf '%-62s %10d %10d\n' "total (.wasm + JS)" "$total_raw" "$total"
  printf '%-62s %10s %10d\n' "$limit_name" "" "$limit"
}

entry_size "$pkg" "shipped file (bindings-wasm/pkg: authflowkit, the browser entry)" budget "$budget"
default_total=$total
printf '%-62s %10s %10d\n' "reference: oauth4webapi 3.8.8, whole bundle" "" 14378
entry_size "$pkg/browser-openid" "shipped file (pkg/browser-openid: authflowkit/browser-openid)" "ceiling (OpenID entry)" "$openid_ceiling"
openid_total=$total
entry_size "$pkg/browser-dpop" "shipped file (pkg/browser-dpop: authflowkit/browser-dpop)" "ceiling (DPoP entry)" "$dpop_ceiling"
dpop_total=$total
entry_size "$pkg/browser-authorize" "shipped file (pkg/browser-authorize: authflowkit/browser-authorize)" "ceiling (authorize-only entry)" "$authorize_ceiling"
authorize_total=$total

named="$AUTHFLOW_TARGET_DIR/wasm-bindgen/named/authflow_wasm_bg.wasm"
if [ "$check" = 0 ]; then
  bash scripts/wasm-tools.sh --twiggy >/dev/null
  printf '\nlargest items of the browser entry module (twiggy top, names kept; bytes before gzip)\n'
  "$TWIGGY" top -n 16 "$named" | grep -v "function names" | cut -c1-150
  printf '\nby crate (shallow bytes before gzip)\n'
  "$TWIGGY" top -n 1000000 -f csv "$named" | awk -F, '
    NR == 1 { next }
    {
      size = $(NF - 3); name = $0; sub(/,[^,]*,[^,]*,[^,]*,[^,]*$/, "", name)
      if (name ~ /custom section|subsection/) next
      if (name ~ /data segment/) crate = "(data: string literals, tables)"
      else if (name ~ /shim/) crate = "(wasm-bindgen shims: exports with the core inlined)"
      else if (match(name, /[a-z_][a-z0-9_]*(\[[0-9a-f]+\])?::/)) {
        crate = substr(name, RSTART, RLENGTH - 2); sub(/\[.*/, "", crate)
      } else crate = "(other)"
      bytes[crate] += size
    }
    END { for (c in bytes) printf "%10d  %s\n", bytes[c], c }' | sort -rn | head -20
fi

printf '\n'
# within ENTRY TOTAL LIMIT WORD: says whether ENTRY's TOTAL is within its
# LIMIT (a budget or a ceiling); sets `over` when it is not.
over=0
within() {
  local entry=$1 total=$2 limit=$3 word=$4
  if [ "$total" -gt "$limit" ]; then
    printf 'OVER %s: %s, %d bytes gzip > %d (see bindings-wasm/SIZE.md)\n' "${word^^}" "$entry" "$total" "$limit"
    over=1
  else
    printf 'within %s: %s, %d bytes gzip <= %d\n' "$word" "$entry" "$total" "$limit"
  fi
}
within authflowkit "$default_total" "$budget" budget
within authflowkit/browser-openid "$openid_total" "$openid_ceiling" ceiling
within authflowkit/browser-dpop "$dpop_total" "$dpop_ceiling" ceiling
within authflowkit/browser-authorize "$authorize_total" "$authorize_ceiling" ceiling
# No `core::fmt` in the default entry's module (its names are in the module
# built with them kept): its messages are put together from pieces
# (core/src/text.rs). One `format!`, number `to_string()` or `Display` on a
# path the module reaches brings the machinery back, about 1.1 KB gzip.
if grep -q 'core::fmt::' "$named"; then
  printf 'core::fmt IS BACK in the default entry'"'"'s module (%s; see core/src/text.rs)\n' "$named"
  over=1
else
  printf 'no core::fmt in the default entry'"'"'s module\n'
fi
[ "$check" = 1 ] && [ "$over" = 1 ] && exit 1
exit 0
