#!/usr/bin/env python3
"""Writes BENCHMARKS.md (to stdout) from one run of scripts/bench.sh.

Reads criterion's estimates (target/criterion: the Rust rows) and every
target/bench/*.json that the other parts wrote, each of the shape

    {"title": "...", "goal": 2.0, "versions": {...}, "method": "...",
     "rows": [{"operation": "...", "authflow_ns": <mean ns or null>,
               "peers": {"<peer>": <mean ns or null>},
               "also": {"<another build of authflow>": <mean ns or null>},
               "note": "...",
               "profile": {...}}],
     "concurrency": [{"runtime": "...", "callers": N, "refreshes": N,
                      "replays": N, "ms_until_all": X, "rounds": N,
                      "ms_one_caller": X, "all_hold_new_token": true, "note": "..."}],
     "sizes": [{"what": "...", "authflow_bytes": N, "peer": "...",
                "peer_bytes": M, "note": "..."}]}

(every key optional but the title; other JSON there, such as a tool's raw
output, is left out). Each file's rows become a section of their own
(ratio = peer time / authflow time, per peer; the goal is met when every
peer's ratio reaches it); the concurrency and size entries of all files are
gathered into one table each.
"""
import datetime
import json
import os
import pathlib
import platform
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
TARGET = pathlib.Path(os.environ.get("AUTHFLOW_TARGET_DIR") or os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
if not TARGET.is_absolute():
    TARGET = ROOT / TARGET
CRITERION = TARGET / "criterion"
BENCH = TARGET / "bench"
# Issue 14: done when at least as fast as oauth2 on every row; the goal is 2x.
REQUIRED = 1.0
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


def command(*args: str) -> str:
    try:
        return subprocess.run(args, capture_output=True, text=True).stdout.strip()
    except OSError:
        return "?"


def load() -> str:
    try:
        return ", ".join(pathlib.Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def fmt(ns):
    if ns is None:
        return "— (no such operation)"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1000:
        return f"{ns / 1000:.2f} µs"
    return f"{ns:.0f} ns"


def fmt_bytes(n):
    return "—" if n is None else f"{n:,} B ({n / 1024:.1f} KiB)"


def verdict(ratios, goal):
    if not ratios:
        return "—"
    return "met" if all(r >= goal for r in ratios) else "**not met**"


# Each part timed alone (a "part:" group) and the row it belongs to.
PARTS = {
    "part: 48 bytes from rand::rng()": "authorization URL with state + PKCE S256",
}
# oauth2's side of a row without what oauth2 wraps around it (a "part:"
# group timed as "oauth2"), and the row.
PEER_FLOORS = {
    "part: serde_json alone into BasicTokenResponse": "parse a token response",
    "part: serde_json alone into BasicErrorResponse": "parse an error response",
}


def criterion_section():
    if not CRITERION.is_dir():
        return None
    rows = []
    means = {}
    peer_means = {}
    for group in sorted(p for p in CRITERION.iterdir() if p.is_dir() and p.name != "report"):
        metas = [group / side / "new" / "benchmark.json" for side in ("authflow", "oauth2")]
        meta = next((m for m in metas if m.exists()), None)
        if meta is None:
            continue
        ours, peer = mean_ns(group, "authflow"), mean_ns(group, "oauth2")
        title = json.loads(meta.read_text())["group_id"]
        means[title] = ours
        peer_means[title] = peer
        if title.startswith("part: "):
            continue
        if peer is None:
            rows.append(f"| {title} | {fmt(ours)} | {fmt(None)} | — | — | — |")
        else:
            ratio = peer / ours
            rows.append(
                f"| {title} | {fmt(ours)} | {fmt(peer)} | {ratio:.2f}× "
                f"| {verdict([ratio], REQUIRED)} | {verdict([ratio], GOAL)} |"
            )
    if not rows:
        return None
    parts = []
    for part, row in PARTS.items():
        if means.get(part) is not None and means.get(row):
            share = 100 * means[part] / means[row]
            parts.append(f"| {row} | {part[len('part: '):]} | {fmt(means[part])} | {share:.0f}% |")
    floors = []
    for part, row in PEER_FLOORS.items():
        if peer_means.get(part) is not None and means.get(row):
            floors.append(
                f"| {row} | {fmt(means[row])} | {fmt(peer_means[part])} | {peer_means[part] / means[row]:.2f}× |"
            )
    floors_table = ""
    if floors:
        floors_table = """
oauth2's side without what it wraps around `serde_json` (the floor of the
token and error rows; no oauth2 call runs it alone): `serde_json` into
`BasicTokenResponse` / `BasicErrorResponse`, timed in the same run. Until
December 7 this was the rows' peer side.

| row | authflow | serde_json alone | ratio |
|---|---:|---:|---:|
""" + "\n".join(floors) + "\n"
    parts_table = floors_table
    if parts:
        parts_table += """
What dominates the rows short of the goal: parts of them timed alone in the
same run (`parts` in `benches/benches/peer.rs`), as a share of the row.

| row | part | time | share of the row |
|---|---|---:|---:|
""" + "\n".join(parts) + """

The parsers no longer build a generic JSON map: they walk the body once,
check all of it as strictly as before (depth, repeated names, UTF-8), borrow
strings from the body (copying only those with escapes), and build values
only for the unknown members kept in `extra`; the token response is read
straight into the members a token set holds, an error response into the
members its words come from, the other responses through
`json::Members`. One parser still accepts every provider's shapes (numbers
as strings, scope lists, errors with 200).

Changed after profiling (issue 14, December 6): the scan for a string's
end, and for a secret's first byte in an error text, went from a byte to
a word (eight bytes) per step (`core/src/byte_scan.rs`; 20% and 23% of
the token and error rows); the character rules of tokens, scopes and
error texts became one lookup table; an integer of digits only is read
without the general number path, and forms (the authorization URL's
query, token request bodies) are written by the core's own `FormWriter`,
which copies a value that needs no encoding whole (38% of the
authorization URL row had gone to `form_urlencoded`'s serializer; 1.33
→ 0.90 µs). Measured alone (the minimum of 15 runs
of each side, alternating): token row 506 → 379 ns against oauth2's
~420 ns, error row 841 → 564 ns against ~231 ns. In the browser package
the scans stay a byte at a time: the word loop would cost each entry
about 160 bytes gzipped (bindings-wasm/SIZE.md comes first there).

Changed after profiling (issue 14, December 7), the error row: an
error's message is put together when it is read (`Error::message`,
`Display`) instead of for every error response, most errors being
handled by their kind and action; the core's own words are kept as
`&'static str`, which are not searched for secrets (written in the crate,
they cannot hold one; the provider's words, the detail and text built at
run time still are); a secret is looked for without building a list
first; an `error_uri` of the usual plain shape (`https://host/path`, no
percent-encoding) is checked in one pass, the full RFC 3986 parser kept
for the rest (a test holds the one pass to never accept what the parser
refuses); error texts are checked a word at a time. Measured alone (the
minimum of 15 runs of each side, alternating): 761 → about 420 ns
against oauth2's ~235 (0.35 → 0.56×); counted with valgrind, 6,823 →
4,514 instructions per call against oauth2's 2,834, and 8 → 5 heap
allocations (the members read, the provider's code, description and
URI, the boxed error) against oauth2's 3. Still short of 1×: reading the
body (about 1,400 instructions, the members' names and values checked as
strictly as the token response's), clearing the provider's three texts
of the client's secret in both forms it is sent in (about 550), and
freeing what the error holds (about 500) are each work oauth2 does not
do or does with less (no error is kept beyond the code's variant and two
strings).

Changed after profiling (issue 14, December 7, later), the error row: the
body is read in one pass into the members the provider's words come from
(`ErrorMembers`, as the token response's), the values of secret-named
members collected on the way; the provider's four texts are kept in one
string (`ProviderError`, read by accessors), one allocation instead of up
to four, and searched for each secret in one scan. Counted with valgrind,
4,122 → 3,140 instructions per call against oauth2's 2,727, and 5 → 2
heap allocations (the boxed error, the provider's texts) against
oauth2's 3. The browser package pays for it: +936 B gzip in the default
entry (bindings-wasm/SIZE.md).
A token response costs 5 heap allocations against
oauth2's 9.

The authorization URL's entropy comes from `rand`'s thread-local generator
(seeded from the OS once per thread), as oauth2's does, instead of a
system call per URL; the core still takes entropy as an argument.

Changed after profiling: validating a callback parsed the whole redirect URL
(`url::Url::parse`, 55% of the row, 218 of 398 ns in an earlier run) only
to read its query; it now reads the query alone (after the first `?`, up to
a `#`, trimmed and without tabs and newlines as a URL parser would), with
three golden vectors for fragments and pasted URLs, and borrows it from the
redirect unless there are tabs or newlines to drop.

Changed after profiling (issue 14, December 7, last), the authorization
URL and callback rows: base64url (the state, the verifier, the challenge)
is written and read four characters at a time natively, with a table of
values (the browser module keeps its loops of a character at a time:
bindings-wasm/SIZE.md); a value that needs form encoding (the redirect
URI) is encoded with the byte-class table instead of `form_urlencoded`'s
serializer, and a URL's query or a body starts with 512 bytes of room
(the URL had been copied as it grew); forms are read by the core's own
parser, which borrows a name or value without `+` or `%`
(`form_urlencoded::parse` decoded each one and checked it for UTF-8 in
chunks: 42% of the callback row). Counted with valgrind (SHA-256 in
software there), per call: authorization URL 14,354 → 11,125
instructions, callback 5,767 → 4,631; with criterion the authorization
URL went 822 → 552 ns (1.52 → 2.23× oauth2). The reader and writer are
held to `form_urlencoded` by unit tests, a proptest and a differential
fuzz target (`form_matches_form_urlencoded`).

Changed (issue 14, December 7, the benchmarks): the token and error rows'
peer side had been `serde_json` alone into oauth2's types, which this
report called what oauth2 does. It is less: every answer of a token
endpoint oauth2 reads goes through its private `endpoint_response`
(`src/endpoint.rs`), which checks the status and the Content-Type
(lower-cased into a new string) and deserializes through
`serde_path_to_error`. Counted with valgrind, oauth2's side of the error
row is 2,939 instructions per call with `serde_json` alone and 4,825
along its own path (authflow: 3,402). The rows now time a copy of that
path; `serde_json` alone is timed in the same run and reported as the
rows' floor. The refresh row times oauth2's whole public
`exchange_refresh_token(..).request(..)` against authflow's request and
parse. Measured for that row: a request's header values are wiped when it
is dropped (its `Authorization` header holds the client's Basic
credentials, which the body's type already wiped when sent there), the
credentials are moved into the request rather than copied, and the header
list starts with room for four: 11,650 → 11,138 instructions per refresh.

Changed after profiling (issue 14, December 8), the callback row: the
redirect's query is text already, so its names and values are borrowed
from it without checking their UTF-8 again (`form::parse_str`, held to
`form_urlencoded` by unit tests, a proptest and the
`form_matches_form_urlencoded` fuzz target), and its pairs are split at
`&` and `=` a byte at a time (`str::split`'s search for a character cost
more than the rest for a pair's few bytes). Counted with callgrind, 4,370
→ 3,710 instructions per validation; of what is left, a quarter is the
heap: the code, the state and the pending authorization's values the
validated callback owns (it outlives the redirect and the pending
authorization it came from).
"""
    return f"""## Rust: authflowkit-core vs oauth2 (required ≥ {REQUIRED:g}×, goal ≥ {GOAL:g}×)

criterion {locked_version("criterion")}, 2 s warm-up and 5 s of measurement per function
(`benches/benches/peer.rs`); the mean of each.

| operation | authflow | oauth2 | ratio | ≥ 1× | ≥ 2× |
|---|---:|---:|---:|---|---|
""" + "\n".join(rows) + """

What each row does:
- *authorization URL*: authflow's `authorization_request` including drawing
  its 48 bytes of entropy (`rand::rng()`, as the examples do), against
  `BasicClient::authorize_url` with `CsrfToken::new_random` and
  `PkceCodeChallenge::new_random_sha256`.
- *validate a callback*: `PendingAuthorization::validate` (duplicates, state
  in constant time, iss, age, error, code) against the URL parse and state
  comparison oauth2's examples write by hand (oauth2 has no such function).
- *parse a token / error response*: authflow's `parse_token_response`
  (status, error-with-200, every provider's shapes, absolute expiry, clock
  skew, secrets moved into zeroizing types; for the error, its kind,
  action and the provider's words cleared of the client's secret) against
  what oauth2 5 does with every answer of a token endpoint:
  `endpoint_response` in its `src/endpoint.rs` (the status, the
  Content-Type, then `serde_path_to_error` over `serde_json` into
  `BasicTokenResponse` / `BasicErrorResponse`), copied line for line
  because it is private to oauth2.
- *refresh: request built, answer parsed*: authflow's `refresh_request_for`
  and `parse_refresh_response` against oauth2's public
  `exchange_refresh_token(..).request(..)`; both send Basic credentials,
  and each side's HTTP client is a stand-in that hands back a copy of the
  same 200 answer.
- *session hot path*: `Session::poll_action` with a valid token, formatted as
  a bearer header; oauth2 has no session.
""" + parts_table


def rows_section(name, data):
    rows = data.get("rows") or []
    if not rows:
        return None
    goal = float(data.get("goal", GOAL))
    peers, also = [], []
    for row in rows:
        for peer in (row.get("peers") or {}):
            if peer not in peers:
                peers.append(peer)
        for other in (row.get("also") or {}):
            if other not in also:
                also.append(other)
    head = ("| operation | authflow | " + "".join(f"{a} | " for a in also)
            + " | ".join(f"{p} | ratio" for p in peers) + " | goal |")
    rule = "|---|---:|" + "---:|" * len(also) + "---:|---:|" * len(peers) + "---|"
    lines = [head, rule]
    notes = []
    for row in rows:
        ours = row.get("authflow_ns")
        # Other builds of authflow timed beside it: shown, no ratio ("—"
        # where the row has none: the import in Chromium loads one entry).
        cells = [fmt(ns) if ns is not None else "—"
                 for ns in ((row.get("also") or {}).get(other) for other in also)]
        ratios = []
        for peer in peers:
            theirs = (row.get("peers") or {}).get(peer)
            cells.append(fmt(theirs))
            if ours and theirs:
                ratio = theirs / ours
                ratios.append(ratio)
                cells.append(f"{ratio:.2f}×")
            else:
                cells.append("—")
        lines.append(f"| {row['operation']} | {fmt(ours)} | " + " | ".join(cells) + f" | {verdict(ratios, goal)} |")
        if row.get("note"):
            notes.append(f"- *{row['operation']}*: {row['note']}")
    out = [f"## {data.get('title', name)} (goal ≥ {goal:g}×)", ""]
    out.append(f"From `{name}`, written {written(name)}.")
    if data.get("method"):
        out.append(f"Method: {data['method']}")
    out += ["", *lines, ""]
    if notes:
        out += ["What each row does:", *notes, ""]
    profiled = [row for row in rows if row.get("profile")]
    if profiled:
        out += [
            "Where authflow's side is short of the goal, what dominates it (a CPU profile",
            "of that side alone, `node --cpu-prof`, in a plain loop; shares of the samples):",
        ]
        for row in profiled:
            profile = row["profile"]
            kinds = ", ".join(f"{k['name']} {k['share']:g}%" for k in profile.get("by_kind", [])[:4])
            hot = "; ".join(f"{code_name(h['name'])} {h['share']:g}%" for h in profile.get("hottest_inclusive", [])[:6])
            out.append(f"- *{row['operation']}*: by kind of code: {kinds}. Heaviest calls (inclusive): {hot}.")
        module = profiled[0]["profile"].get("module")
        if module:
            folder = pathlib.Path(profiled[0]["profile"].get("file", "?")).parent.parent
            out.append(f"  (Profiled against `{module}`, whose module keeps its function names; the `.cpuprofile` files are in `{folder}`.)")
        out.append("")
    return "\n".join(out)


def code_name(label):
    """`function` [file] from a profile label "function  [file]"."""
    name, _, where = label.partition("  [")
    return f"`{name}`" + (f" [{where.rstrip(']')}]" if where else "")


def written(name):
    stamp = datetime.datetime.fromtimestamp((BENCH / name).stat().st_mtime)
    return stamp.strftime("%Y-%m-%d %H:%M:%S")


def concurrency_section(entries):
    if not entries:
        return None
    lines = [
        "## Concurrency: callers asking for a token at expiry (goal: exactly 1 refresh, no replay)",
        "",
        "| runtime | callers | rounds | refresh requests the provider saw | replays | until all hold the new token | one caller, same refresh | goal | from |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    notes = []
    for name, entry in entries:
        refreshes, replays = entry.get("refreshes"), entry.get("replays")
        met = refreshes == 1 and (replays or 0) == 0 and entry.get("all_hold_new_token", True)
        ms, alone = entry.get("ms_until_all"), entry.get("ms_one_caller")
        lines.append(
            f"| {entry.get('runtime', '?')} | {entry.get('callers', '?')} | {entry.get('rounds', 1)} "
            f"| {refreshes if refreshes is not None else '—'} | {replays if replays is not None else '—'} "
            f"| {'—' if ms is None else f'{ms:.1f} ms'} | {'—' if alone is None else f'{alone:.1f} ms'} "
            f"| {'met' if met else '**not met**'} | `{name}` |"
        )
        if entry.get("note"):
            notes.append(f"- *{entry.get('runtime', '?')}*: {entry['note']}")
    return "\n".join(lines + [""] + notes + [""])


def sizes_section(entries):
    if not entries:
        return None
    lines = [
        "## Sizes (gzip -9; reported side by side, no goal)",
        "",
        "| what | authflow | peer | peer's size | authflow ÷ peer |",
        "|---|---:|---|---:|---:|",
    ]
    notes = []
    for _, entry in entries:
        ours, theirs = entry.get("authflow_bytes"), entry.get("peer_bytes")
        ratio = f"{ours / theirs:.1f}×" if ours and theirs else "—"
        lines.append(f"| {entry.get('what', '?')} | {fmt_bytes(ours)} | {entry.get('peer', '—')} | {fmt_bytes(theirs)} | {ratio} |")
        if entry.get("note"):
            notes.append(f"- *{entry.get('what', '?')}*: {entry['note']}")
    return "\n".join(lines + [""] + notes + [""])


def floor_section(name, data):
    """UniFFI's own costs under every Python row (report.py's `floor`), and
    the smallest change upstream that removes them."""
    floor = data.get("floor")
    if not floor:
        return None
    proposed = floor.get("trivial_method_proposed_wrapper_ns")
    lines = [
        f"### The floor: what UniFFI's generated Python costs by itself (`{name}`)",
        "",
        f"One trivial exported method (a bool from an object, `Client.has_client_secret()`): "
        f"{fmt(floor.get('trivial_method_ns'))} in the run, {floor.get('trivial_method_crossings', '?')} "
        "crossings (the receiver's handle cloned, then the call). Its parts, and what arguments cost to lower "
        "(timeit, best of 5, each alone):",
        "",
        "| what | time |",
        "|---|---:|",
    ]
    lines += [f"| {what} | {fmt(ns)} |" for what, ns in (floor.get("parts_ns") or {}).items()]
    if proposed:
        lines.append(f"| the trivial method with the per-call wrapper changed as proposed (1. below) | {fmt(proposed)} |")
    lines += [
        "",
        "Every crossing goes through `_uniffi_rust_call_with_error`, which builds a `RustCallStatus` (and the",
        "`RustBuffer` inside it) field by field in Python and reads it back after the call, several times a bare",
        "ctypes call; a method call adds one crossing to clone the receiver's handle, a returned object one more",
        "to free it, a returned string one to free its buffer; a `str` or record argument is written into a",
        "buffer that starts at 16 bytes and is grown by a call into Rust each time it is full. The binding already",
        "avoids what it can without changing UniFFI: `parse_token_response` and `validate` go through flat",
        "variants taking `&[u8]` (zero-copy, no buffer), and a client without an environment reads the clock and",
        "entropy in Rust (no call back into Python). What is left on the callback, token and hot-path rows is",
        "one clone, one call and one free, which alone take longer than the best peer's whole call; on the",
        "error row, lifting the error record field by field in Python is most of the call. The error classes'",
        "constructor is the package's own (`authflowkit/_errors.py`, December 7): UniFFI's formatted every field",
        "into a text `str(e)` never shows, and kept only that text as `args`, from which pickle cannot build the",
        "error again.",
        "",
        "The smallest changes upstream (uniffi-rs, in `uniffi_bindgen/src/bindings/python/templates/`), in order",
        "of what they remove:",
        "1. `_uniffi_rust_call_with_error`: create the status as `_UniffiRustCallStatus()` (ctypes zero-fills it,",
        "   which is `CALL_SUCCESS` with an empty buffer) and call `_uniffi_check_call_status` only when `code` is",
        "   not 0. Same behaviour; measured above and in each row's note (\"with the per-call wrapper changed as",
        "   proposed\").",
        "2. Lower `str` and record arguments into a Python `bytearray` sized once (Kotlin and Swift compute",
        "   `allocationSize` first) and hand it over as `ForeignBytes`, as `&[u8]` arguments already are:",
        "   no alloc or grow crossings (uniffi-rs #1586, \"bytes/strings can be passed more efficiently\";",
        "   #1779, \"RustBuffer should be a data pointer\").",
        "3. Borrow the receiver's handle for the duration of a method call instead of cloning it (the clone was",
        "   added for returned objects, uniffi-rs #1880; a receiver outlives its own call): one crossing less",
        "   per method call.",
        "",
    ]
    return "\n".join(lines)


def footprint_section(name, data):
    """What users feel besides per-call time (a part's `footprint`: Python's
    report.py, Node's bench.mjs)."""
    entries = data.get("footprint")
    if not entries:
        return None
    users = data.get("footprint_users", "Python")
    lines = [
        f"### What {users} users feel besides per-call time (`{name}`; reported, no goal)",
        "",
        "| library | import | import time | wheel | installed (unpacked) | memory per session |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for e in entries:
        ms = e.get("import_ms")
        lines.append(
            f"| {e.get('library', '?')} {e.get('version', '')} | `{e.get('import', '?')}` "
            f"| {'—' if ms is None else f'{ms:.1f} ms'} | {fmt_bytes(e.get('wheel_bytes'))} "
            f"| {fmt_bytes(e.get('installed_bytes'))} | {fmt_bytes(e.get('session_bytes'))} |"
        )
    method = data.get("footprint_method") or (
        "Import time: the median of fresh interpreters; memory per session: the resident set's growth over "
        "2,000 sessions holding a valid token, per session (bindings-uniffi/python/bench/footprint.py).")
    lines += ["", method, ""]
    return "\n".join(lines)


# A part's report is small; a part may leave raw output beside it (e.g.
# pytest-benchmark's own JSON, tens of MB): files over this size, and JSON
# that is not a report (not an object with a title and rows, concurrency or
# sizes), are left out, with a line on stderr.
MAX_REPORT_BYTES = 4 << 20


def is_report(data) -> bool:
    return isinstance(data, dict) and "title" in data and any(
        isinstance(data.get(key), list) for key in ("rows", "concurrency", "sizes"))


files = []
if BENCH.is_dir():
    for path in sorted(BENCH.glob("*.json")):
        if path.stat().st_size > MAX_REPORT_BYTES:
            print(f"bench-report.py: {path.name}: over {MAX_REPORT_BYTES} bytes, not a report; left out", file=sys.stderr)
            continue
        try:
            data = json.loads(path.read_text())
        except json.JSONDecodeError as error:
            raise SystemExit(f"bench-report.py: {path} is not valid JSON: {error}")
        if not is_report(data):
            print(f"bench-report.py: {path.name}: not a report (no title with rows, concurrency or sizes); left out", file=sys.stderr)
            continue
        files.append((path.name, data))

versions = [
    f"authflowkit-core {locked_version('authflowkit-core')}, oauth2 {locked_version('oauth2')}, "
    f"criterion {locked_version('criterion')} (Rust rows)"
]
for name, data in files:
    if data.get("versions"):
        versions.append(", ".join(f"{k} {v}" for k, v in data["versions"].items()) + f" (`{name}`)")

sections = [criterion_section()]
for name, data in files:
    sections += [rows_section(name, data), floor_section(name, data), footprint_section(name, data)]
sections.append(concurrency_section([(n, e) for n, d in files for e in d.get("concurrency") or []]))
sections.append(sizes_section([(n, e) for n, d in files for e in d.get("sizes") or []]))

print(f"""# Benchmarks

Written by `scripts/bench.sh` from one run; every row measures authflow and
its peer in the same process, one after the other. Ratio = peer time ÷
authflow time (above 1: authflow is faster). Absolute times are for
orientation only: these machines are shared and noisy.

Machine: {cpu()}, {command("nproc")} cores, {platform.system()} {platform.release()}; {command("rustc", "--version")}; Node {command("node", "--version")}; {platform.python_implementation()} {platform.python_version()}.
Load average (1, 5, 15 min) when this was written, this run included: {load()} (2 cores; above 2, other work competed with the run).

Versions:
""" + "\n".join(f"- {v}" for v in versions) + "\n")
print("\n".join(s for s in sections if s))
