"""Scoring detailed captions with AutoDQ: every clip judged concurrently through one judge,
every verdict kept (verdicts.jsonl), per-clip rows (samples.jsonl), metrics.json."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from videoeval import __version__
from videoeval.benchmarks import get_benchmark
from videoeval.errors import NothingToScoreError
from videoeval.judges.autodq import Aspect, AutoDQ, AutoDQPrompts, ClipOutcome
from videoeval.judges.client import JudgeClient
from videoeval.metrics.autodq import ClipScore, aggregate, bootstrap_ci, bucket_tables
from videoeval.outputs import write_report
from videoeval.predictions.captions import CaptionPredictions
from videoeval.schema import CaptionSample, MetricsReport

REFERENCE = (
    "bytedance/tarsier evaluation/metrics/evaluate_dream_gpt.py (AutoDQ); CaReBench runs it on "
    "events and on objects"
)


@dataclass
class CaptionScores:
    report: MetricsReport
    rows: list[dict[str, Any]]
    verdicts: list[dict[str, Any]]


def aspects_for(benchmark_id: str) -> tuple[Aspect, ...]:
    """What AutoDQ is computed on: the benchmark's ``autodq_aspects`` fact (events only when
    it names none)."""
    from videoeval.benchmarks import get_benchmark

    return tuple(get_benchmark(benchmark_id).facts.get("autodq_aspects", ("events",)))


async def judge_all(
    samples: Sequence[CaptionSample],
    predictions: CaptionPredictions,
    judge: JudgeClient,
    prompts: AutoDQPrompts,
    aspects: Sequence[Aspect],
    judge_samples: int = 1,
    on_clip: Callable[[], None] | None = None,
) -> dict[Aspect, list[ClipOutcome]]:
    scorers = {aspect: AutoDQ(judge, prompts, aspect, judge_samples) for aspect in aspects}

    async def one(sample: CaptionSample) -> list[ClipOutcome]:
        text = predictions.texts.get(sample.sample_id)
        failure = predictions.failures.get(sample.sample_id)
        outcomes = list(
            await asyncio.gather(*(scorers[a].score(sample, text, failure) for a in aspects))
        )
        if on_clip:
            on_clip()
        return outcomes

    results = await asyncio.gather(*(one(s) for s in samples))
    return {aspect: [r[i] for r in results] for i, aspect in enumerate(aspects)}


@dataclass
class _Aggregated:
    metrics: dict[str, float]
    ci: dict[str, tuple[float, float]]
    by_category: dict[str, dict[str, float]]
    buckets: Any
    failures: Counter[str]


def _aggregate(
    samples: Sequence[CaptionSample],
    outcomes: dict[Aspect, list[ClipOutcome]],
    resamples: int,
    seed: int,
) -> _Aggregated:
    """AutoDQ figures per aspect (events; objects with an ``object_`` prefix)."""
    out = _Aggregated({}, {}, {}, None, Counter())
    attributes = {
        s.sample_id: {"n_subjects": s.n_subjects, "n_shots": s.n_shots, "n_events": s.n_events}
        for s in samples
    }
    for aspect, clips in outcomes.items():
        prefix = "" if aspect == "events" else "object_"
        scores = [
            ClipScore(o.sample.sample_id, o.sample.category, o.recall, o.precision) for o in clips
        ]
        out.failures.update(f"{prefix}{o.status}" for o in clips if o.status != "ok")
        if not any(s.ok for s in scores):
            continue
        result = aggregate(scores)
        if aspect == "events":
            out.buckets = bucket_tables(scores, attributes) or None
        out.metrics.update(
            {f"{prefix}F1": 100 * result.f1, f"{prefix}precision": 100 * result.precision,
             f"{prefix}recall": 100 * result.recall}
        )  # fmt: skip
        out.ci.update({f"{prefix}{k}": v for k, v in bootstrap_ci(scores, resamples, seed).items()})
        for name, values in result.by_category.items():
            entry = out.by_category.setdefault(name, {})
            for key, value in values.items():
                entry[f"{prefix}{key}"] = value if key == "n" else 100 * value
    return out


def _first_cause(outcomes: dict[Aspect, list[ClipOutcome]]) -> str:
    """The most common reason a clip was not scored, as the user can act on it."""
    notes = Counter(o.note for clips in outcomes.values() for o in clips if o.status != "ok")
    if not notes:
        return "check that the prediction file names the benchmark's clips"
    note, count = notes.most_common(1)[0]
    return f"{note} ({count} clips)" if note else "no reason given"


def _rows(
    samples: Sequence[CaptionSample],
    predictions: CaptionPredictions,
    outcomes: dict[Aspect, list[ClipOutcome]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One row per clip (both aspects side by side), and every verdict."""
    rows, verdicts = [], []
    for i, sample in enumerate(samples):
        row: dict[str, Any] = {
            "sample_id": sample.sample_id,
            "video_id": sample.video_id,
            "category": sample.category,
            "prediction": predictions.texts.get(sample.sample_id),
            "reference": sample.reference,
            "origin": predictions.origins.get(sample.sample_id),
        }
        for aspect, clips in outcomes.items():
            o = clips[i]
            prefix = "" if aspect == "events" else "object_"
            row.update(
                {f"{prefix}status": o.status, f"{prefix}recall": o.recall,
                 f"{prefix}precision": o.precision, f"{prefix}gt_events": o.gt_events,
                 f"{prefix}pred_events": o.pred_events, f"{prefix}note": o.note}
            )  # fmt: skip
            verdicts.extend(o.verdicts)
        rows.append(row)
    return rows, verdicts


def _caption_warnings(
    predictions: CaptionPredictions, unknown: list[str], events: list[ClipOutcome]
) -> list[str]:
    warnings = []
    if unknown:
        warnings.append(f"{len(unknown)} predictions name no clip of the benchmark: {unknown[:5]}")
    missing = sum(o.status == "missing_prediction" for o in events)
    if missing:
        warnings.append(f"{missing} clips have no prediction: left out of the means, counted")
    if predictions.duplicates:
        warnings.append(f"{predictions.duplicates} repeated clips: the first line was used")
    warnings.extend(predictions.skipped[:20])
    return warnings


def build_report(
    benchmark_id: str,
    samples: Sequence[CaptionSample],
    predictions: CaptionPredictions,
    outcomes: dict[Aspect, list[ClipOutcome]],
    judge_info: dict[str, Any],
    resamples: int = 1000,
    seed: int = 0,
) -> CaptionScores:
    benchmark = get_benchmark(benchmark_id)
    unknown = sorted(set(predictions.texts) - {s.sample_id for s in samples})
    figures = _aggregate(samples, outcomes, resamples, seed)
    rows, verdicts = _rows(samples, predictions, outcomes)
    if not figures.metrics:
        raise NothingToScoreError(
            f"no clip of {benchmark_id} could be scored ({dict(figures.failures)}): "
            f"{_first_cause(outcomes)}",
            rows, {"verdicts": verdicts},
        )  # fmt: skip
    events = outcomes[next(iter(outcomes))]
    n_ok = sum(o.status == "ok" for o in events)
    report = MetricsReport(
        benchmark=benchmark.id,
        task=benchmark.task,
        protocol="autodq",
        protocol_reference=REFERENCE,
        n_total=len(samples),
        n_scored=n_ok,
        n_counted=n_ok,
        metrics=figures.metrics,
        ci95=figures.ci,
        failures=dict(figures.failures),
        failure_rule=(
            "clips whose judging failed (judge_error) or that have no prediction are left out of "
            "the means, as the reference leaves out failed clips, and counted here"
        ),
        inputs={
            "predictions_layout": predictions.layout,
            "predictions_unknown": len(unknown),
            "bootstrap_resamples": resamples,
            "bootstrap_seed": seed,
        },
        warnings=_caption_warnings(predictions, unknown, events),
        by_category=figures.by_category,
        buckets=figures.buckets,
        judge=judge_info,
        videoeval_version=__version__,
    )
    return CaptionScores(report, rows, verdicts)


def write_caption_outputs(scores: CaptionScores, out: Path) -> list[Path]:
    return write_report(out, scores.report, samples=scores.rows, verdicts=scores.verdicts)


def eventsim_report(
    benchmark_id: str,
    samples: Sequence[CaptionSample],
    predictions: CaptionPredictions,
    resamples: int = 1000,
    seed: int = 0,
    model_dir: Path | None = None,
) -> CaptionScores:
    """The offline metric (``metrics/event_similarity.py``), in the same outputs as AutoDQ."""
    from videoeval.metrics.event_similarity import THRESHOLD, event_similarity_scores
    from videoeval.metrics.sentence_encoder import MiniLMEncoder

    benchmark = get_benchmark(benchmark_id)
    encoder = MiniLMEncoder(model_dir)
    scores = event_similarity_scores(samples, predictions.texts, encoder)
    result = aggregate(scores)
    if result.n_success == 0:
        raise NothingToScoreError(f"no clip of {benchmark_id} has a prediction")
    missing = len(samples) - result.n_success
    unknown = sorted(set(predictions.texts) - {s.sample_id for s in samples})
    warnings = [f"{missing} clips have no prediction: left out, counted"] if missing else []
    if unknown:
        warnings.append(f"{len(unknown)} predictions name no clip of the benchmark: {unknown[:5]}")
    warnings.extend(predictions.skipped[:20])
    rows = [
        {"sample_id": s.sample_id, "category": s.category,
         "prediction": predictions.texts.get(s.sample_id), "reference": s.reference,
         "status": "ok" if c.ok else "missing_prediction", "recall": c.recall,
         "precision": c.precision}
        for s, c in zip(samples, scores, strict=True)
    ]  # fmt: skip
    ci = {f"EventSim-{k}": v for k, v in bootstrap_ci(scores, resamples, seed).items()}
    report = MetricsReport(
        benchmark=benchmark.id,
        task=benchmark.task,
        protocol="eventsim",
        protocol_reference=(
            f"videoeval EventSim (not AutoDQ): all-MiniLM-L6-v2 cosine >= {THRESHOLD} between GT "
            "events and predicted sentences, aggregated like AutoDQ"
        ),
        n_total=len(samples),
        n_scored=result.n_success,
        n_counted=result.n_success,
        metrics={
            "EventSim-F1": 100 * result.f1,
            "EventSim-precision": 100 * result.precision,
            "EventSim-recall": 100 * result.recall,
        },
        ci95=ci,
        failures={"missing_prediction": missing} if missing else {},
        failure_rule="clips without a prediction are left out of the means and counted",
        inputs={
            "predictions_layout": predictions.layout,
            "encoder": encoder.source,
            "threshold": str(THRESHOLD),
            "bootstrap_resamples": resamples,
        },
        warnings=warnings,
        by_category={
            name: {f"EventSim-{k}": (v if k == "n" else 100 * v) for k, v in values.items()}
            for name, values in result.by_category.items()
        },
        videoeval_version=__version__,
    )
    return CaptionScores(report, rows, [])
