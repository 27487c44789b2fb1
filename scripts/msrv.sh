#!/usr/bin/env bash
# Builds each published crate with the toolchain its `rust-version` names
# (its minimum supported Rust version), so that the field stays true:
# authflowkit-core (the workspace's), authflowkit-store (its own: std's
# `File::lock`) and the CLI, authflowkit (the store's). Installs the toolchains it needs, idempotently and
# minimal (rustup); builds with the committed lock file into
# target/msrv, apart from the stable build's target directory.
set -euo pipefail
cd "$(dirname "$0")/.."

rust_version() { # the rust-version of crate directory $1 (or the workspace's)
  local own
  own=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' "$1/Cargo.toml")
  if [ -n "$own" ]; then echo "$own"; else sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml; fi
}

for crate in core:authflowkit-core store:authflowkit-store cli:authflowkit; do
  dir=${crate%%:*} name=${crate#*:}
  version=$(rust_version "$dir")
  [ -n "$version" ] || { echo "msrv: $name has no rust-version" >&2; exit 1; }
  if ! rustup run "$version" rustc --version >/dev/null 2>&1; then
    rustup toolchain install "$version" --profile minimal
  fi
  cargo +"$version" build -q -p "$name" --locked --target-dir target/msrv
  echo "msrv: $name builds with Rust $version (its rust-version)"
done
