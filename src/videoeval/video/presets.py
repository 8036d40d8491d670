"""Frame presets: the frames a model family's own pipeline gives it, as named, versioned data.

``run --preset NAME`` sets these frame options at once (an option the preset sets and the user
gives too is refused, never silently overridden); the name and version are recorded in run.json
and metrics.json and shown in reports. A preset changes only with a new version number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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

    @property
    def label(self) -> str:
        return f"{self.name} v{self.version}"


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
    try:
        return PRESETS[name]
    except KeyError:
        raise UsageError(f"--preset takes one of {', '.join(PRESETS)}, not {name!r}") from None


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
        resolved["min_pixels"] = 128 * resolved["factor"] * resolved["factor"]
    return resolved
