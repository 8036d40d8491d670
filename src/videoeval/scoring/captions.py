"""Detailed captions: AutoDQ's figures from judged clips (every verdict kept, verdicts.jsonl;
the judging is ``caption_judging.py``), and the offline EventSim protocol."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from videoeval.errors import NothingToScoreError
from videoeval.judges.autodq import Aspect, AutoDQ, AutoDQPrompts, ClipOutcome
from videoeval.judges.client import JudgeClient
from videoeval.metrics.autodq import ClipScore, aggregate, bootstrap_ci, bucket_tables
from videoeval.predictions.captions import CaptionPredictions
from videoeval.protocols.configs import EventSimConfig
from videoeval.schema import AutoDQRow, CaptionSample, EventSimRow, Verdict
from videoeval.scoring.base import ScoreContext, Scored


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
    by_category: dict[str, dict[str, float]]
    buckets: Any
    failures: Counter[str]
    scores: dict[str, list[ClipScore]] = field(default_factory=dict)
    """Each aspect's clip scores, by the prefix of its figures: what the bootstrap resamples."""

    def intervals(self, resamples: int, seed: int) -> dict[str, tuple[float, float]]:
        out: dict[str, tuple[float, float]] = {}
        for prefix, scores in self.scores.items():
            out.update(
                {f"{prefix}{k}": v for k, v in bootstrap_ci(scores, resamples, seed).items()}
            )
        return out


def _aggregate(
    samples: Sequence[CaptionSample], outcomes: dict[Aspect, list[ClipOutcome]]
) -> _Aggregated:
    """AutoDQ figures per aspect (events; objects with an ``object_`` prefix)."""
    out = _Aggregated({}, {}, None, Counter())
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
        out.scores[prefix] = scores
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
) -> tuple[list[AutoDQRow], list[Verdict]]:
    """One row per clip (both aspects side by side), and every verdict."""
    rows: list[AutoDQRow] = []
    verdicts: list[Verdict] = []
    for i, sample in enumerate(samples):
        first, *others = [(aspect, clips[i]) for aspect, clips in outcomes.items()]
        o = first[1]
        objects: dict[str, Any] = {}
        for _, other in others:
            objects.update({
                "object_status": other.status, "object_recall": other.recall,
                "object_precision": other.precision, "object_gt_events": other.gt_events,
                "object_pred_events": other.pred_events, "object_note": other.note,
            })  # fmt: skip
        rows.append(AutoDQRow(
            sample.sample_id, sample.video_id, sample.category,
            predictions.texts.get(sample.sample_id), sample.reference,
            predictions.origins.get(sample.sample_id), o.status, o.recall, o.precision,
            o.gt_events, o.pred_events, o.note, objects,
        ))  # fmt: skip
        for _, clip in [first, *others]:
            verdicts.extend(clip.verdicts)
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


def autodq_scored(
    benchmark_id: str,
    samples: Sequence[CaptionSample],
    predictions: CaptionPredictions,
    outcomes: dict[Aspect, list[ClipOutcome]],
    judge_info: dict[str, Any],
    resamples: int = 1000,
    seed: int = 0,
) -> Scored:
    unknown = sorted(set(predictions.texts) - {s.sample_id for s in samples})
    figures = _aggregate(samples, outcomes)
    rows, verdicts = _rows(samples, predictions, outcomes)
    if not figures.metrics:
        raise NothingToScoreError(
            f"no clip of {benchmark_id} could be scored ({dict(figures.failures)}): "
            f"{_first_cause(outcomes)}",
            rows, {"verdicts": verdicts},
        )  # fmt: skip
    events = outcomes[next(iter(outcomes))]
    n_ok = sum(o.status == "ok" for o in events)
    return Scored(
        rows=rows,
        metrics=figures.metrics,
        n_total=len(samples),
        n_scored=n_ok,
        n_counted=n_ok,
        failure_rule=(
            "clips whose judging failed (judge_error) or that have no prediction are left out of "
            "the means, as the reference leaves out failed clips, and counted here"
        ),
        intervals=figures.intervals,
        failures=dict(figures.failures),
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
        layout=predictions.layout,
        files={"verdicts": verdicts},
    )


def caption_predictions(ctx: ScoreContext[Any]) -> CaptionPredictions:
    """The descriptions to score: a prediction file, or a run folder's answers."""
    from videoeval.engine.run_folder import caption_predictions_from_log
    from videoeval.predictions.captions import read_caption_predictions

    if ctx.run is not None:
        return caption_predictions_from_log(ctx.run.responses)
    assert ctx.predictions is not None
    return read_caption_predictions(ctx.predictions)


async def score_eventsim(ctx: ScoreContext[EventSimConfig]) -> Scored:
    """The offline metric (``metrics/event_similarity.py``), in the same outputs as AutoDQ."""
    predictions = caption_predictions(ctx)
    return await asyncio.to_thread(eventsim_scored, ctx, predictions)


def eventsim_scored(
    ctx: ScoreContext[EventSimConfig],
    predictions: CaptionPredictions,
    model_dir: Path | None = None,
) -> Scored:
    from videoeval.metrics.event_similarity import event_similarity_scores
    from videoeval.metrics.sentence_encoder import MiniLMEncoder

    samples = ctx.samples
    resamples = ctx.scoring.bootstrap
    encoder = MiniLMEncoder(model_dir)
    scores = event_similarity_scores(samples, predictions.texts, encoder, ctx.config.threshold)
    result = aggregate(scores)
    if result.n_success == 0:
        raise NothingToScoreError(f"no clip of {ctx.benchmark.id} has a prediction")
    missing = len(samples) - result.n_success
    unknown = sorted(set(predictions.texts) - {s.sample_id for s in samples})
    warnings = [f"{missing} clips have no prediction: left out, counted"] if missing else []
    if unknown:
        warnings.append(f"{len(unknown)} predictions name no clip of the benchmark: {unknown[:5]}")
    warnings.extend(predictions.skipped[:20])
    rows = [
        EventSimRow(s.sample_id, s.category, predictions.texts.get(s.sample_id), s.reference,
                    "ok" if c.ok else "missing_prediction", c.recall, c.precision, s.video_id)
        for s, c in zip(samples, scores, strict=True)
    ]  # fmt: skip

    def intervals(resamples: int, seed: int) -> dict[str, tuple[float, float]]:
        return {f"EventSim-{k}": v for k, v in bootstrap_ci(scores, resamples, seed).items()}

    return Scored(
        rows=rows,
        metrics={
            "EventSim-F1": 100 * result.f1,
            "EventSim-precision": 100 * result.precision,
            "EventSim-recall": 100 * result.recall,
        },
        n_total=len(samples),
        n_scored=result.n_success,
        n_counted=result.n_success,
        failure_rule="clips without a prediction are left out of the means and counted",
        intervals=intervals,
        inputs={
            "predictions_layout": predictions.layout,
            "encoder": encoder.source,
            "threshold": str(ctx.config.threshold),
            "bootstrap_resamples": resamples,
        },
        warnings=warnings,
        by_category={
            name: {f"EventSim-{k}": (v if k == "n" else 100 * v) for k, v in values.items()}
            for name, values in result.by_category.items()
        },
        layout=predictions.layout,
    )
