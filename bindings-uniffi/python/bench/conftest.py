"""pytest-benchmark writes every round's time into --benchmark-json (a
hundred MB for this run); the report needs the statistics only."""


def pytest_benchmark_update_json(config, benchmarks, output_json):  # noqa: ARG001 (the hook's signature)
    for bench in output_json.get("benchmarks", []):
        bench.get("stats", {}).pop("data", None)
