"""The library API: score a prediction file (or a run folder) against a benchmark.

``score(ScoreRequest(...))`` resolves the benchmark's view and the protocol, reads the
predictions in a layout of that view's task only, scores them with that task's scorer and
returns a :class:`ScoreOutcome` (metrics.json report + one row per scored unit). The command
line is a thin layer over this; tests and notebooks call it directly.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from videoeval.benchmarks import get_benchmark
from videoeval.benchmarks.base import Benchmark, View, read_text
from videoeval.errors import InputError, UsageError
from videoeval.limits import check as check_limit
from videoeval.outputs import write_report
from videoeval.predictions.sniff import tasks_of_file
from videoeval.protocols import ProtocolInfo, protocol_info
from videoeval.schema import MetricsReport
from videoeval.scoring.caption_judging import JudgeOptions


@dataclass(frozen=True)
class ScoreRequest:
    """What to score and how; every field a ``videoeval score`` option."""

    benchmark: str
    predictions: Path | None = None
    annotations: Path | None = None
    protocol: str | None = None
    from_run: Path | None = None
    """A ``videoeval run`` folder: its responses.jsonl is re-scored, no model is called."""
    references: tuple[Path, ...] = ()
    """Dense captioning: more reference files beside ``annotations`` (val_2 beside val_1)."""
    durations: Path | None = None
    missing: str | None = None
    bootstrap: int = 1000
    seed: int = 0
    language: bool = True
    soda_missing: str = "drop"
    soda_average: str = "videos"
    judge: JudgeOptions | None = None
    model_name: str | None = None
    videos: Path | None = None
    """``joint``: the videos whose frames the judge sees."""
    judge_frames: int = 8
    """``joint``: frames per predicted event (uniform inside its span)."""
    frame_evidence: bool = True
    """``joint``: the judge lists what the frames show before deciding (off: the ablation)."""
    subset: Path | None = None
    """Score only these clips (``audit --export-clean``'s clean_subset.json, or a list of ids):
    a sample is kept when its id or its video id is listed."""


@dataclass
class ScoreOutcome:
    report: MetricsReport
    rows: list[Any]
    """One per scored unit (query, clip, video or sample), each with ``sample_id`` and
    ``status``: ``GroundingRow`` records for grounding, dicts for the other tasks."""
    layout: str
    view: View
    protocol: ProtocolInfo
    files: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Further row files written beside samples.jsonl (AutoDQ's verdicts.jsonl)."""

    def write(self, out: Path) -> list[Path]:
        """``out/metrics.json``, ``out/samples.jsonl`` and the further row files."""
        return write_report(out, self.report, samples=self.rows, **self.files)


@dataclass(frozen=True)
class RunRecord:
    """What a run folder says about itself (run.json) and its answers (responses.jsonl)."""

    folder: Path
    config: dict[str, Any]
    responses: list[dict[str, Any]]
    problems: list[str] = field(default_factory=list)
    """Lines of responses.jsonl that are not the run's own (hand-edited): left out, named."""

    @property
    def task(self) -> str | None:
        return self.config.get("task")

    @property
    def model(self) -> str | None:
        model = self.config.get("model")
        return model.get("model") if isinstance(model, dict) else None


def read_run(folder: Path) -> RunRecord:
    from videoeval.engine.log import read_log

    run_json = folder / "run.json"
    if not run_json.exists():
        raise InputError(folder, "holds no run.json: not a `videoeval run` folder")
    try:
        config = json.loads(read_text(run_json))["config"]
    except (ValueError, RecursionError, KeyError, TypeError) as exc:
        raise InputError(run_json, f"not a run.json this version reads ({exc})") from None
    if not isinstance(config, dict):
        raise InputError(run_json, "not a run.json this version reads (no config object)")
    problems: list[str] = []
    responses = read_log(folder / "responses.jsonl", problems=problems)
    return RunRecord(folder, config, responses, problems)


def _check_run_annotations(run: RunRecord, annotations: Path, benchmark: Benchmark) -> None:
    if run.config.get("benchmark") != benchmark.id:
        raise UsageError(
            f"{run.folder} is a run of {run.config.get('benchmark')}, not {benchmark.id}"
        )
    expected = run.config.get("annotations_sha256")
    if not expected:
        raise UsageError(
            f"{run.folder}/run.json records no checksum of its annotation file, so {annotations} "
            "cannot be checked to be the file it was run on: re-run into a new folder"
        )
    try:
        actual = hashlib.sha256(annotations.read_bytes()).hexdigest()
    except OSError as exc:
        raise InputError(annotations, f"cannot be read ({exc.strerror or exc})") from None
    if actual != expected:
        raise UsageError(
            f"{annotations} is not the annotation file {run.folder} was run on "
            f"({run.config.get('annotations')}, by its SHA-256)"
        )


def _task_of(
    benchmark: Benchmark, request: ScoreRequest, run: RunRecord | None
) -> tuple[View, str | None]:
    """The view to score, and why (printed) when it was not named."""
    if request.protocol is not None:
        return benchmark.view(protocol_info(request.protocol).task), None
    if run is not None:
        task = run.task or run.config.get("protocol_task") or benchmark.task
        return benchmark.view(task), None
    views = [v for v in benchmark.views if v.task != "audit"]
    if len(views) == 1:
        return views[0], None
    if request.predictions is None:
        raise UsageError(f"{benchmark.id} has several views: name a --protocol")
    found = [v for v in views if v.task in tasks_of_file(request.predictions)]
    if len(found) != 1:
        fits = " and ".join(v.task for v in found) or "none of its views"
        raise UsageError(
            f"{request.predictions} fits {fits} of {benchmark.id}; name the protocol to use "
            f"(--protocol {' or --protocol '.join(v.default_protocol for v in views)})"
        )
    return found[0], (
        f"{request.predictions.name} is a {found[0].task} file: scored as {found[0].task} "
        f"with {found[0].default_protocol} (the view's default; --protocol chooses another)"
    )


def _protocol_of(view: View, request: ScoreRequest, run: RunRecord | None) -> ProtocolInfo:
    if request.protocol is not None:
        return protocol_info(request.protocol)
    if run is not None and protocol_info(run.config.get("protocol", "")).task == view.task:
        name = run.config["protocol"]
        if view.task == "captioning":
            name = "autodq" if request.judge else "eventsim"
        return protocol_info(name)
    if view.task == "captioning":
        return protocol_info("autodq" if request.judge else "eventsim")
    return protocol_info(view.default_protocol)


@dataclass(frozen=True)
class Resolved:
    benchmark: Benchmark
    view: View
    protocol: ProtocolInfo
    run: RunRecord | None
    note: str | None


def resolve(request: ScoreRequest, need_predictions: bool = True) -> Resolved:
    """Benchmark, view and protocol of a request; raises :class:`UsageError` when they do not
    fit together (a protocol of another task, a file of another task, a missing input)."""
    try:
        benchmark = get_benchmark(request.benchmark)
    except KeyError as exc:
        raise UsageError(str(exc.args[0])) from None
    check_limit("bootstrap", request.bootstrap, "--bootstrap")
    check_limit("frames", request.judge_frames, "--judge-frames")
    if request.predictions is not None and request.from_run is not None:
        raise UsageError("give the predictions (-p) or a run folder (--from-run), not both")
    if need_predictions and request.predictions is None and request.from_run is None:
        raise UsageError("give the predictions (--predictions / -p) or a run folder (--from-run)")
    run = read_run(request.from_run) if request.from_run is not None else None
    view, note = _task_of(benchmark, request, run)
    protocol = _protocol_of(view, request, run)
    if protocol.name == "eventsim" and request.protocol is None:
        note = (
            "no --judge-model: scoring with EventSim, an offline embedding metric (not AutoDQ); "
            "pass --judge-model and --judge-base-url (or --judge-backend gemini) for AutoDQ"
        )
    if protocol.task != view.task:
        raise UsageError(f"protocol {protocol.name} scores {protocol.task}, not {view.task}")
    if protocol.name == "autodq" and request.judge is None and need_predictions:
        raise UsageError("protocol autodq needs a judge: --judge-model (and its URL or backend)")
    from_file = view.annotations_in_predictions and run is None
    if request.annotations is None and not from_file:
        raise UsageError(f"{benchmark.id} needs its GT file: --annotations / -a")
    if run is not None and request.annotations is not None:
        _check_run_annotations(run, request.annotations, benchmark)
    checked = view.task in ("grounding", "dense_captioning") and not view.annotations_in_predictions
    if request.predictions is not None and checked:
        tasks = tasks_of_file(request.predictions)
        if tasks and view.task not in tasks:
            raise UsageError(
                f"{request.predictions} is a {' / '.join(sorted(tasks))} file, not a "
                f"{view.task} one: protocol {protocol.name} cannot score it"
            )
    return Resolved(benchmark, view, protocol, run, note)


def score(request: ScoreRequest, on_clip: Callable[[], None] | None = None) -> ScoreOutcome:
    """Score ``request``; ``on_clip`` is called once per judged clip (progress)."""
    from videoeval.scoring.by_task import SCORERS

    resolved = resolve(request)
    outcome = SCORERS[resolved.view.task](request, resolved, on_clip)
    report = outcome.report
    report.protocol_config = dict(resolved.protocol.config)
    model = request.model_name or (resolved.run.model if resolved.run else None)
    if model:
        report.model = model
    if resolved.run is not None:
        report.inputs["run_folder"] = resolved.run.folder.name
        report.warnings.extend(resolved.run.problems[:20])
    return outcome
