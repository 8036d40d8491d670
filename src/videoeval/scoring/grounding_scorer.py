"""The scorer of every grounding protocol: GT queries joined to predictions (or each line
scored as it is read, ``grounding_stream.py``), each scored by the protocol's rules
(``scoring/grounding.py``), aggregated, with the warnings that say what the files held
(``grounding_warnings.py``)."""

from __future__ import annotations

import asyncio
import csv
import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from videoeval.benchmarks import get_benchmark
from videoeval.benchmarks.base import read_json, strip_video_suffix
from videoeval.errors import InputError, NothingToScoreError
from videoeval.gcpause import paused_gc
from videoeval.metrics.bootstrap import DEFAULT_RESAMPLES, MeanIntervals
from videoeval.metrics.poisson_bootstrap import PoissonStream
from videoeval.options import as_path
from videoeval.outputs import write_report
from videoeval.predictions.grounding import PredictionFile, read_predictions
from videoeval.protocols.grounding import GroundingProtocol, get_protocol
from videoeval.schema import GroundingRow, GroundingSample, MetricsReport
from videoeval.scoring.base import ScoreContext, Scored
from videoeval.scoring.grounding import Scored as SampleScored
from videoeval.scoring.grounding import aggregate, score_sample_safely
from videoeval.scoring.grounding_join import Joined, join
from videoeval.scoring.grounding_stream import stream_scored
from videoeval.scoring.grounding_warnings import (
    duration_warnings,
    hints_that_differ,
    refuse_foreign_ids,
    score_warnings,
)
from videoeval.scoring.report import build_report

if TYPE_CHECKING:
    from videoeval.engine.run_folder import RunRecord


@dataclass
class ScoreResult:
    report: MetricsReport
    rows: list[GroundingRow]
    layout: str


def read_durations(path: Path) -> dict[str, float]:
    """Video durations from JSON ``{vid: seconds}`` or a CSV with an id column and a
    ``length``/``duration`` column (Charades_v1_test.csv has ``id`` and ``length``). A duration
    that is not a positive finite number is refused: it would make a perfect answer score 0."""
    durations = _read_duration_file(path)
    bad = [(k, v) for k, v in durations.items() if not (math.isfinite(v) and v > 0)]
    if bad:
        raise InputError(
            path, f"{len(bad)} durations are not positive numbers (e.g. {bad[0][0]}: {bad[0][1]})"
        )
    return durations


def _read_duration_file(path: Path) -> dict[str, float]:
    if path.suffix.lower() == ".json":
        data = read_json(path)
        if not isinstance(data, dict):
            raise InputError(path, "expected a JSON object {video_id: seconds}")
        try:
            return {strip_video_suffix(str(k)): float(v) for k, v in data.items()}
        except (TypeError, ValueError, OverflowError) as exc:
            raise InputError(path, f"a duration is not a number ({exc})") from None
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            fields = {f.lower(): f for f in reader.fieldnames or []}
            id_col = fields.get("id") or fields.get("vid") or fields.get("video_id")
            len_col = fields.get("length") or fields.get("duration")
            if not id_col or not len_col:
                raise InputError(path, "a CSV needs an id column and a length/duration column")
            return {strip_video_suffix(row[id_col]): float(row[len_col]) for row in reader}
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except ValueError as exc:
        raise InputError(path, f"a duration is not a number ({exc})") from None


def with_durations(
    samples: list[GroundingSample], durations: dict[str, float]
) -> list[GroundingSample]:
    return [
        replace(s, duration=durations[s.video_id])
        if s.duration is None and s.video_id in durations
        else s
        for s in samples
    ]


def score_predictions(
    benchmark_id: str,
    samples: list[GroundingSample],
    predictions: PredictionFile,
    protocol: GroundingProtocol,
    missing: str | None = None,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
    inputs: dict[str, str | int | None] | None = None,
    skipped_annotations: list[str] | None = None,
) -> ScoreResult:
    """Grounding samples and predictions already read, scored and reported (the path every
    grounding score takes, for callers that hold records rather than files)."""
    from videoeval.options import ScoringOptions
    from videoeval.protocols import REGISTRY, ProtocolInfo

    benchmark = get_benchmark(benchmark_id)
    info = REGISTRY.get(protocol.name) or ProtocolInfo(
        protocol.name, "grounding", protocol.title, protocol.reference, protocol.description,
        f"{__name__}:score", protocol,
    )  # fmt: skip
    config = replace(protocol, missing=missing) if missing else protocol  # type: ignore[arg-type]
    ctx = ScoreContext(
        benchmark, benchmark.view("grounding"), info, config, None, samples,
        list(skipped_annotations or []), None, None, ScoringOptions(resamples, seed),
    )  # fmt: skip
    scored = scored_predictions(ctx, predictions, inputs or {})
    return ScoreResult(build_report(ctx, scored), scored.rows, predictions.layout)


async def score(ctx: ScoreContext[GroundingProtocol]) -> Scored:
    """The grounding scorer of every grounding protocol (``protocols/grounding.py``)."""
    return await asyncio.to_thread(_score, ctx)


def _score(ctx: ScoreContext[GroundingProtocol]) -> Scored:
    with paused_gc():
        return _score_paused(ctx)


def _score_paused(ctx: ScoreContext[GroundingProtocol]) -> Scored:
    from videoeval.engine.run_folder import predictions_from_log

    options = ctx.grounding
    durations_path = as_path(options.durations) if options else None
    durations = read_durations(durations_path) if durations_path is not None else None
    if durations is not None:
        ctx.samples = with_durations(ctx.samples, durations)
    annotations = ctx.annotations.name if ctx.annotations else None
    durations_name = durations_path.name if durations_path else None
    if ctx.run is not None:
        inputs = {"annotations": annotations, **run_inputs(ctx.run), "durations": durations_name}
        scored = scored_predictions(ctx, predictions_from_log(ctx.run.responses), inputs)
    else:
        assert ctx.predictions is not None
        inputs = {"annotations": annotations, "predictions": ctx.predictions.name,
                  "durations": durations_name}  # fmt: skip
        scored = scored_file(ctx, ctx.predictions, inputs)
    scored.warnings.extend(duration_warnings(ctx.samples, durations))
    return scored


def run_inputs(run: RunRecord) -> dict[str, str | int | None]:
    """What a run folder's run.json says about the answers' making, for the report."""
    config = run.config
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


def scored_predictions(
    ctx: ScoreContext[GroundingProtocol],
    predictions: PredictionFile,
    inputs: dict[str, str | int | None],
) -> Scored:
    """Predictions already read, every record in memory: joined, scored and reported."""
    protocol = ctx.config
    joined = join(ctx.samples, predictions.predictions, protocol.dedupe_keys)
    refuse_foreign_ids(joined, ctx.benchmark.id)
    scored = [
        score_sample_safely(
            s,
            joined.predictions.get(s.sample_id),
            protocol,
            ctx.benchmark.id,
            protocol.missing,
            earlier=joined.history[s.sample_id][:-1] if s.sample_id in joined.history else (),
        )
        for s in joined.samples
    ]
    file_order: Sequence[float] | None = None
    if protocol.every_line:
        answered = sum(len(v) for v in joined.history.values()) + len(joined.predictions)
        scored, file_order = _every_line(
            joined, scored, protocol, ctx.benchmark.id, protocol.missing, answered
        )
    elif protocol.running_sum:
        unanswered = float(len(predictions.predictions))  # after every line of the file
        file_order = [joined.first_line.get(s.sample_id, unanswered) for s in joined.samples]
    differs = hints_that_differ(joined) if protocol.gt_from_key else []
    read = len(predictions.predictions)
    return reported(ctx, joined, scored, file_order, predictions, read, differs, inputs)


def scored_file(
    ctx: ScoreContext[GroundingProtocol], path: Path, inputs: dict[str, str | int | None]
) -> Scored:
    """A prediction file scored as it is read where it can be (``grounding_stream.py``), else
    read whole first: the same rows, figures and warnings either way."""
    bootstrap = _miou_stream(ctx)
    streamed = stream_scored(ctx.samples, path, ctx.config, ctx.benchmark.id, bootstrap)
    if streamed is None:
        return scored_predictions(ctx, read_predictions(path), inputs)
    refuse_foreign_ids(streamed.joined, ctx.benchmark.id)
    # no query has a second line: each row's place in the file is its query's line
    in_file = ctx.config.every_line or ctx.config.running_sum
    return reported(
        ctx, streamed.joined, streamed.scored, streamed.order if in_file else None,
        streamed.file, streamed.read, streamed.gt_differs, inputs,
        {"mIoU": bootstrap} if bootstrap is not None else None,
    )  # fmt: skip


def _miou_stream(ctx: ScoreContext[GroundingProtocol]) -> PoissonStream | None:
    """Where the IoUs go to the ``poisson`` bootstrap as they are scored: float64 IoUs (a
    float32 protocol's are cast when aggregated), intervals asked for."""
    from videoeval.limits import check

    scoring, protocol = ctx.scoring, ctx.config
    if scoring.bootstrap <= 0 or scoring.bootstrap_method != "poisson":
        return None
    if not protocol.with_miou or protocol.float32:
        return None
    check("bootstrap", scoring.bootstrap, "--bootstrap")
    return PoissonStream(scoring.bootstrap, scoring.seed, "mIoU")


def reported(
    ctx: ScoreContext[GroundingProtocol],
    joined: Joined,
    scored: list[SampleScored],
    file_order: Sequence[float] | np.ndarray | None,
    predictions: PredictionFile,
    read: int,
    gt_differs: list[str],
    inputs: dict[str, str | int | None],
    streams: dict[str, PoissonStream] | None = None,
) -> Scored:
    """Scored queries aggregated, with the warnings that say what the files held.
    ``file_order``: each row's place in the file, where the protocol adds up in that order;
    ``read``: the predictions the file held; ``streams``: values the bootstrap got as they
    were scored."""
    protocol = ctx.config
    benchmark_id = ctx.benchmark.id
    skipped_annotations = ctx.skipped
    resamples, seed = ctx.scoring.bootstrap, ctx.scoring.seed
    missing_rule = protocol.missing
    scores = aggregate(scored, protocol, file_order)
    if scores.n_counted == 0:
        raise NothingToScoreError(
            f"nothing to score: none of the {read} predictions matched "
            f"a query of {benchmark_id} ({len(joined.unknown)} unknown); check that the "
            "annotation and prediction files belong together"
        )
    statuses = Counter(row.status for row in scores.rows)
    warnings = score_warnings(
        joined, scores, protocol, statuses, skipped_annotations, gt_differs, predictions
    )
    rule_text = {
        "exclude": "GT queries without prediction are left out of N",
        "miss": "GT queries without prediction count as IoU 0",
    }[missing_rule]
    return Scored(
        rows=scores.rows,
        metrics=scores.metrics,
        n_total=len(joined.samples),
        n_scored=statuses.get("ok", 0),
        n_counted=scores.n_counted,
        failure_rule=(
            f"{rule_text}; parse errors and invalid spans stay in N with the protocol's "
            "fallback span or IoU 0"
        ),
        intervals=MeanIntervals(
            scores.per_sample, decimals=protocol.metric_decimals, streams=streams
        ),
        inputs={
            **inputs,
            "prediction_layout": predictions.layout,
            "predictions_read": read,
            "predictions_unknown": len(joined.unknown),
            "bootstrap_resamples": resamples,
            "bootstrap_seed": seed,
            "missing_rule": missing_rule,
        },
        warnings=warnings,
        layout=predictions.layout,
    )


def _every_line(
    joined: Joined,
    scored: list[SampleScored],
    protocol: GroundingProtocol,
    benchmark_id: str,
    missing_rule: str,
    answered: int,
) -> tuple[list[SampleScored], list[float]]:
    """Each repeated line scored as its own counted row (before the query's last line), and
    every row's place in the file: the order the reference adds the IoUs up in (``answered``:
    the lines that matched a query; a row without a line is placed there)."""
    unanswered = float(answered)
    out: list[SampleScored] = []
    order: list[float] = []
    for sample, last in zip(joined.samples, scored, strict=True):
        lines = joined.history.get(sample.sample_id, ())
        positions = joined.history_lines.get(sample.sample_id, ())
        for k, (pred, position) in enumerate(zip(lines[:-1], positions, strict=False)):
            one = score_sample_safely(sample, pred, protocol, benchmark_id, missing_rule)
            one.row.note = "; ".join(
                filter(None, [one.row.note, f"line {k + 1} of {len(lines)} for this query"])
            )
            out.append(one)
            order.append(float(position))
        if lines:
            last.row.note = "; ".join(
                filter(None, [last.row.note, f"line {len(lines)} of {len(lines)} for this query"])
            )
        out.append(last)
        order.append(float(positions[-1]) if positions else joined.first_line.get(
            sample.sample_id, unanswered))  # fmt: skip
    return out, order


@paused_gc()
def score_files(
    benchmark_id: str,
    annotations: Path,
    predictions: Path,
    protocol_name: str | None = None,
    durations: Path | None = None,
    missing: str | None = None,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> ScoreResult:
    """A grounding prediction file scored against its annotation file."""
    benchmark = get_benchmark(benchmark_id)
    protocol = get_protocol(protocol_name or benchmark.view("grounding").default_protocol)
    if missing is not None:
        protocol = replace(protocol, missing=missing)  # type: ignore[arg-type]
    loaded = benchmark.view("grounding").load(annotations)
    samples = loaded.samples
    if durations is not None:
        samples = with_durations(samples, read_durations(durations))
    return score_predictions(
        benchmark.id, samples, read_predictions(predictions), protocol, missing, resamples, seed,
        inputs={"annotations": annotations.name, "predictions": predictions.name,
                "durations": durations.name if durations else None},
        skipped_annotations=loaded.skipped,
    )  # fmt: skip


def write_outputs(result: ScoreResult, out_dir: Path) -> tuple[Path, Path]:
    """metrics.json and samples.jsonl, written as every scored run writes them."""
    metrics_path, samples_path = write_report(out_dir, result.report, samples=result.rows)
    return metrics_path, samples_path
