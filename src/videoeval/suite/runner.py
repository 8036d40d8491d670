"""Every (model, benchmark) pair of a suite through the run engine, one after the other (on a
Ray cluster, several at once, sharing the cluster's workers), each in its own resumable folder
(``<out>/runs/<model>/<benchmark>``); a pair that fails is recorded with its cause and the others
go on. Then one report over every finished pair: the leaderboard, the published tables, and
metric-by-step tables for checkpoint sweeps."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from videoeval.api.run import RunRequest, prepare, run_async, run_view
from videoeval.api.score import default_protocol
from videoeval.benchmarks import get_benchmark
from videoeval.errors import VideoevalError
from videoeval.options import DenseOptions
from videoeval.protocols import DENSE, JUDGE, protocol_info
from videoeval.suite.file import Suite, SuiteBenchmark, SuiteModel


@dataclass
class PairResult:
    model: str
    benchmark: str
    folder: Path
    status: str
    """``ok``, or the kind of failure (``usage``, ``environment``, ``nothing_scored``)."""
    error: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    calls: int = 0
    cached: int = 0


@dataclass
class SuiteOutcome:
    pairs: list[PairResult]
    report: Path | None = None
    leaderboard: Path | None = None
    files: list[Path] = field(default_factory=list)


def request_for(suite: Suite, model: SuiteModel, bench: SuiteBenchmark) -> RunRequest:
    """The run of one pair: the model's frames (or the benchmark's preset), the suite's judge
    where the view's protocol reads one, the suite's cache and scoring."""
    view = run_view(get_benchmark(bench.id), bench.protocol)
    info = (
        protocol_info(bench.protocol) if bench.protocol
        else default_protocol(view, suite.judge is not None)
    )  # fmt: skip
    frames = model.frames
    if bench.preset is not None:
        frames = replace(type(frames)(), preset=bench.preset)
    dense = DenseOptions(language=bench.language) if bench.language is not None else None
    return RunRequest(
        bench.id, bench.annotations, bench.videos, model.model,
        out=suite.out / "runs" / model.label / bench.id, protocol=bench.protocol,
        limit=bench.limit, frames=frames, generation=model.generation, cache=suite.cache,
        local=model.local, scoring=suite.scoring,
        dense=dense if info.takes(DENSE) else None,
        judge=suite.judge if info.takes(JUDGE) else None, label=model.label,
        executor=suite.executor,
    )  # fmt: skip


def _status(exc: VideoevalError) -> str:
    from videoeval.errors import EnvironmentProblem, NothingToScoreError

    if isinstance(exc, NothingToScoreError):
        return "nothing_scored"
    return "environment" if isinstance(exc, EnvironmentProblem) else "usage"


PAIRS_AT_ONCE = 8
"""Pairs asked together on a Ray cluster."""


async def run_suite_async(
    suite: Suite,
    on_pair: Callable[[PairResult], None] | None = None,
    on_row: Callable[[dict[str, Any]], None] | None = None,
) -> SuiteOutcome:
    async def one(model: SuiteModel, bench: SuiteBenchmark) -> PairResult:
        request = request_for(suite, model, bench)
        assert request.out is not None
        result = PairResult(model.label, bench.id, request.out, "ok")
        try:
            outcome = await run_async(request, on_row)
        except VideoevalError as exc:
            result.status, result.error = _status(exc), str(exc)
        else:
            result.metrics = dict(outcome.outcome.report.metrics)
            result.calls, result.cached = outcome.stats.called, outcome.stats.cached
        if on_pair is not None:
            on_pair(result)
        return result

    pairs = [(model, bench) for model in suite.models for bench in suite.benchmarks]
    if suite.executor.executor == "ray":
        # the cluster's workers take items from several pairs at once; each endpoint's bound
        # still holds across them
        gate = asyncio.Semaphore(PAIRS_AT_ONCE)

        async def gated(model: SuiteModel, bench: SuiteBenchmark) -> PairResult:
            async with gate:
                return await one(model, bench)

        results = list(await asyncio.gather(*(gated(m, b) for m, b in pairs)))
    else:
        results = [await one(m, b) for m, b in pairs]
    return write_outputs(suite, results)


def run_suite(
    suite: Suite,
    on_pair: Callable[[PairResult], None] | None = None,
    on_row: Callable[[dict[str, Any]], None] | None = None,
) -> SuiteOutcome:
    """:func:`run_suite_async`, from code without an event loop (or inside one)."""
    from videoeval.api.sync import run_sync

    return run_sync(run_suite_async(suite, on_pair, on_row))


def price_suite(suite: Suite) -> list[dict[str, Any]]:
    """What the suite would ask, pair by pair, asking nothing."""
    from videoeval.engine.run_folder import dry_run

    rows = []
    for model in suite.models:
        for bench in suite.benchmarks:
            request = request_for(suite, model, bench)
            prepared = prepare(request)
            counts = dry_run(prepared.plan, bench.videos, prepared.frames)
            rows.append({"model": model.label, "benchmark": bench.id, **counts})
    return rows


def write_outputs(suite: Suite, results: list[PairResult]) -> SuiteOutcome:
    """suite.json (every pair with its status), the report over the finished pairs, and a
    metric-by-step table for each checkpoint sweep."""
    from videoeval.report.html import write_report
    from videoeval.report.load import load_run

    suite.out.mkdir(parents=True, exist_ok=True)
    record = {
        "name": suite.name,
        "source": suite.source.name,
        "pairs": [
            {
                "model": r.model,
                "benchmark": r.benchmark,
                "folder": str(r.folder),
                "status": r.status,
                "error": r.error,
                "calls": r.calls,
                "cached": r.cached,
                "metrics": r.metrics,
            }
            for r in results
        ],
    }
    files = [suite.out / "suite.json"]
    files[0].write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", "utf-8")
    done = [load_run(r.folder) for r in results if r.status == "ok"]
    outcome = SuiteOutcome(results, files=files)
    if not done:
        return outcome
    from videoeval.suite.sweep import sweep_plots, sweep_tables

    steps = {m.label: m for m in suite.models if m.step is not None}
    outcome.report, outcome.leaderboard = write_report(
        done, suite.out / "report", suite.name, extra_plots=sweep_plots(done, steps)
    )
    if steps:
        text, table = sweep_tables(done, steps)
        files += [suite.out / "sweep.md", suite.out / "sweep.csv"]
        files[-2].write_text(text, "utf-8")
        files[-1].write_text(table, "utf-8")
    outcome.files = files
    return outcome
