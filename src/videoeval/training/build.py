"""``videoeval build``: a benchmark (or training set) whose labels are checked against the video.

``kind="events"`` (timed dense captions):
1. A teacher model (any backend) writes timed dense captions for every video in a folder (or of
   a clip list), through the run engine (cached, resumable: ``teacher/run.json``,
   ``responses.jsonl``). With the frame-evidence step (the default) it first lists what it sees
   with the times, then its events, as the audit judge does.
2. The video-aware auditor checks every event's text and span against the frames, K runs.
3. An event is kept only when every run finds its text true and its span right; an event any run
   flags is dropped, with the verdicts that dropped it in the audit trail, or (``repair``) sent
   back to the teacher once with the auditor's notes, its rewrite audited again the same way.
   Outputs: ``dense.json`` in the densevid layout (what every dense protocol scores).

``kind="detailed"`` (recaptioning, as Tarsier2-Recap: detailed descriptions for a video set):
the teacher describes each video (evidence first), the auditor judges each description against
the frames K times, and a description is kept only when no run finds an error in it. Outputs:
``captions.jsonl`` (a clip list: ``{"video", "id", "caption"}``) and, given a clip list with
the videos' original captions, ``original.jsonl``: the same clips with their original labels,
the control of Tarsier2's "Original FT vs Recaption FT" comparison.

Both write ``audit_trail.jsonl`` (every event or description with its verdict in each run, kept
or not) and ``manifest.json`` (teacher, auditor, prompt hashes, runs, counts).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from videoeval.api.run import RunRequest
from videoeval.benchmarks.base import VIDEO_SUFFIXES
from videoeval.engine.runner import RunStats, WorkItem
from videoeval.errors import EnvironmentProblem, UsageError
from videoeval.options import JudgeOptions, as_path
from videoeval.schema import TimedEvent

KINDS = ("events", "detailed")


@dataclass(frozen=True)
class BuildRequest:
    teacher: RunRequest
    """The teacher model and its frames; ``benchmark`` and ``annotations`` are not used."""
    auditor: JudgeOptions
    runs: int = 2
    audit_frames: int = 16
    out: Path = Path("videoeval-out/build")
    repair: bool = False
    """Events any run flags go back to the teacher once, with the auditor's notes; what it
    writes is audited again the same way (and kept only when every run finds it right)."""
    kind: str = "events"
    """``events`` (timed dense captions) or ``detailed`` (detailed captions: recaptioning)."""
    frame_evidence: bool = True
    """The teacher lists what the frames show (with times) before answering, as the auditor
    does; off: the plain prompts (the ablation)."""
    clips: Path | None = None
    """A clip list (``clips`` benchmark layout): only its videos are built; with ``detailed``,
    its captions are written beside as the original-label control."""


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


def _originals(request: BuildRequest) -> tuple[list[str], dict[str, tuple[str, str]]]:
    """The videos to build, and (from a clip list) each video's clip id and original caption."""
    if request.clips is None:
        return video_ids(request.teacher.videos), {}
    from videoeval.benchmarks import get_benchmark

    view = get_benchmark("clips").view("captioning")
    samples = view.load(request.clips).samples
    originals = {s.video_id: (s.sample_id, s.reference) for s in samples}
    return sorted(originals), originals


async def _ask_teacher(
    request: BuildRequest, prompts: dict[str, str], folder: str, source: dict[str, str]
) -> tuple[RunStats, dict[str, str]]:
    """The teacher's answer to each video's prompt, through the run engine (``out/folder``)."""
    from videoeval.api.run import Prepared, ask_plan
    from videoeval.engine.log import read_log
    from videoeval.engine.run_folder import RunPlan
    from videoeval.engine.run_inputs import frame_protocol, settings_of
    from videoeval.models.factory import make_model

    teacher = request.teacher
    out = request.out / folder
    o = {**teacher.flat(), "out": out}
    frames = frame_protocol(o)
    settings, system = settings_of(o)
    m = teacher.model
    model = make_model(m.backend, m.name, m.base_url, m.api_key_env, m.timeout, m.concurrency,
                       m.cache_by_server, revision=m.revision)  # fmt: skip
    items = [WorkItem(f"{vid}#{folder}" if folder != "teacher" else vid, vid, prompt)
             for vid, prompt in prompts.items()]  # fmt: skip
    config = {"build": folder, "videos": sorted(prompts), "model": model.identity(),
              "frames": frames.spec.model_dump(mode="json"),
              "settings": settings.model_dump(mode="json"), "prompt": source,
              "prompts_sha256": hashlib.sha256(json.dumps(prompts, sort_keys=True).encode())
              .hexdigest()}  # fmt: skip
    plan = RunPlan("build", folder, [], items, config, model.server())
    prepared = Prepared(None, folder, plan, frames, settings, system, model)
    stats, _ = await ask_plan(teacher, prepared, plan, out=out)
    answers = {r["video_id"]: r.get("answer", "") for r in read_log(out / "responses.jsonl")
               if r.get("status") == "ok"}  # fmt: skip
    return stats, answers


def _samples(
    answers: dict[str, str], durations: dict[str, float], off: list[dict[str, Any]],
    suffix: str = "",
) -> list[Any]:  # fmt: skip
    """Each answer's timed events, as a sample to audit. An event that starts at or after its
    video's end is not on the video: it goes to ``off`` (the trail), never to the auditor; an
    event that ends past it is cut at the end (noted in the trail by its span)."""
    from videoeval.schema import CaptionSample

    samples = []
    for vid, answer in sorted(answers.items()):
        duration = durations[vid]
        timed = []
        for i, c in enumerate(teacher_events(answer) or []):
            if c.start >= duration:
                off.append({"video_id": vid, "event": i, "span": [c.start, c.end],
                            "text": c.sentence, "kept": False, "pass": suffix.strip("#")
                            or "first", "audit_status": "invalid_span",
                            "note": f"starts after the video's end ({duration:g} s)",
                            "runs": []})  # fmt: skip
            else:
                timed.append(TimedEvent(c.start, min(c.end, duration), c.sentence))
        if timed:
            text = " ".join(t for *_, t in timed)
            samples.append(CaptionSample(vid + suffix, vid, "build", text,
                                         timed_events=tuple(timed)))  # fmt: skip
    return samples


def _evidence_reply(answer: str) -> dict[str, Any] | None:
    from videoeval.judges.replies import ReplyError, parse_dict

    try:
        reply = parse_dict(answer)
    except ReplyError:
        return None
    return reply if isinstance(reply.get("frame_evidence"), list) else None


def teacher_events(answer: str) -> list[Any] | None:
    """The timed events of a teacher's answer: the ``events`` of an evidence-first reply, or
    events read from text ("<start> - <end> seconds, <event>" lines, a JSON list)."""
    from videoeval.metrics.dense import Caption
    from videoeval.predictions.dense import events_from_answer

    reply = _evidence_reply(answer)
    if reply is None:
        return events_from_answer(answer)
    events = []
    for item in reply.get("events") or []:
        try:
            start, end = float(item["start"]), float(item["end"])
            text = str(item["event"]).strip()
        except (KeyError, TypeError, ValueError, OverflowError):
            continue
        if math.isfinite(start) and math.isfinite(end) and end > start and text:
            events.append(Caption(start, end, text))
    return events or None


def teacher_caption(answer: str) -> str | None:
    """The description of a teacher's answer: the ``caption`` of an evidence-first reply, or
    the whole text."""
    reply = _evidence_reply(answer)
    if reply is None:
        text = answer.strip()
        return text if text and not text.startswith("{") else None
    caption = reply.get("caption")
    return caption.strip() if isinstance(caption, str) and caption.strip() else None


async def _audit(
    request: BuildRequest, samples: list[Any], mode: str = "timed"
) -> tuple[list[Any], dict[str, Any]]:
    """The audit of every sample (its timed events, or its description), K runs; and the
    auditor's record."""
    from videoeval.engine.cache import CallCache
    from videoeval.engine.retry import RetryPolicy
    from videoeval.judges.audit import Auditor
    from videoeval.judges.client import JudgeClient
    from videoeval.judges.video_judge import load_video_prompt
    from videoeval.models.factory import cache_root, make_model
    from videoeval.video.frames import FrameCache
    from videoeval.video.provider import FrameProtocol
    from videoeval.video.sampling import SamplingSpec

    a = request.auditor
    model = make_model(a.backend, a.model, a.base_url, a.api_key_env, a.timeout, a.concurrency)
    if problem := model.check():
        raise EnvironmentProblem(f"the auditor cannot be asked: {problem}")
    root = cache_root(as_path(a.cache))
    client = JudgeClient(model, CallCache(root / "calls.sqlite"), a.settings(),
                         RetryPolicy(attempts=a.retries, base_delay=a.backoff),
                         concurrency=a.concurrency, structured=a.structured)  # fmt: skip
    prompt, source, sha = load_video_prompt(mode)  # type: ignore[arg-type]
    frames = FrameProtocol(spec=SamplingSpec(kind="uniform", nframes=request.audit_frames))
    auditor = Auditor(client, prompt, mode, request.teacher.videos, frames,  # type: ignore[arg-type]
                      FrameCache(root / "frames"), request.runs, seed=a.seed or 0)  # fmt: skip

    try:
        audited = await auditor.audit_all(samples) if samples else []
    finally:
        await model.aclose()
    record = {**model.identity(), "prompt_source": source, "prompt_sha256": sha,
              "served_models": sorted(client.stats.served),
              "structured_output": client.structured_output()}  # fmt: skip
    return audited, record


def _checked(outcome: Any) -> list[tuple[tuple[float, float, str], bool, list[Any]]]:
    """Each event of an audited sample, kept or not, with its checks in every run."""
    complete = outcome.status == "ok"
    out = []
    for i, event in enumerate(outcome.sample.timed_events or ()):
        checks = [v.events[i] for v in outcome.verdicts if v.events and i < len(v.events)]
        out.append((event, complete and all(c.text_ok and c.span_ok for c in checks), checks))
    return out


def _notes(event: tuple[float, float, str], checks: list[Any]) -> str:
    start, end, text = event
    problems = []
    if any(not c.text_ok for c in checks):
        problems.append("the frames do not show this")
    suggested = [c.suggested_span for c in checks if not c.span_ok and c.suggested_span]
    if suggested:
        problems.append(f"wrong time; the frames suggest {suggested[0][0]:g} - "
                        f"{suggested[0][1]:g} seconds")  # fmt: skip
    elif any(not c.span_ok for c in checks):
        problems.append("wrong time")
    return f"- {start:g} - {end:g} seconds, {text} (auditor: {'; '.join(problems) or 'unsure'})"


def _check(request: BuildRequest) -> None:
    if request.runs < 1:
        raise UsageError("--runs must be at least 1")
    if request.kind not in KINDS:
        raise UsageError(f"--kind takes {' or '.join(KINDS)}, not {request.kind!r}")
    if request.repair and request.kind != "events":
        raise UsageError("--repair sends flagged timed events back: it applies to --kind events")
    if not request.teacher.videos.is_dir():
        raise UsageError(f"--videos {request.teacher.videos} is not a folder")


def _template(request: BuildRequest) -> Any:
    from videoeval.prompts.templates import load_template

    names = {("events", True): "dense_evidence_default.txt", ("events", False):
             "dense_default.txt", ("detailed", True): "captioning_evidence_default.txt",
             ("detailed", False): "captioning_default.txt"}  # fmt: skip
    return load_template(as_path(request.teacher.generation.prompt_file),
                         names[(request.kind, request.frame_evidence)], set())  # fmt: skip


def price_build(request: BuildRequest) -> dict[str, Any]:
    """What ``build`` would ask, counted without asking: the teacher's calls, frames and tokens,
    and the auditor's (K runs per video, ``audit_frames`` each)."""
    from videoeval.engine.run_folder import RunPlan, dry_run
    from videoeval.engine.run_inputs import frame_protocol

    _check(request)
    ids, _ = _originals(request)
    prompt = _template(request).render()
    frames = frame_protocol(request.teacher.flat())
    items = [WorkItem(vid, vid, prompt) for vid in ids]
    plan = RunPlan("build", "teacher", [], items, {})
    counts = dry_run(plan, request.teacher.videos, frames)
    return {"videos": len(ids), "teacher_calls_at_most": counts["calls_at_most"],
            "teacher_frames": counts["frames"],
            "teacher_prompt_tokens": counts["estimated_prompt_tokens"],
            "auditor_calls_at_most": counts["calls_at_most"] * request.runs,
            "auditor_frames": counts["calls_at_most"] * request.runs * request.audit_frames,
            "videos_missing": counts["videos_missing"]}  # fmt: skip


def build(request: BuildRequest) -> BuildOutcome:
    """:func:`build_async`, from code without an event loop (or inside one)."""
    from videoeval.api.sync import run_sync

    return run_sync(build_async(request))


async def build_async(request: BuildRequest) -> BuildOutcome:
    from videoeval.outputs import write_jsonl
    from videoeval.prompts.templates import load_template
    from videoeval.video.probe import probe
    from videoeval.video.provider import find_video

    _check(request)
    videos = request.teacher.videos
    ids, originals = _originals(request)
    template = _template(request)
    source = {"source": template.source, "sha256": template.sha256}
    stats, answers = await _ask_teacher(request, dict.fromkeys(ids, template.render()), "teacher",
                                  source)  # fmt: skip
    if request.kind == "detailed":
        return await _build_detailed(request, stats, answers, ids, originals, template)
    durations = {}
    for vid in ids:
        path = find_video(videos, vid)
        if path is None:
            raise UsageError(f"the clip list names {vid!r}, which is not in --videos {videos}")
        durations[vid] = probe(path).duration
    trail: list[dict[str, Any]] = []
    samples = _samples(answers, durations, trail)
    audited, auditor = await _audit(request, samples)
    kept: dict[str, list[tuple[float, float, str]]] = {}
    flagged: dict[str, list[str]] = {}
    for outcome in audited:
        vid = outcome.sample.video_id
        for i, (event, keep, checks) in enumerate(_checked(outcome)):
            trail.append({"video_id": vid, "event": i, "span": list(event[:2]), "text": event[2],
                          "kept": keep, "pass": "first", "audit_status": outcome.status,
                          "runs": [c.model_dump(mode="json") for c in checks]})  # fmt: skip
            if keep:
                kept.setdefault(vid, []).append(event)
            elif outcome.status == "ok":
                flagged.setdefault(vid, []).append(_notes(event, checks))
    if request.repair and flagged:
        repair = load_template(None, "dense_repair_default.txt", {"events"})
        prompts = {vid: repair.render(events="\n".join(notes)) for vid, notes in flagged.items()}
        _, fixed = await _ask_teacher(request, prompts, "repair",
                                {"source": repair.source, "sha256": repair.sha256})  # fmt: skip
        repaired, _ = await _audit(request, _samples(fixed, durations, trail, "#repair"))
        for outcome in repaired:
            vid = outcome.sample.video_id
            for i, (event, keep, checks) in enumerate(_checked(outcome)):
                trail.append({"video_id": vid, "event": i, "span": list(event[:2]),
                              "text": event[2], "kept": keep, "pass": "repair",
                              "audit_status": outcome.status,
                              "runs": [c.model_dump(mode="json") for c in checks]})  # fmt: skip
                if keep:
                    kept.setdefault(vid, []).append(event)
    dense = {}
    for vid, events in sorted(kept.items()):
        events.sort(key=lambda e: (e[0], e[1]))
        dense[vid] = {"duration": durations[vid],
                      "timestamps": [[s, e] for s, e, _ in events],
                      "sentences": [t for *_, t in events]}  # fmt: skip
    out = request.out
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "dense.json", out / "audit_trail.jsonl", out / "manifest.json"]
    paths[0].write_text(json.dumps(dense, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    write_jsonl(paths[1], trail)
    manifest = {
        "videos": len(ids), "videos_answered": len(answers), "videos_with_events": len(samples),
        # the teacher's failures and unreadable answers, by name (teacher/responses.jsonl
        # holds the answers and errors themselves)
        "videos_unanswered": sorted(set(ids) - set(answers)),
        "videos_without_events": sorted(set(answers) - {s.video_id for s in samples}),
        "videos_kept": len(dense), "events": sum(r["pass"] == "first" for r in trail),
        "events_kept": sum(len(v) for v in kept.values()),
        "events_repaired": sum(r["pass"] == "repair" and r["kept"] for r in trail),
        "runs": request.runs, "repair": request.repair,
        "rule": "an event is kept only when every run finds its text true and its span right",
        "teacher": {"model": request.teacher.model.name, "prompt_sha256": template.sha256,
                    "prompt_source": template.source, "frame_evidence": request.frame_evidence},
        "auditor": auditor,
        "dense_sha256": hashlib.sha256(paths[0].read_bytes()).hexdigest(),
    }  # fmt: skip
    paths[2].write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    _refuse_empty(audited, samples, answers)
    return BuildOutcome(stats, manifest, paths)


def _refuse_empty(audited: list[Any], samples: list[Any], answers: dict[str, str]) -> None:
    """A build in which no event could be audited has no benchmark to offer: exit 1 with the
    cause (the trail and manifest are written first, so nothing is lost)."""
    from collections import Counter

    from videoeval.errors import NothingToScoreError

    if any(o.status == "ok" for o in audited):
        return
    if not answers:
        return  # the teacher answered nothing: ask_plan has stopped the build with its cause
    if not samples:
        raise NothingToScoreError(
            f"none of the teacher's {len(answers)} answers held a timed event inside its video "
            "(teacher/responses.jsonl holds them): nothing to audit, dense.json is empty"
        )
    causes = Counter(
        str(next((r["error"] for r in o.runs if r.get("error")), o.note)) for o in audited
    )
    cause, count = causes.most_common(1)[0]
    raise NothingToScoreError(
        f"the auditor could check none of the {len(audited)} videos' events: {cause} ({count} "
        "videos); audit_trail.jsonl holds every event with its status, dense.json is empty"
    )


async def _build_detailed(
    request: BuildRequest,
    stats: RunStats,
    answers: dict[str, str],
    ids: list[str],
    originals: dict[str, tuple[str, str]],
    template: Any,
) -> BuildOutcome:
    """Recaptioning: each description audited K times, kept when no run finds an error."""
    from videoeval.outputs import write_jsonl
    from videoeval.schema import CaptionSample

    captions = {vid: teacher_caption(answer) for vid, answer in answers.items()}
    samples = [CaptionSample(vid, vid, "build", text) for vid, text in sorted(captions.items())
               if text]  # fmt: skip
    audited, auditor = await _audit(request, samples, "gt-audit")
    trail, kept = [], {}
    for outcome in audited:
        vid = outcome.sample.video_id
        clean = outcome.status == "ok" and not any(v.flagged for v in outcome.verdicts)
        if clean:
            kept[vid] = outcome.sample.reference
        trail.append({"video_id": vid, "caption": outcome.sample.reference, "kept": clean,
                      "audit_status": outcome.status, "note": outcome.note,
                      "runs": outcome.runs})  # fmt: skip
    out = request.out
    out.mkdir(parents=True, exist_ok=True)
    clip = {vid: originals.get(vid, (vid, ""))[0] for vid in ids}
    rows = [{"video": vid, "id": clip[vid], "caption": text} for vid, text in sorted(kept.items())]
    paths = [out / "captions.jsonl", out / "audit_trail.jsonl", out / "manifest.json"]
    write_jsonl(paths[0], rows)
    write_jsonl(paths[1], trail)
    if originals:  # the same clips with their original labels: the control
        paths.insert(1, out / "original.jsonl")
        write_jsonl(paths[1], [{"video": vid, "id": clip[vid], "caption": originals[vid][1]}
                               for vid in sorted(kept)])  # fmt: skip
    manifest = {
        "kind": "detailed", "videos": len(ids), "videos_answered": len(answers),
        "videos_unanswered": sorted(set(ids) - set(answers)),
        "videos_without_caption": sorted(v for v, t in captions.items() if not t),
        "captions": len(samples), "captions_kept": len(kept), "runs": request.runs,
        "rule": "a description is kept only when no run finds an error in it",
        "control": "original.jsonl: the kept clips with their original captions"
        if originals else None,
        "teacher": {"model": request.teacher.model.name, "prompt_sha256": template.sha256,
                    "prompt_source": template.source, "frame_evidence": request.frame_evidence},
        "auditor": auditor,
        "captions_sha256": hashlib.sha256(paths[0].read_bytes()).hexdigest(),
    }  # fmt: skip
    paths[-1].write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    _refuse_empty(audited, samples, answers)
    return BuildOutcome(stats, manifest, paths)
