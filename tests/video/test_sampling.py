"""Every sampling spec picks exactly the frames its rule names, and the decoder returns exactly
those frames (read back from the counter drawn into each frame) with their exact times."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from tests.video.synth import read_counter, write_video
from videoeval.video.decode import decode_frames
from videoeval.video.probe import probe
from videoeval.video.sampling import (
    SamplingSpec,
    linspace_float32,
    qwen_nframes,
    select_indices,
)
from videoeval.video.timestamps import (
    first_frame_patch_times,
    qwen3_patch_times,
    seconds_label,
)

CFR_25 = [i / 25 for i in range(50)]
CFR_30 = [i / 30 for i in range(300)]
# 300 frames at 30 fps, 2 fps -> 20 frames: round(linspace(0, 299, 20))
QWEN_300_AT_30 = [0, 16, 31, 47, 63, 79, 94, 110, 126, 142]
QWEN_300_AT_30 += [157, 173, 189, 205, 220, 236, 252, 268, 283, 299]


@pytest.mark.parametrize(
    ("spec", "times", "fps", "expected"),
    [
        # 50 frames at 25 fps, 2 fps -> 4 frames; linspace(0, 49, 4) = 0, 16.33, 32.67, 49
        (SamplingSpec(kind="fps"), CFR_25, 25.0, [0, 16, 33, 49]),
        # 300 frames at 30 fps -> 20 frames
        (
            SamplingSpec(kind="fps"),
            CFR_30,
            30.0,
            QWEN_300_AT_30,
        ),
        # cap of 7 frames is floored to an even 6
        (SamplingSpec(kind="fps", max_frames=7), CFR_30, 30.0, [0, 60, 120, 179, 239, 299]),
        # 0.5 fps would give 0.4 frames: raised to min_frames 4
        (SamplingSpec(kind="fps", fps=0.5), CFR_25[:20], 25.0, [0, 6, 13, 19]),
        # a window [1, 2] s keeps frames 25..49
        (SamplingSpec(kind="fps", start=1.0, end=2.0), CFR_25, 25.0, [25, 33, 41, 49]),
        (SamplingSpec(kind="uniform", nframes=8), CFR_25, 25.0, [0, 7, 14, 21, 28, 35, 42, 49]),
        (SamplingSpec(kind="uniform", nframes=1), CFR_25, 25.0, [0]),
        # bounds 0, 10, 20, 30, 40, 50: middles (0 + 9) // 2, (10 + 19) // 2, ...
        (SamplingSpec(kind="centres", nframes=5), CFR_25, 25.0, [4, 14, 24, 34, 44]),
        (
            SamplingSpec(kind="centres", nframes=8),
            CFR_30,
            30.0,
            [18, 55, 93, 130, 168, 205, 243, 280],
        ),
        (SamplingSpec(kind="centres", nframes=8), CFR_25[:5], 25.0, [0, 1, 2, 3, 4, 4, 4, 4]),
        (
            SamplingSpec(kind="centres", nframes=4, start=0.4, end=1.0),
            CFR_25,
            25.0,
            [11, 15, 19, 23],  # frames 10..25: four 4-frame intervals, floored middles
        ),
    ],
)
def test_select_indices(spec: SamplingSpec, times: list[float], fps: float, expected) -> None:
    assert select_indices(spec, times, fps) == expected


def test_qwen_frame_count_rules() -> None:
    spec = SamplingSpec(kind="fps")
    assert qwen_nframes(spec, total_frames=50, video_fps=25.0) == 4
    assert qwen_nframes(spec, total_frames=3000, video_fps=30.0) == 200
    assert qwen_nframes(spec, total_frames=100_000, video_fps=30.0) == 768  # default cap
    assert qwen_nframes(SamplingSpec(kind="fps", min_frames=5), 50, 25.0) == 6  # ceil to even
    with pytest.raises(ValueError, match="between 2 and 1"):
        qwen_nframes(spec, total_frames=1, video_fps=25.0)


def test_linspace_float32_counts_from_both_ends() -> None:
    values = linspace_float32(0, 49, 4)
    assert values.dtype.name == "float32"
    assert list(values) == pytest.approx([0.0, 16.333334, 32.666666, 49.0], abs=1e-6)
    assert values[-1] == 49.0 and values[0] == 0.0


def test_specs_validate() -> None:
    with pytest.raises(ValidationError, match="needs nframes"):
        SamplingSpec(kind="uniform")
    with pytest.raises(ValidationError, match="after its start"):
        SamplingSpec(kind="fps", start=3, end=2)
    assert "2 fps" in SamplingSpec(kind="fps").describe()


@pytest.mark.parametrize(
    "spec",
    [
        SamplingSpec(kind="fps"),
        SamplingSpec(kind="fps", fps=4, max_frames=10, start=0.3, end=1.3),
        SamplingSpec(kind="uniform", nframes=16),
        SamplingSpec(kind="centres", nframes=7),
    ],
    ids=lambda s: s.describe(),
)
@pytest.mark.parametrize("variable_rate", [False, True], ids=["cfr", "vfr"])
def test_decoded_frames_are_the_selected_ones(
    tmp_path: Path, spec: SamplingSpec, variable_rate: bool
) -> None:
    path = tmp_path / "v.mp4"
    times = write_video(
        path, frames=60, fps=25, durations_ms=[40, 80, 20] if variable_rate else None, bframes=2
    )
    info = probe(path)
    indices = select_indices(spec, info.frame_times, info.native_fps)
    decoded = decode_frames(info, indices)
    assert [read_counter(f) for f in decoded.frames] == indices
    assert decoded.timestamps == pytest.approx([times[i] for i in indices], abs=1e-9)


def test_linspace_matches_torch_where_float64_does_not() -> None:
    """Golden vectors from torch 2.13 (CPU): frame indices where float64 linspace + round picks
    a different frame than ``torch.linspace(...).round()``, as qwen-vl-utils computes them."""
    data = json.loads((Path(__file__).parent / "data" / "torch_linspace_vectors.json").read_text())
    assert len(data["cases"]) >= 50
    for case in data["cases"]:
        ours = np.round(linspace_float32(case["start"], case["end"], case["steps"]))
        assert [int(ours[i]) for i in case["positions"]] == case["torch"], case


def test_qwen3_patch_labels() -> None:
    # indices 0, 16, 33 at 25 fps: padded to 0, 16, 33, 33 -> patches (0, .64), (1.32, 1.32)
    times = qwen3_patch_times([0, 16, 33], 25.0)
    assert times == pytest.approx([0.32, 1.32])
    assert [seconds_label(t) for t in times] == ["<0.3 seconds>", "<1.3 seconds>"]
    assert first_frame_patch_times([0.0, 0.64, 1.32, 1.96]) == [0.0, 1.32]
