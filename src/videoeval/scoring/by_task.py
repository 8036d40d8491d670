"""One scorer per task, each taking a resolved request to a :class:`ScoreOutcome`.

The predictions come from a file in a layout of the task, or from a run folder's
responses.jsonl (the same answers, re-scored without a model call)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from videoeval.errors import UsageError
from videoeval.metrics.dense import JunkRule
from videoeval.metrics.soda import SodaAverage

if TYPE_CHECKING:
    from videoeval.api import Resolved, ScoreOutcome, ScoreRequest

TaskScorer = Callable[["ScoreRequest", "Resolved", Callable[[], None] | None], "ScoreOutcome"]


def _samples(request: ScoreRequest, resolved: Resolved) -> tuple[list[Any], list[str]]:
    """The view's samples; a run made with ``--limit`` is scored on the samples it ran."""
    assert request.annotations is not None
    loaded = resolved.view.load(request.annotations)
    samples = loaded.samples
    limit = resolved.run.config.get("limit") if resolved.run else None
    samples = samples[:limit] if limit else samples
    keep = subset_ids(request)
    if keep is not None:
        samples = only_listed(request, samples, lambda s: (s.sample_id, s.video_id), keep)
    return samples, loaded.skipped


def subset_ids(request: ScoreRequest) -> set[str] | None:
    """The ids ``--subset`` lists (``None`` without it)."""
    from videoeval.scoring.audit_export import read_subset

    if request.subset is None:
        return None
    ids = read_subset(request.subset, request.benchmark)
    if not ids:
        raise UsageError(f"--subset {request.subset.name} lists no ids")
    return ids


def only_listed(request: ScoreRequest, items: list[Any], ids_of: Any, keep: set[str]) -> list[Any]:
    """The items with an id in ``keep``; none at all is an error, never an empty score (an
    audit of another benchmark, or ids of another form)."""
    kept = [item for item in items if any(i in keep for i in ids_of(item))]
    if not kept:
        assert request.subset is not None
        raise UsageError(f"--subset {request.subset.name} names none of the {len(items)} "
                         f"samples of {request.benchmark}")  # fmt: skip
    return kept


def subset_references(request: ScoreRequest, refs: dict[str, Any]) -> dict[str, Any]:
    """A reference file's videos, cut to ``--subset``."""
    keep = subset_ids(request)
    if keep is None:
        return refs
    listed = only_listed(request, list(refs.items()), lambda item: (item[0],), keep)
    return dict(listed)


def _run_inputs(resolved: Resolved) -> dict[str, str | int | None]:
    assert resolved.run is not None
    config = resolved.run.config
    frames = config.get("frames") or {}
    inputs = {
        "predictions": "responses.jsonl",
        "model": json.dumps(config.get("model")),
        "frames": frames.get("sampling_text"),
        "prompt_sha256": (config.get("prompt") or {}).get("sha256"),
    }
    if frames.get("preset"):
        inputs["frame_preset"] = frames["preset"]
    return inputs


def score_grounding(
    request: ScoreRequest, resolved: Resolved, on_clip: Callable[[], None] | None
) -> ScoreOutcome:
    from videoeval.scoring.score import paused_gc

    with paused_gc():
        return _score_grounding(request, resolved)


def _score_grounding(request: ScoreRequest, resolved: Resolved) -> ScoreOutcome:
    from videoeval.api import ScoreOutcome
    from videoeval.predictions.grounding import read_predictions
    from videoeval.protocols.grounding import get_protocol
    from videoeval.runs import predictions_from_log
    from videoeval.scoring.score import (
        duration_warnings,
        read_durations,
        score_predictions,
        with_durations,
    )

    samples, skipped = _samples(request, resolved)
    durations = read_durations(request.durations) if request.durations is not None else None
    if durations is not None:
        samples = with_durations(samples, durations)
    if resolved.run is not None:
        predictions = predictions_from_log(resolved.run.responses)
        inputs = _run_inputs(resolved)
    else:
        assert request.predictions is not None
        predictions = read_predictions(request.predictions)
        inputs = {"predictions": request.predictions.name}
    assert request.annotations is not None
    result = score_predictions(
        resolved.benchmark.id, samples, predictions, get_protocol(resolved.protocol.name),
        missing=request.missing, resamples=request.bootstrap, seed=request.seed,
        inputs={"annotations": request.annotations.name, **inputs,
                "durations": request.durations.name if request.durations else None},
        skipped_annotations=skipped,
    )  # fmt: skip
    result.report.warnings.extend(duration_warnings(samples, durations))
    return ScoreOutcome(result.report, result.rows, result.layout, resolved.view, resolved.protocol)


def score_captions(
    request: ScoreRequest, resolved: Resolved, on_clip: Callable[[], None] | None
) -> ScoreOutcome:
    from videoeval.api import ScoreOutcome
    from videoeval.predictions.captions import read_caption_predictions
    from videoeval.runs import caption_predictions_from_log
    from videoeval.scoring.caption_judging import judge_captions
    from videoeval.scoring.captions import eventsim_report

    samples, _ = _samples(request, resolved)
    if resolved.run is not None:
        predictions = caption_predictions_from_log(resolved.run.responses)
    else:
        assert request.predictions is not None
        predictions = read_caption_predictions(request.predictions)
    benchmark_id = resolved.benchmark.id
    if resolved.protocol.name == "eventsim":
        scores = eventsim_report(
            benchmark_id, samples, predictions, request.bootstrap, request.seed
        )
    else:
        assert request.judge is not None
        scores = judge_captions(
            benchmark_id, samples, predictions, request.judge, on_clip,
            resamples=request.bootstrap, seed=request.seed,
        ).scores  # fmt: skip
    return ScoreOutcome(
        scores.report, scores.rows, predictions.layout, resolved.view, resolved.protocol,
        files={"verdicts": scores.verdicts},
    )  # fmt: skip


def dense_predictions(request: ScoreRequest, resolved: Resolved) -> tuple[Any, str]:
    from videoeval.predictions.dense import (
        DensePredictions,
        add_answer,
        is_dense_answers,
        read_dense_predictions,
    )

    if resolved.run is None:
        assert request.predictions is not None
        layout = "dense-answers" if is_dense_answers(request.predictions) else "densevid-results"
        return read_dense_predictions(request.predictions), layout
    out = DensePredictions(captions={})
    last = {row["sample_id"]: row for row in resolved.run.responses}
    for sample_id, row in last.items():
        if row.get("status") == "ok":
            add_answer(out, str(row.get("video_id") or sample_id), str(row.get("answer") or ""))
        else:
            out.problems.append(f"{sample_id}: {row.get('status')} ({row.get('error')})")
    return out, "videoeval-run"


def score_dense_captions(
    request: ScoreRequest, resolved: Resolved, on_clip: Callable[[], None] | None
) -> ScoreOutcome:
    from videoeval.api import ScoreOutcome
    from videoeval.scoring.dense import read_references, score_dense

    if resolved.protocol.name == "etbench":
        return _score_etbench(request, resolved)
    if resolved.protocol.name == "joint":
        from videoeval.scoring.joint import score_joint

        return score_joint(request, resolved, on_clip)
    assert request.annotations is not None
    files = [request.annotations, *request.references]
    loaded = [read_references(path) for path in files]
    references = [refs for refs, _ in loaded]
    if resolved.run is not None and resolved.run.config.get("limit"):
        ran = {s.video_id for s in _samples(request, resolved)[0]}
        references = [{v: r for v, r in refs.items() if v in ran} for refs in references]
    references = [subset_references(request, refs) for refs in references]
    predictions, layout = dense_predictions(request, resolved)
    if request.soda_missing not in ("drop", "zero"):
        raise UsageError("--soda-missing takes drop (the reference) or zero")
    if request.soda_average not in ("videos", "corpus"):
        raise UsageError("--soda-average takes videos (fujiso/SODA v1.1, PDVC) or corpus")
    junk: JunkRule = "densevid-2019" if resolved.protocol.name == "densevid-2019" else (
        "densevid-2018"
    )  # fmt: skip
    average: SodaAverage = "corpus" if request.soda_average == "corpus" else "videos"
    report, rows = score_dense(
        references, predictions, language=request.language, junk=junk, seed=request.seed,
        soda_missing=request.soda_missing, soda_average=average,
        benchmark_id=resolved.benchmark.id, resamples=request.bootstrap,
    )  # fmt: skip
    report.warnings.extend(p for _, problems in loaded for p in problems[:20])
    report.inputs["references"] = ", ".join(path.name for path in files)
    report.inputs["prediction_layout"] = layout
    return ScoreOutcome(report, rows, layout, resolved.view, resolved.protocol)


def _score_etbench(request: ScoreRequest, resolved: Resolved) -> ScoreOutcome:
    """The list with answers in ``a``; from a run, the annotation list with the run's answers
    written into ``a`` (a failed call leaves it empty: Failed, as an unreadable answer)."""
    from videoeval.api import ScoreOutcome
    from videoeval.scoring.etbench import score_etbench, score_etbench_groups

    if request.subset is not None:
        raise UsageError("--subset does not apply to E.T. Bench (its answers file is its GT)")
    if resolved.run is None:
        assert request.predictions is not None
        report, rows = score_etbench(request.predictions, request.seed)
        return ScoreOutcome(report, rows, "etbench-answers", resolved.view, resolved.protocol)
    samples, _ = _samples(request, resolved)
    answers = {row["sample_id"]: row for row in resolved.run.responses}
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for sample in samples:
        row = answers.get(sample.sample_id, {})
        answer = row.get("answer", "") if row.get("status") == "ok" else ""
        raw = {**sample.raw, "a": answer}
        groups.setdefault((str(raw["task"]), str(raw.get("source"))), []).append(raw)
    report, rows = score_etbench_groups(dict(sorted(groups.items())), "responses.jsonl",
                                        request.seed)  # fmt: skip
    return ScoreOutcome(report, rows, "videoeval-run", resolved.view, resolved.protocol)


SCORERS: dict[str, TaskScorer] = {
    "grounding": score_grounding,
    "captioning": score_captions,
    "dense_captioning": score_dense_captions,
}
