"""Writes target/bench/python.json from one pytest-benchmark run of
bench_python.py (its --benchmark-json) and the concurrency row it wrote.

For a row short of the goal it profiles authflow's call: the FFI crossings
one call makes (counted through UniFFI's generated module), the cost of the
cheapest exported call measured in the same run, and a cProfile listing
(written beside the report) for the details.

    python report.py --benchmark B.json --concurrency C.json --out python.json [--profile P.txt]
"""

from __future__ import annotations

import argparse
import cProfile
import collections
import importlib.metadata
import io
import json
import pathlib
import platform
import pstats
import typing

import footprint
import operations

# Issue 14: at least as fast as the faster of oauthlib and Authlib on every row.
GOAL = 1.0
PEERS = ("oauthlib", "Authlib")

# What UniFFI's generated module calls the FFI for, in words.
CROSSING_KINDS = (
    ("fn_clone_", "handle clone"),
    ("rustbuffer_alloc", "buffer alloc"),
    ("rustbuffer_reserve", "buffer grow"),
    ("rustbuffer_free", "buffer free"),
    ("fn_free_", "object free"),
)


def fmt_ns(ns: float) -> str:
    return f"{ns / 1000:.1f} µs" if ns >= 1000 else f"{ns:.0f} ns"


def describe(counts: typing.Dict[str, int]) -> str:
    kinds: typing.Counter[str] = collections.Counter()
    for name, n in counts.items():
        kind = next((word for marker, word in CROSSING_KINDS if marker in name), "the call")
        kinds[kind] += n
    order = ["handle clone", "buffer alloc", "buffer grow", "the call", "buffer free", "object free"]
    return ", ".join(f"{kinds[k]}× {k}" if kinds[k] > 1 else k for k in order if kinds[k])


def profile(op: operations.Op, rounds: int = 3000) -> typing.Tuple[str, float, float, typing.Dict[str, float]]:
    """cProfile of ``rounds`` calls: the listing, the shares of the time
    spent lowering arguments and lifting results in UniFFI's generated
    module (crossings made there included), and the calls from Rust back
    into Python per call (callback interfaces, by method name)."""
    for _ in range(200):
        op()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(rounds):
        op()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(12)
    generated = str(pathlib.Path(operations.af.__file__).parent / "_native")
    shares = {"lower": 0.0, "lift": 0.0}
    callbacks: typing.Dict[str, float] = {}
    for (filename, _, function), (_, calls, _, cumulative, callers) in stats.stats.items():  # type: ignore[attr-defined]
        if not filename.startswith(generated):
            continue
        if function in shares:
            shares[function] += cumulative
        # A callback-interface method is entered from the C trampoline, not
        # from Python: its caller is `_uniffi_trait_interface_call`'s closure
        # or nothing at all; the trampolines call `_uniffi_trait_interface_call`.
        if function == "_uniffi_trait_interface_call":
            for (_, _, caller), _stats in callers.items():
                callbacks[caller] = callbacks.get(caller, 0.0) + _stats[0] / rounds
    total = stats.total_tt  # type: ignore[attr-defined]
    return out.getvalue(), shares["lower"] / total, shares["lift"] / total, callbacks


def ffi_internals() -> typing.Dict[str, float]:
    """What UniFFI's generated Python costs apart from the work in Rust, in
    ns (best of 5): a bare ctypes call into the library, the same call
    through the generated wrapper, the status object that wrapper builds
    for every call, and lowering the arguments of the short rows (a buffer
    allocated, grown and written in Python, one call into Rust for each
    allocation; the free Rust does when it consumes the buffer is included,
    as one more crossing) against the zero-copy ``&[u8]`` form. Empty where
    the generated module has none of these names."""
    import timeit

    from authflowkit._native import authflow as native

    lib = getattr(native, "_UniffiLib", None)
    status = getattr(native, "_UniffiRustCallStatus", None)
    buffer = getattr(native, "_UniffiRustBuffer", None)
    contract = getattr(lib, "ffi_authflow_uniffi_uniffi_contract_version", None)
    url = (operations.REDIRECT + "?code=" + operations.CODE + "&state=" + "s" * 22)
    response = operations.response(200, operations.TOKEN_BODY)

    def lowered(converter: str, value: typing.Any) -> typing.Optional[operations.Op]:
        convert = getattr(native, converter, None)
        if convert is None or buffer is None:
            return None
        return lambda: buffer.free(convert.lower(value))

    byref = getattr(native, "_UniffiFfiConverterByRefBytes", None)
    candidates: typing.Dict[str, typing.Optional[operations.Op]] = {
        "a bare ctypes call (uniffi_contract_version)": contract,
        "the same call through UniFFI's wrapper (_uniffi_rust_call)":
            None if contract is None else (lambda: native._uniffi_rust_call(contract)),
        "UniFFI's _UniffiRustCallStatus.default(), built for every call":
            getattr(status, "default", None),
        f"a {len(url)}-byte str argument (buffer alloc + grow, and its free)":
            lowered("_UniffiFfiConverterString", url),
        f"the same {len(url)} bytes as a &[u8] argument (zero-copy)":
            None if byref is None else (lambda: byref.lower(url.encode())),
        "the token row's HttpResponse record (alloc + grows, and its free)":
            lowered("_UniffiFfiConverterTypeHttpResponse", response),
        "a GrantType enum argument (a buffer too, and its free)":
            lowered("_UniffiFfiConverterTypeGrantType", operations.af.sansio.GrantType.AUTHORIZATION_CODE),
    }
    found: typing.Dict[str, float] = {}
    for name, fn in candidates.items():
        if fn is not None:
            found[name] = min(timeit.repeat(fn, number=20000, repeat=5)) / 20000 * 1e9
    return found


def proposed_wrapper_ns(op: operations.Op) -> typing.Optional[float]:
    """``op``'s time (ns, best of 5) with UniFFI's per-call wrapper replaced,
    for this measurement only, by the change BENCHMARKS.md proposes
    upstream: the status struct zero-initialised by ctypes instead of built
    field by field, and read only when the call failed. Same behaviour;
    None where the generated module has other names."""
    import ctypes
    import timeit

    from authflowkit._native import authflow as native

    status_type = getattr(native, "_UniffiRustCallStatus", None)
    check = getattr(native, "_uniffi_check_call_status", None)
    original = getattr(native, "_uniffi_rust_call_with_error", None)
    if status_type is None or check is None or original is None:
        return None

    def proposed(error_ffi_converter: typing.Any, fn: typing.Any, *args: typing.Any) -> typing.Any:
        status = status_type()
        result = fn(*args, ctypes.byref(status))
        if status.code:
            check(error_ffi_converter, status)
        return result

    native._uniffi_rust_call_with_error = proposed
    try:
        return min(timeit.repeat(op, number=5000, repeat=5)) / 5000 * 1e9
    finally:
        native._uniffi_rust_call_with_error = original


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--benchmark", required=True, type=pathlib.Path)
    parser.add_argument("--concurrency", required=True, type=pathlib.Path)
    parser.add_argument("--out", required=True, type=pathlib.Path)
    parser.add_argument("--profile", type=pathlib.Path, help="where to write the cProfile listings")
    parser.add_argument("--wheel", type=pathlib.Path, help="authflow's wheel, for its size")
    args = parser.parse_args()

    results = json.loads(args.benchmark.read_text())["benchmarks"]
    means: typing.Dict[typing.Tuple[str, str], float] = {}
    variant_ns: typing.Dict[str, float] = {}
    floor_ns = None
    for bench in results:
        info = bench["extra_info"]
        ns = bench["stats"]["mean"] * 1e9
        if info["kind"] == "row":
            means[(info["row"], info["library"])] = ns
        elif info["kind"] == "variant":
            variant_ns[info["name"]] = ns
        elif info["kind"] == "floor":
            floor_ns = ns
    if floor_ns is None:
        raise SystemExit("report.py: the run has no FFI floor benchmark")

    rows, _, floor = operations.build()
    floor_crossings = sum(operations.count_crossings(next(iter(floor.values()))).values())
    per_crossing = floor_ns / floor_crossings
    internals = ffi_internals()
    bare = next((ns for name, ns in internals.items() if "bare" in name), None)
    listings = [f"One exported call (the floor): {fmt_ns(floor_ns)} for {floor_crossings} crossings\n"]
    listings += [f"{name}: {fmt_ns(ns)}\n" for name, ns in internals.items()]
    out_rows = []
    for row in rows:
        authflow_ns = means.get((row.key, "authflow"))
        if authflow_ns is None:
            raise SystemExit(f"report.py: the run has no authflow result for {row.key}")
        peers = {peer: (None if row.ops.get(peer) is None else means.get((row.key, peer))) for peer in PEERS}
        ratios = {peer: ns / authflow_ns for peer, ns in peers.items() if ns is not None}
        note = ""
        if ratios and min(ratios.values()) < GOAL:
            counts = operations.count_crossings(row.ops["authflow"])  # type: ignore[arg-type]
            crossings = sum(counts.values())
            fastest_peer, fastest_ns = min(((p, ns) for p, ns in peers.items() if ns is not None), key=lambda x: x[1])
            budget = fastest_ns / GOAL
            listing, lower, lift, callbacks = profile(row.ops["authflow"])  # type: ignore[arg-type]
            back = "".join(f", plus {n:g} call{'s' if n != 1 else ''} from Rust back into Python ({name}())"
                           for name, n in callbacks.items() if n)
            spent = [f"{share:.0%}" + (" of the call" if not i else "") + f" {what}" for i, (share, what) in
                     enumerate((s, w) for s, w in ((lower, "lowering the arguments"), (lift, "lifting the result"))
                               if s >= 0.01)]
            note = (
                f"UniFFI's Python side dominates: {crossings} FFI crossings per call ({describe(counts)}) at "
                f"~{fmt_ns(per_crossing)} each (a trivial exported method takes {fmt_ns(floor_ns)}"
                + (f", a bare ctypes call {fmt_ns(bare)}" if bare is not None else "") + f"){back}"
                + (f", and its pure-Python RustBuffer code (cProfile: {', '.join(spent)})" if spent else "")
                + f". The goal needs <= {fmt_ns(budget)} ({fastest_peer} {fmt_ns(fastest_ns)} / {GOAL:g}), "
                + ("less than one trivial call across the FFI." if budget < floor_ns else
                   f"less than this call's {crossings} crossings alone." if budget < crossings * per_crossing else
                   "which this call's crossings alone would fit in: the Python-side conversions are what goes over.")
            )
            proposed = proposed_wrapper_ns(row.ops["authflow"])  # type: ignore[arg-type]
            if proposed is not None:
                note += (f" With the per-call wrapper changed as proposed (BENCHMARKS.md, Python floor): "
                         f"{fmt_ns(proposed)} (timeit, best of 5).")
            others = [(name, ns) for name, ns in variant_ns.items() if name.startswith(row.key + ":")]
            for name, ns in others:
                note += f" (Other authflowkit call: {name.split(': ', 1)[1]}: {fmt_ns(ns)}.)"
            listings.append(f"\n=== {row.operation}: authflow {fmt_ns(authflow_ns)}, crossings {counts}\n" + listing)
        out_rows.append({
            "operation": row.operation,
            "authflow_ns": round(authflow_ns, 1),
            "peers": {peer: (None if ns is None else round(ns, 1)) for peer, ns in peers.items()},
            "note": note,
        })

    concurrency = json.loads(args.concurrency.read_text())
    versions = {
        "python": platform.python_version(),
        "oauthlib": importlib.metadata.version("oauthlib"),
        "Authlib": importlib.metadata.version("Authlib"),
        "pytest-benchmark": importlib.metadata.version("pytest-benchmark"),
    }
    report = {
        "title": f"Python: authflow (UniFFI) vs oauthlib {versions['oauthlib']} / Authlib {versions['Authlib']}",
        "goal": GOAL,
        "versions": versions,
        "rows": out_rows,
        "concurrency": concurrency,
        # The generated code's own costs (ns): what no change of ours removes.
        "floor": {"trivial_method_ns": round(floor_ns, 1), "trivial_method_crossings": floor_crossings,
                  "trivial_method_proposed_wrapper_ns": proposed_wrapper_ns(next(iter(floor.values()))),
                  "parts_ns": {name: round(ns, 1) for name, ns in internals.items()}},
        "footprint": footprint.measure(args.wheel),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    if args.profile is not None:
        args.profile.write_text("".join(listings))

    width = max(len(r["operation"]) for r in out_rows)
    print(f"\n{report['title']} (ratio = peer time / authflow time, goal >= {GOAL:g})")
    for r in out_rows:
        cells = []
        for peer in PEERS:
            ns = r["peers"][peer]
            cells.append(f"{peer} —" if ns is None else f"{peer} {fmt_ns(ns)} ({ns / r['authflow_ns']:.2f}x)")
        print(f"  {r['operation']:<{width}}  authflow {fmt_ns(r['authflow_ns']):>9}  " + "  ".join(cells))
    for c in concurrency:
        print(f"  {c['runtime']}: {c['callers']} callers, {c['refreshes']} refresh(es), "
              f"{c['replays']} replay(s), all hold the new token after {c['ms_until_all']:.1f} ms")
    for name, ns in internals.items():
        print(f"  floor: {name}: {fmt_ns(ns)}")
    for f in report["footprint"]:
        print(f"  {f['library']}: {f['import']} {f['import_ms']:.1f} ms, installed {f['installed_bytes']} bytes"
              + (f", wheel {f['wheel_bytes']} bytes" if "wheel_bytes" in f else "")
              + f", {f['session_bytes']} bytes per session")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
