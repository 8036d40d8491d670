"""The one place a :class:`MetricsReport` is made: counts, failures by status, bootstrap CIs
from the scorer's per-unit values, warnings, and the protocol's full configuration."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any

from videoeval.schema import FAILURE_STATUSES, MetricsReport
from videoeval.scoring.base import ScoreContext, Scored
from videoeval.version import __version__

MAX_LISTED = 20


def count_failures(rows: list[Any]) -> dict[str, int]:
    """Rows by failure status, in the order of :data:`FAILURE_STATUSES`."""
    statuses = Counter(row.status for row in rows)
    return {k: statuses[k] for k in FAILURE_STATUSES if statuses.get(k)}


def build_report(ctx: ScoreContext[Any], scored: Scored, model: str | None = None) -> MetricsReport:
    from videoeval.metrics.bootstrap import resampling

    scoring = ctx.scoring
    inputs = dict(scored.inputs)
    intervals = {}
    if scored.intervals and scoring.bootstrap > 0:
        with resampling(scoring.bootstrap_method):
            intervals = dict(scored.intervals(scoring.bootstrap, scoring.seed))
        inputs["bootstrap_method"] = scoring.bootstrap_method
        inputs["bootstrap_seed"] = scoring.seed
    warnings = list(scored.warnings)
    if ctx.run is not None:
        from videoeval.engine.comparable import comparability

        inputs["run_folder"] = ctx.run.folder.name
        warnings.extend(ctx.run.problems[:MAX_LISTED])
        if (note := comparability(ctx.benchmark.id, ctx.run.config)) is not None:
            warnings.append(note)
        model = model or ctx.run.model
    failures = scored.failures if scored.failures is not None else count_failures(scored.rows)
    return MetricsReport(
        benchmark=ctx.benchmark.id,
        task=ctx.view.task,
        protocol=ctx.protocol.name,
        protocol_reference=ctx.protocol.reference,
        n_total=scored.n_total,
        n_scored=scored.n_scored,
        n_counted=scored.n_counted,
        metrics=scored.metrics,
        ci95={k: (lo, hi) for k, (lo, hi) in intervals.items()},
        failures=failures,
        failure_rule=scored.failure_rule,
        inputs=inputs,
        warnings=warnings,
        by_category=scored.by_category,
        buckets=scored.buckets,
        judge=scored.judge,
        protocol_config=ctx.protocol.config_record(ctx.config),
        model=model,
        videoeval_version=__version__,
    )


def with_config(ctx: ScoreContext[Any], config: Any) -> ScoreContext[Any]:
    return replace(ctx, config=config)
