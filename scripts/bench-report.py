#!/usr/bin/env python3
"""Writes BENCHMARKS.md from criterion's estimates (target/criterion)."""
import json
import pathlib
import platform
import re
import subprocess

ROOT = pathlib.Path(__file__).resolve().parent.parent
CRITERION = ROOT / "target" / "criterion"
GOAL = 2.0


def mean_ns(group: pathlib.Path, function: str):
    path = group / function / "new" / "estimates.json"
    if not path.exists():
        return None
    return json.loads(path.read_text())["mean"]["point_estimate"]


def locked_version(name: str) -> str:
    lock = (ROOT / "Cargo.lock").read_text()
    match = re.search(r'name = "%s"\nversion = "([^"]+)"' % re.escape(name), lock)
    return match.group(1) if match else "?"


def cpu() -> str:
    for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def fmt(ns):
    return "—" if ns is None else (f"{ns / 1000:.2f} µs" if ns >= 1000 else f"{ns:.0f} ns")


rows = []
for group in sorted(p for p in CRITERION.iterdir() if p.is_dir() and p.name != "report"):
    ours, peer = mean_ns(group, "authflow"), mean_ns(group, "oauth2")
    title = json.loads((group / "authflow" / "new" / "benchmark.json").read_text())["group_id"]
    if peer is None:
        rows.append(f"| {title} | {fmt(ours)} | — (no such operation) | — | — |")
    else:
        ratio = peer / ours
        verdict = "met" if ratio >= GOAL else "**not met**"
        rows.append(f"| {title} | {fmt(ours)} | {fmt(peer)} | {ratio:.2f}× | {verdict} |")

rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
print(f"""# Benchmarks

Written by `scripts/bench.sh` from one run; every row measures authflow and
its peer in the same process, one after the other. Ratio = peer time ÷
authflow time (above 1: authflow is faster). Absolute times are for
orientation only: these machines are shared and noisy.

Machine: {cpu()}, {subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()} cores; {rustc}.
Versions: authflow-core {locked_version("authflow-core")}, oauth2 {locked_version("oauth2")}, criterion {locked_version("criterion")}.

## Rust: authflow-core vs oauth2 (goal ≥ {GOAL:.0f}×)

| operation | authflow | oauth2 | ratio | goal |
|---|---:|---:|---:|---|
""" + "\n".join(rows) + """

What each row does:
- *authorization URL*: authflow's `authorization_request` including 48 bytes
  from the OS (`getrandom`), against `BasicClient::authorize_url` with
  `CsrfToken::new_random` and `PkceCodeChallenge::new_random_sha256`.
- *validate a callback*: `PendingAuthorization::validate` (duplicates, state
  in constant time, iss, age, error, code) against the URL parse and state
  comparison oauth2's examples write by hand (oauth2 has no such function).
- *parse a token / error response*: authflow's tolerant parser (status,
  error-with-200, every provider's shapes, absolute expiry, clock skew,
  secrets moved into zeroizing types) against `serde_json` into oauth2's
  `BasicTokenResponse` / `BasicErrorResponse`, which is what oauth2 does.
- *session hot path*: `Session::poll_action` with a valid token, formatted as
  a bearer header; oauth2 has no session.
""")
