"""Frame presets: the frames a model family's own pipeline gives it, as named, versioned data.

``run --preset NAME`` sets these frame options at once (an option the preset sets and the user
gives too is refused, never silently overridden); the name and version are recorded in run.json
and metrics.json and shown in reports. A preset changes only with a new version number.
``--preset FILE.json`` takes a preset of the user's own, with its source (``read_preset_file``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from videoeval.errors import UsageError

FRAME_DEFAULTS: Mapping[str, Any] = {
    "sampling": "fps",
    "fps": 2.0,
    "min_frames": 4,
    "max_frames": None,
    "nframes": None,
    "factor": 28,
    "min_pixels": None,
    "max_pixels": None,
    "total_pixels": None,
    "labels": None,
    "video_mode": "frames",
}
"""The frame options a preset may set, with the value each takes when neither the user nor a
preset gives it (``min_pixels`` then follows ``factor``; ``labels`` follows the video mode)."""


@dataclass(frozen=True)
class FramePreset:
    name: str
    version: int
    summary: str
    source: str
    """Where every value comes from: repository, version or commit, file."""
    settings: Mapping[str, Any]
    file: str | None = None
    """The JSON file a user's own preset came from (``None``: built in)."""

    @property
    def label(self) -> str:
        return f"{self.name} v{self.version}" + (f" (file {self.file})" if self.file else "")


def _qwen_vl_utils(patch: int) -> dict[str, Any]:
    # qwen-vl-utils 0.0.14: image factor = patch size x spatial merge 2; per-frame tokens in
    # [VIDEO_MIN_TOKEN_NUM 128, VIDEO_MAX_TOKEN_NUM 768]; clip budget MODEL_SEQ_LEN 128000
    # tokens x 0.9; FPS 2, FPS_MIN_FRAMES 4, FPS_MAX_FRAMES 768 (``--max-frames`` unset is that
    # default, min(768, frames in the video), so a user may still lower it).
    factor = patch * 2
    return {
        "sampling": "fps", "fps": 2.0, "min_frames": 4, "factor": factor,
        "min_pixels": 128 * factor * factor, "max_pixels": 768 * factor * factor,
        "total_pixels": int(128000 * factor * factor * 0.9), "labels": "none",
        "video_mode": "jpeg-video",
    }  # fmt: skip


def _timelens(factor: int) -> dict[str, Any]:
    # TimeLens-Bench evaluation: qwen-vl-utils with min_pixels = 64 tokens and total_pixels =
    # 14336 tokens of factor x factor pixels, 2 fps; max_pixels left to qwen-vl-utils (768
    # tokens); the processor does not resize again.
    return {**_qwen_vl_utils(factor // 2), "min_pixels": 64 * factor * factor,
            "total_pixels": 14336 * factor * factor}  # fmt: skip


TIMELENS_EVAL = (
    "TencentARC/TimeLens @ 5d90c06: scripts/eval_timelens_bench.sh (FPS 2, min_tokens 64, "
    "total_tokens 14336), evaluation/utils.py (GroundingDataset: downsample {factor}, "
    "qwen-vl-utils fetch_video), evaluation/eval_dataloader.py (processor do_resize=False)"
)

QWEN_VL_UTILS = (
    "qwen-vl-utils 0.0.14 (QwenLM/Qwen3-VL, qwen-vl-utils/pyproject.toml at 6abf943; "
    "src/qwen_vl_utils/vision_process.py: smart_nframes, fetch_video)"
)

PRESETS: dict[str, FramePreset] = {
    p.name: p
    for p in (
        FramePreset(
            "qwen2.5-vl",
            1,
            "Qwen2.5-VL: 2 fps (4 to 768 frames), 28-pixel grid, 128-768 tokens a frame, "
            "clip budget of 128000 x 0.9 tokens, sent as one video",
            QWEN_VL_UTILS + " with image_patch_size 14",
            _qwen_vl_utils(14),
        ),
        FramePreset(
            "qwen3-vl",
            1,
            "Qwen3-VL: 2 fps (4 to 768 frames), 32-pixel grid, 128-768 tokens "
            "a frame, clip budget of 128000 x 0.9 tokens, sent as one video (the processor "
            "writes its timestamps)",
            QWEN_VL_UTILS + " with image_patch_size 16",
            _qwen_vl_utils(16),
        ),
        FramePreset(
            "timelens-8b",
            1,
            "TimeLens-8B / Qwen3-VL on TimeLens-Bench: 2 fps, 32-pixel grid, 64-768 tokens a "
            "frame, clip budget 14336 tokens, sent as one video",
            TIMELENS_EVAL.format(factor=32),
            _timelens(32),
        ),
        FramePreset(
            "timelens-7b",
            1,
            "TimeLens-7B / Qwen2.5-VL on TimeLens-Bench: 2 fps, 28-pixel grid, 64-768 tokens a "
            "frame, clip budget 14336 tokens, sent as one video (TimeLens-7B's own processor "
            "writes a timestamp before each frame: run it with --backend hf "
            "--trust-remote-code)",
            TIMELENS_EVAL.format(factor=28),
            _timelens(28),
        ),
        FramePreset(
            "tarsier",
            1,
            "Tarsier / DREAM-1K: 16 uniform frames, first and last included",
            "bytedance/tarsier DREAM-1K inference (16 frames; index round(i*(T-1)/(n-1)))",
            {"sampling": "uniform", "nframes": 16},
        ),
        FramePreset(
            "tarsier2",
            1,
            "Tarsier2 (Qwen2-VL based): 16 uniform frames, first and last included, at most "
            "460,800 pixels a frame on the 28-pixel grid",
            "Tarsier2 report (arXiv 2501.07888) Table 12: 16 frames per video, max pixels "
            "460,800, Qwen2-VL-7B init (patch 14 x merge 2); uniform indices as bytedance/tarsier "
            "@ 1b72e57d dataset/utils.py::sample_frame_indices",
            {"sampling": "uniform", "nframes": 16, "factor": 28, "max_pixels": 460800},
        ),
        FramePreset(
            "marlin-2b",
            1,
            "Marlin-2B (Qwen3.5-2B based): the qwen-vl-utils 2 fps rule with at most 240 "
            "frames, 32-pixel grid, sent as one video",
            "NemoStation Marlin-2B write-up, part 1 (FPS_MAX_FRAMES=240 with the TimeLens "
            "2 fps protocol); the rest as " + QWEN_VL_UTILS + " with image_patch_size 16",
            {**_qwen_vl_utils(16), "max_frames": 240},
        ),
        FramePreset(
            "carebench",
            1,
            "CaReBench: 32 frames, the centre of each of 32 equal intervals",
            "MCG-NJU/CaReBench official generation setting (32 interval centres)",
            {"sampling": "centres", "nframes": 32},
        ),
    )
}


FAMILY_PRESETS = {"qwen2_5_vl": "qwen2.5-vl", "qwen3_vl": "qwen3-vl", "qwen3_vl_moe": "qwen3-vl"}
"""A local checkpoint's ``model_type`` -> the preset its runs take when no frame option is given."""


def preset_for_model_type(model_type: str | None) -> str | None:
    return FAMILY_PRESETS.get(model_type or "")


def get_preset(name: str) -> FramePreset:
    """A built-in preset by name, or one of the user's own from a JSON file."""
    if name in PRESETS:
        return PRESETS[name]
    if name.endswith(".json") or Path(name).is_file():
        return read_preset_file(Path(name))
    raise UsageError(f"--preset takes one of {', '.join(PRESETS)} or a preset file (.json), "
                     f"not {name!r}")  # fmt: skip


PRESET_FILE_FIELDS = ("name", "version", "summary", "source", "settings")


def read_preset_file(path: Path) -> FramePreset:
    """A preset of the user's own (for example a paper's settings for an API model):
    ``{"name", "version", "summary", "source", "settings": {frame option: value}}``. The source
    is required: a number made with it should say where its frames came from."""
    where = f"--preset {path}"
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise UsageError(f"{where}: cannot read it ({exc.strerror or exc})") from None
    except (ValueError, RecursionError) as exc:
        problem = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:120]
        raise UsageError(f"{where}: not valid JSON ({problem})") from None
    if not isinstance(data, dict):
        raise UsageError(f"{where}: expected an object with {', '.join(PRESET_FILE_FIELDS)}")
    unknown = sorted(set(data) - set(PRESET_FILE_FIELDS))
    missing = [k for k in PRESET_FILE_FIELDS if k not in data]
    if unknown or missing:
        raise UsageError(f"{where}: " + "; ".join(
            ([f"unknown fields {unknown}"] if unknown else [])
            + ([f"missing {missing}"] if missing else [])))  # fmt: skip
    name, version, settings = data["name"], data["version"], data["settings"]
    if not isinstance(name, str) or not name.strip() or name in PRESETS:
        raise UsageError(f"{where}: 'name' must be a new name (not a built-in preset's)")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise UsageError(f"{where}: 'version' must be a whole number from 1")
    for field, says in (("summary", "what it sets"), ("source", "where its values come from")):
        if not isinstance(data[field], str) or not data[field].strip():
            raise UsageError(f"{where}: {field!r} must say {says}")
    if not isinstance(settings, dict) or not settings:
        raise UsageError(f"{where}: 'settings' must be an object of frame options")
    bad = sorted(set(settings) - set(FRAME_DEFAULTS))
    if bad:
        raise UsageError(f"{where}: {bad} are not frame options; a preset sets "
                         f"{', '.join(FRAME_DEFAULTS)}")  # fmt: skip
    if any(v is None for v in settings.values()):
        raise UsageError(f"{where}: a setting cannot be null (leave it out instead)")
    return FramePreset(name, version, data["summary"], data["source"], dict(settings), path.name)


def frame_options(o: Mapping[str, Any]) -> dict[str, Any]:
    """The frame options of a request with its preset applied and the defaults filled in. An
    option the preset sets that the request gives as well is refused, even with the same
    value: one source for each setting."""
    resolved = {key: o.get(key) for key in FRAME_DEFAULTS}
    name = o.get("preset")
    if name is not None:
        preset = get_preset(name)
        clash = sorted(k for k in preset.settings if resolved[k] is not None)
        if clash:
            flags = ", ".join("--" + k.replace("_", "-") for k in clash)
            raise UsageError(f"--preset {name} sets {flags}; give the preset or the option, "
                             "not both")  # fmt: skip
        resolved.update(preset.settings)
    for key, default in FRAME_DEFAULTS.items():
        if resolved[key] is None:
            resolved[key] = default
    if resolved["min_pixels"] is None:
        factor = int(resolved["factor"] or 0)
        resolved["min_pixels"] = 128 * factor * factor
    return resolved
