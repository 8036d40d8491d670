"""``videoeval run``: a model on a benchmark, resumable, then scored exactly like ``score``.

A run folder holds run.json (what was run: config, versions, model identity, frame protocol,
prompt hash), responses.jsonl (append-only, one line per finished sample), and, once every
sample is done, samples.jsonl and metrics.json as ``videoeval score`` writes them.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from videoeval.benchmarks import get_benchmark
from videoeval.benchmarks.base import View, annotation_digest
from videoeval.engine.cache import CallCache
from videoeval.engine.log import AppendLog
from videoeval.engine.runner import Engine, FrameProtocol, RunStats, WorkItem, find_video
from videoeval.errors import InputError, UsageError, VideoevalError
from videoeval.models.base import GenerationSettings, Model
from videoeval.predictions.captions import CaptionPredictions
from videoeval.predictions.grounding import PredictionFile
from videoeval.prompts.templates import PromptTemplate
from videoeval.protocols.tasks import task_of
from videoeval.schema import GroundingPrediction
from videoeval.version import __version__
from videoeval.video.frames import FrameCache
from videoeval.video.probe import VideoError, probe
from videoeval.video.sampling import select_indices


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
    def protocol(self) -> str | None:
        return self.config.get("protocol")

    @property
    def model(self) -> str | None:
        model = self.config.get("model")
        return model.get("model") if isinstance(model, dict) else None


def read_run(folder: Path) -> RunRecord:
    from videoeval.benchmarks.base import read_text
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


def check_run_annotations(run: RunRecord, annotations: Path, benchmark_id: str) -> None:
    """The annotation file is the one the run was made on (by its SHA-256)."""
    if run.config.get("benchmark") != benchmark_id:
        raise UsageError(
            f"{run.folder} is a run of {run.config.get('benchmark')}, not {benchmark_id}"
        )
    expected = run.config.get("annotations_sha256")
    if not expected:
        raise UsageError(
            f"{run.folder}/run.json records no checksum of its annotation file, so {annotations} "
            "cannot be checked to be the file it was run on: re-run into a new folder"
        )
    try:
        actual = annotation_digest(annotations)
    except OSError as exc:
        raise InputError(annotations, f"cannot be read ({exc.strerror or exc})") from None
    if actual != expected:
        raise UsageError(
            f"{annotations} is not the annotation file {run.folder} was run on "
            f"({run.config.get('annotations')}, by its SHA-256)"
        )


class RunMismatchError(VideoevalError):
    """The output folder holds a run made with another configuration."""


@dataclass
class RunPlan:
    benchmark_id: str
    protocol: str
    samples: list[Any]  # GroundingSample or CaptionSample, by the benchmark's task
    items: list[WorkItem]
    config: dict[str, Any]
    server: str | None = None
    """Where the model was served (recorded; moving the server does not change the run)."""

    @property
    def config_hash(self) -> str:
        return hashlib.sha256(json.dumps(self.config, sort_keys=True).encode()).hexdigest()


def _git_revision() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


LOCAL_STACK = ("torch", "torchvision", "transformers", "qwen-vl-utils", "accelerate")
"""The packages that shape a local model's inputs and outputs (recorded for --backend hf)."""


def _versions(local: bool = False) -> dict[str, str]:
    from importlib import metadata

    import av
    import httpx
    import numpy

    versions = {
        "videoeval": __version__,
        "python": platform.python_version(),
        "av": av.__version__,
        "numpy": numpy.__version__,
        "httpx": httpx.__version__,
    }
    if local:
        for name in LOCAL_STACK:
            try:
                versions[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                versions[name] = "not installed"
    return versions


def plan_run(
    benchmark_id: str,
    view: View,
    annotations: Path,
    protocol_name: str,
    template: PromptTemplate | None,
    model: Model,
    frames: FrameProtocol,
    settings: GenerationSettings,
    system: str | None,
    limit: int | None,
) -> RunPlan:
    """One request per sample of ``view``: a grounding query, a clip to describe, or a video
    whose events to caption with their times."""
    benchmark = get_benchmark(benchmark_id)
    samples = view.load(annotations).samples
    if limit is not None:
        samples = samples[:limit]
    if template is None:  # each sample asks its own question (E.T. Bench's q)
        items = [WorkItem(s.sample_id, s.video_id, s.prompt) for s in samples]
        joined = "\n".join(item.prompt for item in items)
        prompt = {"source": f"{benchmark.id} field {view.prompt_field}",
                  "sha256": hashlib.sha256(joined.encode()).hexdigest()}  # fmt: skip
    else:
        names = task_of(view.task).prompt_fields
        items = [WorkItem(s.sample_id, s.video_id,
                          template.render(**{n: getattr(s, n) for n in names}))
                 for s in samples]  # fmt: skip
    if template is not None:
        prompt = {"source": template.source, "sha256": template.sha256}
    config: dict[str, Any] = {
        "benchmark": benchmark.id,
        "protocol": protocol_name,
        "annotations": annotations.name,
        "annotations_sha256": annotation_digest(annotations),
        "model": model.identity(),
        "frames": {
            "sampling": frames.spec.model_dump(mode="json"),
            "sampling_text": frames.spec.describe(),
            "budget": frames.budget.model_dump(mode="json") if frames.budget else None,
            "labels": frames.labels,
            "mode": frames.mode,
            "jpeg_quality": frames.jpeg_quality,
            # only with a preset: configs of earlier runs stay equal, so their folders resume
            **({"preset": frames.preset} if frames.preset else {}),
        },
        "settings": settings.model_dump(mode="json"),
        "prompt": prompt,
        "system_sha256": hashlib.sha256(system.encode()).hexdigest() if system else None,
        "limit": limit,
    }
    if view.task != benchmark.task:  # runs of the default view keep the identity they had
        config["task"] = view.task
    return RunPlan(benchmark.id, protocol_name, samples, items, config, model.server())


def prepare_folder(out: Path, plan: RunPlan, limits: dict[str, Any] | None = None) -> None:
    """Write run.json, or check that the folder's run was made with the same configuration."""
    out.mkdir(parents=True, exist_ok=True)
    run_json = out / "run.json"
    if run_json.exists():
        try:
            previous = json.loads(run_json.read_text(encoding="utf-8"))
            previous["config"]
        except (ValueError, RecursionError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise RunMismatchError(
                f"{run_json} is damaged or not a videoeval run.json ({type(exc).__name__}): "
                "use another --out, or delete that folder to start over"
            ) from None
        if previous.get("config_hash") != plan.config_hash:
            old = previous.get("config", {})
            changes = "; ".join(config_changes(old if isinstance(old, dict) else {}, plan.config))
            raise RunMismatchError(
                f"{out} holds a run made with another configuration ({changes}); resuming would "
                "mix answers to different questions. Use another --out, or delete that folder "
                "to start over."
            )
        return
    record = {
        "config": plan.config,
        "config_hash": plan.config_hash,
        "server": plan.server,
        "limits": limits or {},
        "versions": _versions(local=plan.config.get("model", {}).get("backend") == "hf"),
        "git_revision": _git_revision(),
    }
    _write_record(run_json, record)


def _write_record(run_json: Path, record: dict[str, Any]) -> None:
    """run.json whole or as it was: a run killed while writing it leaves no half file."""
    partial = run_json.with_name(run_json.name + ".partial")
    partial.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    os.replace(partial, run_json)


def record_executor(out: Path, executor: Any) -> None:
    """Which executor asked this session's items (run.json's ``executor``; each executor used
    is kept in ``executors``). Not part of the config: a run resumed on another executor asks
    the same questions."""
    run_json = out / "run.json"
    record = json.loads(run_json.read_text(encoding="utf-8"))
    said = {"executor": executor.executor, "ray_address": executor.ray_address}
    if record.get("executor") == said:
        return
    record["executor"] = said
    record["executors"] = [*record.get("executors", []), said]
    _write_record(run_json, record)


def config_changes(old: dict[str, Any], new: dict[str, Any], prefix: str = "") -> list[str]:
    """Each setting that differs, by its full name, with the folder's value and the new one
    (``settings.temperature: 0.0 in the folder, 0.7 now``)."""
    out = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        name = f"{prefix}{key}"
        if isinstance(a, dict) and isinstance(b, dict):
            out.extend(config_changes(a, b, name + "."))
        else:
            out.append(f"{name}: {_short(a)} in the folder, {_short(b)} now")
    return out[:8]


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 60 else text[:57] + "..."


def record_served(out: Path, served: dict[str, Any]) -> None:
    """Write what the server says it serves into run.json, or refuse when the folder's run was
    made with another checkpoint under the same name (its answers would be mixed)."""
    run_json = out / "run.json"
    record = json.loads(run_json.read_text(encoding="utf-8"))
    before = record.get("served")
    if before is None:
        record["served"] = served
        _write_record(run_json, record)
    elif before != served:
        raise RunMismatchError(
            f"{out} holds answers of the model served as {before}; the server now serves it as "
            f"{served}: another checkpoint under the same name. Use another --out (and "
            "--revision to keep the cached answers apart)"
        )


def dry_run(plan: RunPlan, videos: Path, frames: FrameProtocol) -> dict[str, Any]:
    """Calls, frames and estimated visual tokens, from probing every video (no decoding)."""
    n_frames, tokens, missing, unreadable = 0, 0, 0, 0
    seen: dict[str, tuple[int, int, int]] = {}
    for item in plan.items:
        if item.video_id not in seen:
            path = find_video(videos, item.video_id)
            if path is None:
                missing += 1
                continue
            try:
                info = probe(path)
            except VideoError:
                unreadable += 1
                continue
            fps = info.reported_fps or info.native_fps
            count = len(select_indices(frames.spec, info.frame_times, fps))
            width, height = info.width, info.height
            if frames.budget is not None:
                width, height = frames.budget.size_for(width, height, count)
            seen[item.video_id] = (count, width, height)
        count, width, height = seen[item.video_id]
        n_frames += count
        # Qwen-style: one token per 28x28 pixels of every 2-frame temporal patch.
        tokens += (count + 1) // 2 * (width * height) // (28 * 28)
        tokens += len(item.prompt) // 4
    return {
        "samples": len(plan.items),
        "calls_at_most": len(plan.items) - missing - unreadable,
        "videos_missing": missing,
        "videos_unreadable": unreadable,
        "frames": n_frames,
        "estimated_prompt_tokens": tokens,
    }


def predictions_from_log(rows: list[dict[str, Any]]) -> PredictionFile:
    last: dict[str, dict[str, Any]] = {}
    for row in rows:
        last[row["sample_id"]] = row  # a retried failure is superseded by its later row
    predictions = []
    for sample_id, row in last.items():
        origin = f"responses.jsonl[{sample_id}]"
        answer = row.get("answer", "")
        if row.get("status") == "ok" and isinstance(answer, str):
            predictions.append(GroundingPrediction(origin, sample_id, answer=answer))
        elif row.get("status") == "ok":
            problem = "the logged answer is not text"
            predictions.append(
                GroundingPrediction(origin, sample_id, failure="model_error", problem=problem)
            )
        else:
            predictions.append(
                GroundingPrediction(
                    origin=origin,
                    sample_id=sample_id,
                    failure=row.get("status", "model_error"),
                    problem=row.get("error"),
                )
            )
    return PredictionFile("videoeval-run", predictions)


def caption_predictions_from_log(rows: list[dict[str, Any]]) -> CaptionPredictions:
    result = CaptionPredictions(layout="videoeval-run", texts={}, origins={})
    for row in rows:  # a later row (a retried failure) supersedes an earlier one
        clip = row["sample_id"]
        result.origins[clip] = f"responses.jsonl[{clip}]"
        if row.get("status") == "ok" and isinstance(row.get("answer", ""), str):
            result.texts[clip] = row.get("answer", "")
            result.failures.pop(clip, None)
        else:
            result.texts.pop(clip, None)
            status = row.get("status", "model_error")
            result.failures[clip] = "model_error" if status == "ok" else status
    return result


async def execute(
    plan: RunPlan,
    engine: Engine,
    out: Path,
    on_row: Callable[[dict[str, Any]], None] | None = None,
) -> RunStats:
    """Ask every sample not yet answered; answers go to ``out/responses.jsonl`` as they come.
    Scoring is the caller's: ``videoeval.api.score`` with ``from_run=out``."""
    log = AppendLog(out / "responses.jsonl")
    try:
        return await engine.run(plan.items, log, on_row)
    finally:
        log.close()


async def ask_all(
    plan: RunPlan, engine: Engine, out: Path, on_row: Callable[[dict[str, Any]], None] | None = None
) -> RunStats:
    """:func:`execute`, then the model's connections and the engine's workers closed."""
    try:
        return await execute(plan, engine, out, on_row)
    finally:
        await engine.model.aclose()
        engine.close()


__all__ = [
    "CallCache",
    "FrameCache",
    "RunPlan",
    "ask_all",
    "dry_run",
    "plan_run",
    "prepare_folder",
]
