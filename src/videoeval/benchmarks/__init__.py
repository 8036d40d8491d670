"""The benchmark registry: ids used on the command line and in metrics.json.

Every module of this package that defines ``BENCHMARK`` (or a tuple ``BENCHMARKS``) is
registered: adding a benchmark is adding its module.
"""

from __future__ import annotations

import importlib
import pkgutil

from videoeval.benchmarks.base import Benchmark, LoadResult, View


def _discover() -> dict[str, Benchmark]:
    found: dict[str, Benchmark] = {}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module_info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        declared = getattr(module, "BENCHMARKS", None) or (getattr(module, "BENCHMARK", None),)
        for benchmark in declared:
            if isinstance(benchmark, Benchmark):
                if benchmark.id in found:
                    raise RuntimeError(f"benchmark id {benchmark.id!r} is declared twice")
                found[benchmark.id] = benchmark
    return found


BENCHMARKS: dict[str, Benchmark] = _discover()


def get_benchmark(benchmark_id: str) -> Benchmark:
    try:
        return BENCHMARKS[benchmark_id]
    except KeyError:
        known = ", ".join(BENCHMARKS)
        raise KeyError(f"unknown benchmark {benchmark_id!r}; known: {known}") from None


__all__ = ["BENCHMARKS", "Benchmark", "LoadResult", "View", "get_benchmark"]
