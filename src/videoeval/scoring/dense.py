"""``videoeval score activitynet-captions`` with a densevid results file: detection P/R at each
tIoU, and the language metrics per video (see ``metrics/dense.py``)."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from videoeval.errors import InputError, NothingToScoreError, UsageError
from videoeval.metrics.bootstrap import MeanIntervals
from videoeval.metrics.dense import Caption, detection, overlaps, pairs_at
from videoeval.metrics.soda import SODA_AVERAGES
from videoeval.predictions.dense import DensePredictions
from videoeval.protocols.configs import DensevidConfig, JunkRule
from videoeval.schema import DenseRow, MetricsReport
from videoeval.scoring.base import ScoreContext, Scored
from videoeval.scoring.soda import SodaInputs, Tokens, per_file_inputs, soda_c
from videoeval.text.language import LANGUAGE, LanguageScorers
from videoeval.text.meteor import default_processes


def references_of(samples: Sequence[Any]) -> dict[str, list[Caption]]:
    """The GT events of the dense view's samples, by video."""
    return {s.video_id: list(s.timed_events or ()) for s in samples}


def read_references(path: Path) -> tuple[dict[str, list[Caption]], list[str]]:
    """A densevid reference file through the dense view's loader: events by video, and what
    was left out or is odd."""
    from videoeval.benchmarks.activitynet_captions import load_timed

    try:
        loaded = load_timed(path)
    except InputError as exc:
        if "no usable samples" not in str(exc):
            raise
        return {}, [str(exc)]
    return references_of(loaded.samples), loaded.skipped


Sides = dict[str, tuple[list[Caption], list[list[Caption]], list[list[list[float]]]]]


def _sides(
    videos: list[str],
    references: Sequence[dict[str, list[Caption]]],
    predictions: DensePredictions,
) -> Sides:
    """Per GT video: its predictions, its events in each reference file that has it, and the
    tIoU of every (file, prediction, event), computed once for detection and language."""
    out: Sides = {}
    for vid in videos:
        preds = predictions.captions.get(vid, [])
        refs = [r[vid] for r in references if vid in r]
        out[vid] = (preds, refs, overlaps(preds, refs))
    return out


def _detection_rows(
    videos: list[str],
    sides: Sides,
    predictions: DensePredictions,
    thresholds: Sequence[float],
) -> list[dict[str, Any]]:
    """One row per GT video: its events on both sides, P and R at each threshold."""
    rows: list[dict[str, Any]] = []
    for vid in videos:
        preds, refs, tious = sides[vid]
        status = "ok" if preds else "missing_prediction"
        if vid in predictions.unparsed:
            status = "parse_error"
        row: dict[str, Any] = {
            "sample_id": vid, "video_id": vid, "n_predictions": len(preds), "status": status,
            "predicted_events": [[c.start, c.end, c.sentence] for c in preds],
            "gt_events": [[c.start, c.end, c.sentence, k] for k, ref in enumerate(refs)
                          for c in ref],
        }  # fmt: skip
        for t in thresholds:
            row[f"P@{t:g}"], row[f"R@{t:g}"] = detection(preds, refs, t, tious)
        row["precision"] = sum(row[f"P@{t:g}"] for t in thresholds) / len(thresholds)
        row["recall"] = sum(row[f"R@{t:g}"] for t in thresholds) / len(thresholds)
        rows.append(row)
    return rows


def _detection_metrics(rows: list[dict[str, Any]], thresholds: Sequence[float]) -> dict:
    n = len(rows)
    metrics: dict[str, float] = {}
    for t in thresholds:
        for k in ("P", "R"):
            metrics[f"{k}@{t:g}"] = 100 * sum(row[f"{k}@{t:g}"] for row in rows) / n
    metrics["precision"] = sum(metrics[f"P@{t:g}"] for t in thresholds) / len(thresholds)
    metrics["recall"] = sum(metrics[f"R@{t:g}"] for t in thresholds) / len(thresholds)
    p, r = metrics["precision"], metrics["recall"]
    metrics["F1"] = 2 * p * r / (p + r) if p + r else 0.0
    return metrics


def _dense_warnings(
    rows: list[dict[str, Any]], metrics: dict[str, float], predictions: DensePredictions,
    unknown: list[str],
) -> list[str]:  # fmt: skip
    missing = sum(r["status"] == "missing_prediction" for r in rows)
    unparsed = sum(r["status"] == "parse_error" for r in rows)
    warnings = []
    if missing:
        warnings.append(f"{missing} GT videos have no predictions: they score 0, as in the "
                        "reference")  # fmt: skip
    if unparsed:
        warnings.append(f"{unparsed} answers gave no timed events: those videos score 0")
    if metrics.get("SODA_c_dropped_videos"):
        warnings.append(
            f"SODA_c left out {int(metrics['SODA_c_dropped_videos'])} GT videos without "
            "predictions, as its reference does (--soda-missing zero counts them)"
        )
    if unknown:
        warnings.append(f"{len(unknown)} predicted videos are in no reference file: {unknown[:5]}")
    if predictions.truncated:
        warnings.append(f"{predictions.truncated} videos had over 1000 proposals: cut to 1000")
    warnings.extend(predictions.problems[:20])
    return warnings


def _per_video(
    rows: list[dict[str, Any]], language: bool, soda_average: str
) -> dict[str, np.ndarray]:
    """The per-video values of every headline that is a mean over GT videos (F1 is not, nor is
    the corpus-total SODA_c): what the bootstrap resamples."""
    names = ["precision", "recall", *(["METEOR", "CIDEr"] if language else [])]
    per_video = {name: np.asarray([row.get(name, 0.0) for row in rows]) for name in names}
    soda = [row["SODA_c"] for row in rows if "SODA_c" in row]
    if soda and soda_average == "videos":
        per_video["SODA_c"] = np.asarray(soda)
    return per_video


async def score(ctx: ScoreContext[DensevidConfig]) -> Scored:
    """densevid_eval (+ SODA_c) over the dense view's GT: the annotation file and every
    ``--reference`` file, each read by the view's loader."""
    from videoeval.options import as_path
    from videoeval.scoring.dense_inputs import dense_predictions

    extra = [as_path(p) for p in (ctx.dense.references or ()) if p] if ctx.dense else []
    assert ctx.annotations is not None
    files: list[Path] = [ctx.annotations, *(p for p in extra if p is not None)]
    loaded = [(ctx.samples, ctx.skipped)] + [
        (lambda r: (r.samples, r.skipped))(ctx.view.load(path)) for path in files[1:]
    ]
    references = [references_of(samples) for samples, _ in loaded]
    if len(files) > 1 and _is_cut(ctx):
        kept = {s.video_id for s in ctx.samples}
        references = [{v: r for v, r in refs.items() if v in kept} for refs in references]
    predictions, layout = dense_predictions(ctx)
    scored = await asyncio.to_thread(
        dense_scored, references, predictions, ctx.config, ctx.scoring.seed,
        ctx.scoring.bootstrap,
    )  # fmt: skip
    scored.warnings.extend(p for _, problems in loaded for p in problems[:20])
    scored.inputs["references"] = ", ".join(path.name for path in files)
    scored.inputs["prediction_layout"] = layout
    scored.layout = layout
    return scored


def _is_cut(ctx: ScoreContext[Any]) -> bool:
    """The samples were cut to a run's ``--limit`` or to ``--subset``: the other reference
    files are cut the same way."""
    return ctx.subset is not None or bool(ctx.run is not None and ctx.run.config.get("limit"))


def score_dense(
    references: Sequence[dict[str, list[Caption]]],
    predictions: DensePredictions,
    thresholds: Sequence[float] = DensevidConfig("densevid-2018").thresholds,
    language: bool = True,
    junk: JunkRule = "densevid-2018",
    seed: int = 0,
    soda_missing: str = "drop",
    soda_average: str = "videos",
    benchmark_id: str = "activitynet-captions",
    resamples: int = 0,
    scorers: LanguageScorers | None = None,
) -> tuple[MetricsReport, list[DenseRow]]:
    """Reference events and predictions already read, scored and reported (for callers that
    hold records rather than files). ``scorers``: a running tokenizer and METEOR, for a caller
    that scores several times (each start of METEOR loads its tables: seconds of CPU); it stays
    open; refused with ``language=False``, which runs none. Without it, one is started and
    closed."""
    from videoeval.benchmarks import get_benchmark
    from videoeval.options import ScoringOptions
    from videoeval.protocols import protocol_info
    from videoeval.scoring.report import build_report

    if scorers is not None and not language:
        raise UsageError("scorers= runs the language metrics: not with language=False")
    info = protocol_info(junk)
    config = DensevidConfig(junk, tuple(thresholds), language, soda_missing, soda_average)  # type: ignore[arg-type]
    benchmark = get_benchmark(benchmark_id)
    ctx: ScoreContext[DensevidConfig] = ScoreContext(
        benchmark, benchmark.view("dense_captioning"), info, config, None, [], [], None, None,
        ScoringOptions(resamples, seed),
    )  # fmt: skip
    scored = dense_scored(references, predictions, config, seed, resamples, scorers)
    return build_report(ctx, scored), scored.rows


def dense_scored(
    references: Sequence[dict[str, list[Caption]]],
    predictions: DensePredictions,
    config: DensevidConfig,
    seed: int = 0,
    resamples: int = 0,
    shared: LanguageScorers | None = None,
) -> Scored:
    thresholds, language, junk = config.thresholds, config.language, config.junk
    soda_missing, soda_average = config.soda_missing, config.soda_average
    videos = sorted({vid for refs in references for vid in refs})
    if not videos:
        raise NothingToScoreError("the reference files hold no videos")
    sides = _sides(videos, references, predictions)
    rows = _detection_rows(videos, sides, predictions, thresholds)
    metrics = _detection_metrics(rows, thresholds)
    processes = None
    if language:
        # one tokenizer and one set of METEOR jars for everything
        scorers = shared if shared is not None else LanguageScorers()
        video_f1: dict[str, float] = {}
        try:
            soda = SodaInputs(references, predictions)
            per_file = per_file_inputs(references, predictions) if len(references) > 1 else []
            language_metrics, soda_tokens = _language_scores(
                videos, sides, thresholds, junk, seed, rows, scorers, [soda, *per_file]
            )
            metrics.update(language_metrics)
            metrics.update(soda_c(references, predictions, soda_missing, scorers,
                                  average=soda_average, video_f1=video_f1,
                                  inputs=soda, tokens=soda_tokens[0],
                                  per_file=list(zip(per_file, soda_tokens[1:], strict=True))
                                  or None))  # fmt: skip
        finally:
            processes = len(scorers.meteor.started) or None
            if shared is None:
                scorers.close()
        for row in rows:
            if row["sample_id"] in video_f1:
                row["SODA_c"] = video_f1[row["sample_id"]]
    unknown = sorted(set(predictions.captions) - set(videos))
    failures = Counter(r["status"] for r in rows if r["status"] != "ok")
    return Scored(
        rows=[_typed(row) for row in rows],
        metrics=metrics,
        n_total=len(videos),
        n_scored=len(videos) - sum(failures.values()),
        n_counted=len(videos),
        failure_rule="GT videos without (readable) predictions count as 0 (the reference's rule)",
        intervals=MeanIntervals(_per_video(rows, language, soda_average)),
        failures={k: failures[k] for k in ("missing_prediction", "parse_error") if failures[k]},
        inputs={
            "thresholds": ",".join(f"{t:g}" for t in thresholds),
            "junk": junk,
            "junk_seed": seed,
            "language_metrics": "on" if language else "off (--no-language: P/R only)",
            "soda_average": f"{soda_average}: {SODA_AVERAGES[soda_average]}" if language else None,
            "soda_missing": soda_missing if language else None,
            "meteor_processes": processes,
            "predictions_unknown": len(unknown),
            "bootstrap_resamples": resamples,
        },
        warnings=_dense_warnings(rows, metrics, predictions, unknown),
    )


_ROW_KEYS = ("sample_id", "video_id", "n_predictions", "status", "predicted_events", "gt_events")


def _typed(row: dict[str, Any]) -> DenseRow:
    figures = {k: v for k, v in row.items() if k not in _ROW_KEYS}
    return DenseRow(row["sample_id"], row["video_id"], row["n_predictions"], row["status"],
                    row["predicted_events"], row["gt_events"], figures)  # fmt: skip


def _language_scores(
    videos: list[str],
    sides: Sides,
    thresholds: Sequence[float],
    junk: JunkRule,
    seed: int,
    rows: list[dict[str, Any]],
    scorers: LanguageScorers,
    soda: Sequence[SodaInputs],
) -> tuple[dict[str, float], list[Tokens]]:
    """The language metrics, and the tokenised batches of each of SODA's inputs (the merged
    references, then each file alone): tokenised with these, their METEOR lines queued behind
    ours."""
    rng = random.Random(seed)
    per: dict[tuple[str, float], list[tuple[str, str]]] = {}
    for t in thresholds:  # thresholds outermost: the 2019 junk strings come in this order
        for vid in videos:
            preds, refs, tious = sides[vid]
            per[(vid, t)] = pairs_at(preds, refs, t, junk, rng, tious)
    distinct = len({pair for pairs in per.values() for pair in pairs})
    # The jars load for seconds: start them before the tokenizer runs.
    scorers.meteor.start(default_processes(distinct + soda[0].line_count()))
    # As the reference: per threshold one tokenizer call for the predictions of all pairs and
    # one for their references, in video order (the tokens of a sentence can depend on the
    # sentence after it in the call).
    batches = [[pair[side] for vid in videos for pair in per[(vid, t)]]
               for t in thresholds for side in (0, 1)]  # fmt: skip
    sizes = {key: len(pairs) for key, pairs in per.items()}
    del per
    for inputs in soda:
        batches += inputs.batches()
    tokenized = scorers.tokenize_batches(batches)
    del batches
    # One tuple per distinct pair: a video's thresholds mostly pair it the same way.
    pair_of: dict[tuple[str, str], tuple[str, str]] = {}
    groups_at: dict[tuple[str, float], list[tuple[str, str]]] = {}
    for k, t in enumerate(thresholds):
        pairs = zip(tokenized[2 * k], tokenized[2 * k + 1], strict=True)
        for vid in videos:
            group = itertools.islice(pairs, sizes[(vid, t)])
            groups_at[(vid, t)] = [pair_of.setdefault(pair, pair) for pair in group]
    del pair_of
    keys = [(vid, t) for vid in videos for t in thresholds]
    groups = [groups_at[key] for key in keys]
    scorers.meteor.prefetch((p, (g,)) for group in groups for p, g in group)
    rest = tokenized[2 * len(thresholds) :]
    del tokenized
    soda_tokens = [rest[2 * k : 2 * k + 2] for k in range(len(soda))]
    for inputs, tokens in zip(soda, soda_tokens, strict=True):
        inputs.prefetch(scorers, tokens)  # queued behind these
    scores = dict(zip(keys, scorers.group_scores(groups), strict=True))
    totals = {(name, t): 0.0 for name in LANGUAGE for t in thresholds}
    for row, vid in zip(rows, videos, strict=True):
        for t in thresholds:
            if not scores[(vid, t)]:
                continue  # a video without predictions scores 0
            row[f"METEOR@{t:g}"] = scores[(vid, t)]["METEOR"]
            for name in LANGUAGE:
                totals[(name, t)] += scores[(vid, t)][name]
                row[name] = row.get(name, 0.0) + scores[(vid, t)][name] / len(thresholds)
    return {
        name: 100 * sum(totals[(name, t)] for t in thresholds) / len(thresholds) / len(videos)
        for name in LANGUAGE
    }, soda_tokens
