"""A run's options as the typed pieces the engine takes (frame protocol, prompt, generation
settings), and the engine itself over a run folder."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from videoeval.benchmarks.base import View, read_text
from videoeval.engine.cache import CallCache
from videoeval.engine.retry import RetryPolicy
from videoeval.engine.run_folder import RunPlan, ask_all
from videoeval.engine.runner import Engine, FrameProtocol, RunStats
from videoeval.errors import UsageError
from videoeval.models.base import GenerationSettings, Model
from videoeval.models.factory import cache_root
from videoeval.models.hf_local import checkpoint_model_type
from videoeval.prompts.templates import PromptTemplate, load_template
from videoeval.protocols.tasks import task_of
from videoeval.video.frames import FrameCache
from videoeval.video.labels import LABEL_TEMPLATES
from videoeval.video.presets import (
    FRAME_DEFAULTS,
    frame_options,
    get_preset,
    preset_for_model_type,
)
from videoeval.video.resize import PixelBudget
from videoeval.video.sampling import SamplingSpec

VIDEO_MODES = ("frames", "jpeg-video", "video")
"""How a sample's video travels: our frames as images, our frames as one video (vLLM's
``video/jpeg``, with their source timing), or the whole file for the server to sample. A local
model (``--backend hf``) always takes our frames as one uncompressed video (mode ``pixels``)."""


def frame_protocol(o: dict[str, Any]) -> FrameProtocol:
    """The frame options (``sampling``, ``fps``, ``nframes``, pixels, labels, mode, or a preset
    that sets them) as one validated value."""
    if o.get("backend") == "hf":
        return _local_frame_protocol(o)
    f = frame_options(o)
    mode, labels = f["video_mode"], f["labels"]
    if mode not in VIDEO_MODES:
        raise UsageError(f"--video-mode takes one of {', '.join(VIDEO_MODES)}, not {mode!r}")
    if labels is None:
        labels = "per-frame" if mode == "frames" else "none"
    elif mode != "frames" and labels != "none":
        # One video part has no place for a text before each frame: the model's processor
        # writes the video's timestamps itself.
        raise UsageError(f"--labels {labels} applies to --video-mode frames only (frames sent "
                         f"as one video carry their timing, not text labels)")  # fmt: skip
    if labels not in LABEL_TEMPLATES:
        raise UsageError(f"--labels takes one of {', '.join(LABEL_TEMPLATES)}")
    if mode == "video":
        # The server samples the file itself: only --fps reaches it.
        unused = [k for k in FRAME_DEFAULTS if k not in ("fps", "video_mode", "labels")
                  and o.get(k) is not None] + (["preset"] if o.get("preset") else [])  # fmt: skip
        if unused:
            flags = ", ".join("--" + k.replace("_", "-") for k in unused)
            raise UsageError(f"--video-mode video sends the whole file and the server samples "
                             f"it at --fps: {flags} would be ignored; drop them")  # fmt: skip
    else:
        _refuse_unused(o, f)
    if mode == "jpeg-video" and o["backend"] == "gemini":
        raise UsageError("--video-mode jpeg-video is vLLM's video/jpeg input: Gemini takes "
                         "'frames' or 'video'")  # fmt: skip
    fields = {"kind": f["sampling"], "fps": f["fps"], "min_frames": f["min_frames"],
              "max_frames": f["max_frames"], "nframes": f["nframes"]}  # fmt: skip
    try:
        spec = SamplingSpec.model_validate(fields)
    except ValidationError as exc:
        problems = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        raise UsageError(f"--sampling {f['sampling']}: {problems}") from None
    budget = None
    if f["max_pixels"] is not None or f["total_pixels"] is not None:
        factor = f["factor"]
        budget = PixelBudget(
            factor=factor, min_pixels=f["min_pixels"],
            max_pixels=f["max_pixels"] or 768 * factor * factor, total_pixels=f["total_pixels"],
        )  # fmt: skip
    preset = get_preset(o["preset"]).label if o.get("preset") else None
    return FrameProtocol(spec=spec, budget=budget, labels=labels, mode=mode, preset=preset)


def _local_frame_protocol(o: dict[str, Any]) -> FrameProtocol:
    """A local model's frames: ours, as one video with their metadata, resized as its family's
    pipeline resizes. With no frame option at all, the preset of the checkpoint's family."""
    if o.get("video_mode") is not None:
        raise UsageError("--backend hf always gives the model our frames as one video, "
                         "uncompressed, with their timing: no --video-mode")  # fmt: skip
    if o.get("labels") not in (None, "none"):
        raise UsageError(f"--labels {o['labels']}: a local model's processor writes the "
                         "video's times (Qwen3-VL) or takes them from its metadata")  # fmt: skip
    o = {**o, "backend": "openai", "labels": None}  # labels are "none" either way
    if o.get("preset") is None and all(o.get(k) is None for k in FRAME_DEFAULTS):
        o["preset"] = preset_for_model_type(checkpoint_model_type(o["model"]))
    frames = frame_protocol(o)
    return replace(frames, mode="pixels", labels="none")


def _refuse_unused(o: dict[str, Any], f: dict[str, Any]) -> None:
    """Frame options given (directly or by the preset) that the chosen sampling or a missing
    pixel budget would never use."""
    given = {k for k in FRAME_DEFAULTS if o.get(k) is not None}
    if o.get("preset"):
        given |= set(get_preset(o["preset"]).settings)
    rate = sorted({"fps", "min_frames", "max_frames"} & given)
    flags = ", ".join("--" + k.replace("_", "-") for k in rate)
    if f["sampling"] != "fps" and rate:
        raise UsageError(f"--sampling {f['sampling']} takes --nframes only: {flags} would be "
                         "ignored; drop them")  # fmt: skip
    if f["sampling"] == "fps" and f["nframes"] is not None and rate:
        raise UsageError(f"--nframes replaces the fps rule (qwen-vl-utils takes one or the "
                         f"other): {flags} would be ignored; drop them")  # fmt: skip
    resize = sorted({"factor", "min_pixels"} & given)
    if resize and f["max_pixels"] is None and f["total_pixels"] is None:
        flags = ", ".join("--" + k.replace("_", "-") for k in resize)
        raise UsageError(f"{flags} apply only when frames are resized: give --max-pixels or "
                         "--total-pixels too")  # fmt: skip


def prompt_for(view: View, prompt_file: Path | None) -> PromptTemplate | None:
    """The view's packaged prompt, or the user's file; grounding prompts need ``{query}``.
    ``None`` where each sample carries its own question (E.T. Bench)."""
    if view.prompt_field is not None:
        if prompt_file is not None:
            raise UsageError(f"each sample of this benchmark asks its own question "
                             f"(its {view.prompt_field!r} field): no --prompt-file")  # fmt: skip
        return None
    if view.prompt is None:
        raise UsageError(f"`run` does not drive the {view.task} view of this benchmark")
    required = set(task_of(view.task).prompt_fields)
    return load_template(prompt_file, view.prompt, required)


def settings_of(o: dict[str, Any]) -> tuple[GenerationSettings, str | None]:
    if o.get("top_p") is not None and not o["temperature"]:
        raise UsageError("--top-p shapes sampling: at temperature 0 (greedy) it would be "
                         "ignored; give --temperature too")  # fmt: skip
    settings = GenerationSettings(
        temperature=o["temperature"], max_tokens=o["max_tokens"], seed=o["seed"],
        top_p=o.get("top_p"),
    )  # fmt: skip
    return settings, read_text(o["system_file"]) if o["system_file"] else None


async def execute(
    plan: RunPlan,
    frames: FrameProtocol,
    settings: GenerationSettings,
    system: str | None,
    model: Model,
    o: dict[str, Any],
    on_row: Callable[[dict[str, Any]], None] | None = None,
) -> RunStats:
    """Ask every unanswered sample of ``plan`` (``on_row`` after each), then keep the frame
    cache under its size cap."""
    root = cache_root(o["cache"])
    engine = Engine(
        model, CallCache(root / "calls.sqlite"), FrameCache(root / "frames"), o["videos"],
        frames, settings, system, max(o["concurrency"], getattr(model, "min_concurrency", 0)),
        retry=RetryPolicy(attempts=o["retries"], base_delay=o["backoff"]),
        refresh=bool(o.get("refresh")),
    )  # fmt: skip
    if o.get("executor") == "ray":
        from videoeval.engine.ray_executor import RayDispatch, WorkerSpec

        spec = WorkerSpec(
            o["model_args"], str(root / "calls.sqlite"), str(root / "frames"),
            str(Path(o["videos"]).resolve()), frames, settings, system, engine.retry,
            bool(o.get("refresh")),
        )  # fmt: skip
        engine.dispatch = RayDispatch(spec, o.get("ray_address"), o["backend"] == "hf",
                                      engine.concurrency)  # fmt: skip
    try:
        stats = await ask_all(plan, engine, o["out"], on_row)
    finally:
        close = getattr(engine.dispatch, "close", None)
        if close is not None:
            close()
    FrameCache(root / "frames").prune(int(o["frame_cache_gb"] * 2**30))
    return stats
