"""``videoeval suite``: several models (or checkpoints) on several benchmarks, one report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from videoeval.cli.common import Executor, RayAddress, command, console, err, exit_codes, say


@command("suite")
def suite_command(
    file: Annotated[Path, typer.Argument(help="The suite file (TOML; see docs/suites.md).")],
    check: Annotated[
        bool, typer.Option("--check", help="Read and check the file, list its pairs; run nothing.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count every pair's calls and frames; ask nothing.")
    ] = False,
    executor: Executor = "local",
    ray_address: RayAddress = None,
) -> None:
    """Run every model of a suite file on every benchmark of it, each pair in its own
    resumable folder (OUT/runs/<model>/<benchmark>), then write OUT/report/report.html with the
    leaderboard, the published tables the runs belong to, and OUT/sweep.md for checkpoint
    sweeps. Running the same file again resumes; a pair that fails is said and the others go on.

    With --executor ray, up to 8 pairs are asked at once on the cluster, sharing its workers.

    Example:\\n
      videoeval suite my-suite.toml --dry-run\\n
      videoeval suite my-suite.toml\\n
      videoeval suite my-suite.toml --executor ray --ray-address auto
    """
    from dataclasses import replace

    from videoeval.errors import UsageError
    from videoeval.options import ExecutorOptions
    from videoeval.suite.file import read_suite

    with exit_codes():
        if check and dry_run:
            raise UsageError("give --check or --dry-run, not both")
        where = ExecutorOptions(executor, ray_address)
        if (check or dry_run) and where != ExecutorOptions():
            raise UsageError("--executor and --ray-address apply to a suite that runs, not to "
                             "--check or --dry-run")  # fmt: skip
        suite = replace(read_suite(file), executor=where)
        for line in suite.unfilled():
            say(line)
        if check:
            _print_pairs(suite)
            return
        if dry_run:
            _print_price(suite)
            return
        outcome = _run(suite)
    failed = [p for p in outcome.pairs if p.status != "ok"]
    _print_results(outcome)
    if outcome.report is not None:
        say(f"report: {outcome.report}")
    say(f"suite folder: {suite.out}")
    if failed:
        err.print(f"{len(failed)} of {len(outcome.pairs)} pairs failed (suite.json has each "
                  "cause); running the same file again resumes them", markup=False)  # fmt: skip
        raise typer.Exit(1 if len(failed) < len(outcome.pairs) else 3)


def _run(suite: Any) -> Any:
    from videoeval.cli.progress import progress
    from videoeval.suite.runner import run_suite

    total = len(suite.models) * len(suite.benchmarks)
    with progress(f"suite {suite.name}", total) as advance:
        return run_suite(suite, on_pair=lambda p: advance(f"{p.model} · {p.benchmark}"))


def _print_pairs(suite: Any) -> None:
    table = Table(title=f"suite {suite.name}: {len(suite.models)} models x "
                        f"{len(suite.benchmarks)} benchmarks")  # fmt: skip
    for column in ("model", "backend", "benchmark", "protocol", "annotations", "videos"):
        table.add_column(column)
    for m in suite.models:
        for b in suite.benchmarks:
            table.add_row(m.label, m.model.backend, b.id, b.protocol or "(the view's)",
                          str(b.annotations), str(b.videos))  # fmt: skip
    console.print(table)
    say(f"outputs: {suite.out}; judge: {suite.judge.model if suite.judge else 'none (EventSim)'}")


def _print_price(suite: Any) -> None:
    from videoeval.suite.runner import price_suite

    rows = price_suite(suite)
    table = Table(title=f"suite {suite.name}: dry run")
    for column in ("model", "benchmark", "calls at most", "frames", "est. prompt tokens",
                   "videos missing"):  # fmt: skip
        table.add_column(column, justify="left" if column in ("model", "benchmark") else "right")
    for r in rows:
        table.add_row(r["model"], r["benchmark"], f"{r['calls_at_most']:,}", f"{r['frames']:,}",
                      f"{r['estimated_prompt_tokens']:,}", f"{r['videos_missing']:,}")  # fmt: skip
    table.add_section()
    table.add_row("all", "", *(f"{sum(r[k] for r in rows):,}" for k in
                                ("calls_at_most", "frames", "estimated_prompt_tokens",
                                 "videos_missing")))  # fmt: skip
    console.print(table)


def _print_results(outcome: Any) -> None:
    table = Table(title="suite pairs")
    for column in ("model", "benchmark", "status", "called", "cached"):
        table.add_column(column)
    for p in outcome.pairs:
        said = p.status if p.error is None else f"{p.status}: {p.error[:80]}"
        table.add_row(p.model, p.benchmark, said, str(p.calls), str(p.cached))
    console.print(table)
