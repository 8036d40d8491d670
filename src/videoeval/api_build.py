"""``videoeval build``: a benchmark with timed ground truth checked against the video.

1. A teacher model (any backend) writes timed dense captions for every video in a folder,
   through the run engine (cached, resumable: ``teacher/run.json``, ``responses.jsonl``).
2. The video-aware auditor checks every event's text and span against the frames, K runs
   (the timed audit: frame evidence first, one verdict per event).
3. An event is kept only when every run finds its text true and its span right; an event any run
   flags is dropped, with the verdicts that dropped it in the audit trail.

Outputs: ``dense.json`` in the densevid layout (``{video: {duration, timestamps, sentences}}``,
what every dense protocol scores), ``audit_trail.jsonl`` (one line per event: its verdict in each
run, kept or dropped) and ``manifest.json`` (teacher, auditor, prompt hashes, runs, counts).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from videoeval.api_run import RunRequest
from videoeval.benchmarks.base import VIDEO_SUFFIXES
from videoeval.engine.runner import RunStats, WorkItem
from videoeval.errors import EnvironmentProblem, UsageError
from videoeval.scoring.caption_judging import JudgeOptions


@dataclass(frozen=True)
class BuildRequest:
    teacher: RunRequest
    """The teacher model and its frames; ``benchmark`` and ``annotations`` are not used."""
    auditor: JudgeOptions
    runs: int = 2
    audit_frames: int = 16
    out: Path = Path("videoeval-out/build")


@dataclass
class BuildOutcome:
    stats: RunStats
    manifest: dict[str, Any]
    files: list[Path] = field(default_factory=list)


def video_ids(folder: Path) -> list[str]:
    ids = sorted(p.stem for p in folder.iterdir() if p.suffix.lower() in VIDEO_SUFFIXES)
    if not ids:
        raise UsageError(f"--videos {folder} holds no video files")
    return ids


def _teach(request: BuildRequest, ids: list[str]) -> tuple[RunStats, dict[str, str], Any]:
    """The teacher's answers per video (through the run engine, into ``out/teacher``)."""
    from videoeval.api_run import Prepared, ask_plan
    from videoeval.engine.log import read_log
    from videoeval.models.factory import make_model
    from videoeval.prompts.templates import load_template
    from videoeval.run_inputs import frame_protocol, settings_of
    from videoeval.runs import RunPlan

    teacher = request.teacher
    out = request.out / "teacher"
    o = {**asdict(teacher), "out": out}
    frames = frame_protocol(o)
    settings, system = settings_of(o)
    model = make_model(teacher.backend, teacher.model, teacher.base_url, teacher.api_key_env,
                       teacher.timeout, teacher.concurrency, teacher.cache_by_server)  # fmt: skip
    template = load_template(teacher.prompt_file, "dense_default.txt", set())
    items = [WorkItem(vid, vid, template.render()) for vid in ids]
    config = {"build": "teacher", "videos": ids, "model": model.identity(),
              "frames": frames.spec.model_dump(mode="json"),
              "settings": settings.model_dump(mode="json"),
              "prompt": {"source": template.source, "sha256": template.sha256}}  # fmt: skip
    plan = RunPlan("build", "teacher", [], items, config, model.server())
    prepared = Prepared(None, "teacher", plan, frames, settings, system, model)
    stats, _ = ask_plan(teacher, prepared, plan, out=out)
    answers = {r["sample_id"]: r.get("answer", "") for r in read_log(out / "responses.jsonl")
               if r.get("status") == "ok"}  # fmt: skip
    return stats, answers, template


def build(request: BuildRequest) -> BuildOutcome:
    from videoeval.engine.cache import CallCache
    from videoeval.engine.retry import RetryPolicy
    from videoeval.judges.audit import Auditor
    from videoeval.judges.client import JudgeClient
    from videoeval.judges.video_judge import load_video_prompt
    from videoeval.models.factory import cache_root, make_model
    from videoeval.predictions.dense import events_from_answer
    from videoeval.schema import CaptionSample
    from videoeval.video.frames import FrameCache
    from videoeval.video.probe import probe
    from videoeval.video.provider import FrameProtocol
    from videoeval.video.sampling import SamplingSpec

    if request.runs < 1:
        raise UsageError("--runs must be at least 1")
    videos = request.teacher.videos
    if not videos.is_dir():
        raise UsageError(f"--videos {videos} is not a folder")
    ids = video_ids(videos)
    stats, answers, template = _teach(request, ids)
    samples = []
    for vid in ids:
        events = events_from_answer(answers.get(vid, "")) or []
        timed = tuple((c.start, c.end, c.sentence) for c in events)
        if timed:
            samples.append(CaptionSample(vid, vid, "build", " ".join(t for *_, t in timed),
                                         timed_events=timed))  # fmt: skip
    a = request.auditor
    model = make_model(a.backend, a.model, a.base_url, a.api_key_env, a.timeout, a.concurrency)
    if problem := model.check():
        raise EnvironmentProblem(f"the auditor cannot be asked: {problem}")
    root = cache_root(a.cache)
    client = JudgeClient(model, CallCache(root / "calls.sqlite"), a.settings(),
                         RetryPolicy(attempts=a.retries, base_delay=a.backoff),
                         concurrency=a.concurrency)  # fmt: skip
    prompt, source, sha = load_video_prompt("timed")
    frames = FrameProtocol(spec=SamplingSpec(kind="uniform", nframes=request.audit_frames))
    auditor = Auditor(client, prompt, "timed", videos, frames, FrameCache(root / "frames"),
                      request.runs, seed=a.seed or 0)  # fmt: skip

    async def main():  # type: ignore[no-untyped-def]
        try:
            return await auditor.audit_all(samples)
        finally:
            await model.aclose()

    audited = asyncio.run(main()) if samples else []
    dense: dict[str, Any] = {}
    trail = []
    for outcome in audited:
        vid = outcome.sample.video_id
        complete = outcome.status == "ok"
        kept = []
        for i, (start, end, text) in enumerate(outcome.sample.timed_events or ()):
            checks = [v.events[i] for v in outcome.verdicts if v.events and i < len(v.events)]
            keep = complete and all(c.text_ok and c.span_ok for c in checks)
            trail.append({"video_id": vid, "event": i, "span": [start, end], "text": text,
                          "kept": keep, "audit_status": outcome.status,
                          "runs": [c.model_dump(mode="json") for c in checks]})  # fmt: skip
            if keep:
                kept.append((start, end, text))
        if kept:
            dense[vid] = {"duration": probe(videos / _file(videos, vid)).duration,
                          "timestamps": [[s, e] for s, e, _ in kept],
                          "sentences": [t for *_, t in kept]}  # fmt: skip
    out = request.out
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "dense.json", out / "audit_trail.jsonl", out / "manifest.json"]
    paths[0].write_text(json.dumps(dense, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    with open(paths[1], "w", encoding="utf-8") as handle:
        for row in trail:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    manifest = {
        "videos": len(ids), "videos_answered": len(answers), "videos_with_events": len(samples),
        "videos_kept": len(dense), "events": len(trail),
        "events_kept": sum(r["kept"] for r in trail), "runs": request.runs,
        "rule": "an event is kept only when every run finds its text true and its span right",
        "teacher": {"model": request.teacher.model, "prompt_sha256": template.sha256},
        "auditor": {**model.identity(), "prompt_source": source, "prompt_sha256": sha,
                    "served_models": sorted(client.stats.served)},
        "dense_sha256": hashlib.sha256(paths[0].read_bytes()).hexdigest(),
    }  # fmt: skip
    paths[2].write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return BuildOutcome(stats, manifest, paths)


def _file(videos: Path, vid: str) -> str:
    return next(p.name for p in videos.iterdir() if p.stem == vid)
