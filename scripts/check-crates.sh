#!/usr/bin/env bash
# The crates meant for the crate registry, checked as `cargo publish` would
# take them, without uploading: each has the metadata a registry page and
# docs.rs need (description, licence, repository, readme, keywords,
# categories, rust-version, docs.rs settings) and both licence texts, and `cargo publish --dry-run`
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

# The dry run hands the packaged crates to each other through a local
# registry. Cargo takes a registry's crate of a given version to be the
# same forever: it extracts it under $CARGO_HOME/registry/src/-<hash>/
# (the hash of this checkout's path) once, and builds it once. So a second
# run from the same checkout, the version unchanged, verified
# authflowkit-store against the first run's authflowkit-core (and failed on
# methods added since). The extracted copies and the builds of these
# crates go first; the next cargo build of the workspace rebuilds them.
cargo_home=${CARGO_HOME:-$HOME/.cargo}
clean=()
for name in "${published[@]}"; do
  rm -rf "$cargo_home"/registry/src/-*/"$name"-[0-9]*
  clean+=(-p "$name")
done
cargo clean --quiet "${clean[@]}"

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

# Each package carries both licence texts (symlinks to the root's, which
# cargo packages as files), as its `license` field names them.
for name in "${published[@]}"; do
  files=$(cargo package --list --allow-dirty --locked -p "$name")
  for licence in LICENSE-MIT LICENSE-APACHE; do
    grep -qx "$licence" <<<"$files" || { echo "$name: the package has no $licence" >&2; exit 1; }
  done
done
echo "licence texts: LICENSE-MIT and LICENSE-APACHE in each package"
