#!/usr/bin/env bash
# The crates meant for the crate registry, checked as `cargo publish` would
# take them, without uploading: each has the metadata a registry page and
# docs.rs need (description, licence, repository, readme, keywords,
# categories, rust-version, docs.rs settings), and `cargo publish --dry-run`
# packages them together (authflowkit-store's and the CLI's authflowkit-core
# resolve from the packaged one) and builds each from its package alone.
set -euo pipefail
cd "$(dirname "$0")/.."

published=(authflowkit-core authflowkit-store authflowkit)

cargo metadata --format-version 1 --no-deps --locked | python3 -c '
import json, sys
wanted = sys.argv[1:]
packages = {p["name"]: p for p in json.load(sys.stdin)["packages"]}
missing = []
for name in wanted:
    p = packages[name]
    for field in ("description", "license", "repository", "readme", "rust_version"):
        if not p.get(field):
            missing.append(f"{name}: {field}")
    for field in ("keywords", "categories"):
        if not p.get(field):
            missing.append(f"{name}: {field}")
    if p.get("publish") == []:
        missing.append(f"{name}: publish = false")
    if not ((p.get("metadata") or {}).get("docs") or {}).get("rs"):
        missing.append(f"{name}: [package.metadata.docs.rs]")
    if p.get("license") != "MIT OR Apache-2.0":
        missing.append(name + ": licence " + str(p.get("license")))
if missing:
    sys.exit("crate metadata missing: " + ", ".join(missing))
print("crate metadata: complete for " + ", ".join(wanted))
' "${published[@]}"

args=()
for name in "${published[@]}"; do args+=(-p "$name"); done
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! cargo publish --dry-run --locked --allow-dirty "${args[@]}" >"$log" 2>&1; then
  cat "$log" >&2
  echo "cargo publish --dry-run failed" >&2
  exit 1
fi
grep -E '^ *Packaged' "$log" || true
echo "cargo publish --dry-run: ${published[*]} package and build"
