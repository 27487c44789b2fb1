#!/usr/bin/env bash
# The browser package's size report: the gzip size (gzip -9) of what it
# ships, the .wasm plus the JS glue, against the budget; then what
# dominates the module, from twiggy on the same module built with its
# function names kept. Builds both (scripts/wasm-build.sh) first.
#
# The budget is WASM_SIZE_BUDGET bytes (default 61440, 60 KiB). With
# --check the script fails when the total is over it; without, it reports.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/wasm-env.sh
budget=${WASM_SIZE_BUDGET:-61440}
check=0
[ "${1:-}" = --check ] && check=1

bash scripts/wasm-build.sh >/dev/null
bash scripts/wasm-build.sh --names >/dev/null

pkg=bindings-wasm/pkg
# The browser entry only: node/ is the Node.js entry, which a browser
# bundle never loads.
printf '\n%-62s %10s %10s\n' "shipped file (bindings-wasm/pkg, browser entry)" "bytes" "gzip -9"
total=0
total_raw=0
while IFS= read -r file; do
  raw=$(wc -c <"$pkg/$file")
  gz=$(gzip -9c "$pkg/$file" | wc -c)
  total=$((total + gz))
  total_raw=$((total_raw + raw))
  printf '%-62s %10d %10d\n' "$file" "$raw" "$gz"
done < <(cd "$pkg" && find . -path ./node -prune -o \( -name '*.wasm' -o -name '*.js' \) -print | sed 's#^\./##' | sort)
printf '%-62s %10d %10d\n' "total (.wasm + JS glue)" "$total_raw" "$total"
printf '%-62s %10s %10d\n' "budget" "" "$budget"
printf '%-62s %10s %10d\n' "reference: oauth4webapi 3.8.8, whole bundle" "" 14378

named="$AUTHFLOW_TARGET_DIR/wasm-bindgen/named/authflow_wasm_bg.wasm"
printf '\nlargest items of the module (twiggy top, names kept; bytes before gzip)\n'
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

if [ "$total" -gt "$budget" ]; then
  printf '\nOVER BUDGET: %d bytes gzip > %d (see bindings-wasm/SIZE.md)\n' "$total" "$budget"
  [ "$check" = 1 ] && exit 1
  exit 0
fi
printf '\nwithin budget: %d bytes gzip <= %d\n' "$total" "$budget"
