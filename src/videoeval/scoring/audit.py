"""Audit outputs: metrics.json (loose / consensus / tight rates with counts and CIs, per
category, the judge's identity and prompt hash) and one row per clip with every error found."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

from videoeval import __version__
from videoeval.benchmarks import get_benchmark
from videoeval.errors import NothingToScoreError
from videoeval.judges.audit import ClipAudit
from videoeval.metrics.audit import ClipFlags, audit_rates
from videoeval.schema import MetricsReport

REFERENCE = (
    "video-aware GT audit: frame evidence first, 1-10 scores on factual / completeness / "
    "temporal, concrete errors; consensus over K runs; major = factual <= 5"
)


def _judge_means(audited: Sequence[ClipAudit], mode: str) -> dict[str, float]:
    """The judge's mean 1-10 scores of the GT (and of the candidate, two-sided)."""
    metrics: dict[str, float] = {}
    scores = [v.gt for o in audited for v in o.verdicts]
    for axis in ("factual", "completeness", "temporal"):
        metrics[f"gt_{axis}_mean"] = sum(getattr(s, axis) for s in scores) / len(scores)
    if mode == "two-sided":
        candidates = [v.candidate for o in audited for v in o.verdicts if v.candidate]
        for axis in ("factual", "completeness", "temporal"):
            total = sum(getattr(s, axis) for s in candidates)
            metrics[f"candidate_{axis}_mean"] = total / len(candidates)
        metrics["credited_candidate_details"] = float(
            sum(len(v.credited_candidate_details) for o in audited for v in o.verdicts)
        )
    return metrics


def _timed_figures(audited: Sequence[ClipAudit]) -> dict[str, float]:
    """An event's span (or text) is wrong when every run says so."""
    checks = [(o, i) for o in audited for i in range(len(o.verdicts[0].events or []))]
    span_wrong = sum(all(not (v.events or [])[i].span_ok for v in o.verdicts) for o, i in checks)
    text_wrong = sum(all(not (v.events or [])[i].text_ok for v in o.verdicts) for o, i in checks)
    return {
        "events_checked": float(len(checks)),
        "span_wrong_events": float(span_wrong),
        "span_wrong_rate": span_wrong * 100 / len(checks) if checks else 0.0,
        "text_wrong_events": float(text_wrong),
        "text_wrong_rate": text_wrong * 100 / len(checks) if checks else 0.0,
    }


def _identical_runs(audited: Sequence[ClipAudit], runs: int) -> list[str]:
    """Runs that all said the same thing make consensus equal to loose: say so."""
    if runs < 2:
        return []
    same = sum(
        len({json.dumps(v.model_dump(mode="json"), sort_keys=True) for v in o.verdicts}) == 1
        for o in audited
    )
    if not same:
        return []
    return [
        f"the {runs} runs gave identical verdicts for {same} of {len(audited)} clips: for those "
        "consensus equals loose (the judge answered alike each time: at temperature 0, or a "
        "judge that does not sample; leave --temperature unset or raise it for runs that differ)"
    ]


def audit_report(
    benchmark_id: str,
    outcomes: Sequence[ClipAudit],
    mode: str,
    runs: int,
    judge_info: dict[str, Any],
    resamples: int = 1000,
    seed: int = 0,
) -> tuple[MetricsReport, list[dict[str, Any]]]:
    benchmark = get_benchmark(benchmark_id)
    audited = [o for o in outcomes if o.status == "ok"]
    if not audited:
        statuses = Counter(o.status for o in outcomes)
        raise NothingToScoreError(f"no clip could be audited ({dict(statuses)})")
    flags = [
        ClipFlags(
            o.sample.sample_id,
            o.sample.category,
            tuple(v.flagged for v in o.verdicts),
            tuple(v.major for v in o.verdicts),
        )
        for o in audited
    ]
    metrics, ci, by_category = audit_rates(flags, resamples, seed)
    metrics.update(_judge_means(audited, mode))
    if mode == "timed":
        metrics.update(_timed_figures(audited))
    failures = Counter(o.status for o in outcomes if o.status != "ok")
    rows = [
        {
            "sample_id": o.sample.sample_id,
            "video_id": o.sample.video_id,
            "category": o.sample.category,
            "status": o.status,
            "note": o.note,
            "reference": o.sample.reference,
            "flagged_runs": sum(v.flagged for v in o.verdicts),
            "major_runs": sum(v.major for v in o.verdicts),
            "frames": o.frames,
            "runs": o.runs,
        }
        for o in outcomes
    ]
    report = MetricsReport(
        benchmark=benchmark.id,
        task="audit",
        protocol=mode,
        protocol_reference=REFERENCE,
        n_total=len(outcomes),
        n_scored=len(audited),
        n_counted=len(audited),
        metrics=metrics,
        ci95=ci,
        failures=dict(failures),
        failure_rule=(
            "rates are over the clips every one of the K runs audited; clips with a missing or "
            "unreadable video, or a run whose judge failed, are counted here instead"
        ),
        inputs={"runs": runs, "mode": mode, "bootstrap_resamples": resamples},
        warnings=_identical_runs(audited, runs),
        by_category=by_category,
        judge=judge_info,
        videoeval_version=__version__,
    )
    return report, rows
