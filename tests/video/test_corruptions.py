"""Tarsier2's corruptions on a video whose frames carry their own index in their pixels: the
frames that reach the model (JPEGs in the request) are exactly the ones each rule says."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.video.synth import read_counter, write_video
from videoeval.video.corruptions import CORRUPTIONS, corrupt_indices, corrupted_video
from videoeval.video.labels import frames_for_request
from videoeval.video.sampling import SamplingSpec

WIDTH = 128
SPEC = SamplingSpec(kind="uniform", nframes=16)


def frames_the_model_gets(path: Path, kind: str, seed: int) -> tuple[list[int], dict, list[int]]:
    video, record = corrupted_video(path, SPEC, kind, seed)  # type: ignore[arg-type]
    request = frames_for_request(video, "none", 95)
    seen = [read_counter(np.asarray(Image.open(io.BytesIO(j)).convert("RGB")), WIDTH)
            for j in request.jpegs]  # fmt: skip
    return seen, record, video.indices


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("c") / "counter.mp4"
    write_video(path, frames=96, fps=16, size=(WIDTH, 72))  # 6 s
    return path


CLEAN = [round(i * 95 / 15) for i in range(16)]


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_clip_switching_swaps_two_of_four_clips(clip: Path, seed: int) -> None:
    seen, record, indices = frames_the_model_gets(clip, "clip-switching", seed)
    assert seen == indices
    a, b = record["swapped_clips"]
    blocks = [CLEAN[i * 4 : (i + 1) * 4] for i in range(4)]
    blocks[a], blocks[b] = blocks[b], blocks[a]
    assert seen == [i for block in blocks for i in block] and a != b


@pytest.mark.parametrize("seed", [0, 3, 11])
def test_clip_reversing_plays_a_run_of_half_to_all_frames_backwards(clip: Path, seed: int) -> None:
    seen, record, _ = frames_the_model_gets(clip, "clip-reversing", seed)
    first, last = record["reversed_positions"]
    assert 8 <= last - first + 1 <= 16
    expected = CLEAN[:first] + CLEAN[first : last + 1][::-1] + CLEAN[last + 1 :]
    assert seen == expected


@pytest.mark.parametrize("seed", [0, 5])
def test_clip_cropping_resamples_n_frames_from_half_the_video(clip: Path, seed: int) -> None:
    seen, record, _ = frames_the_model_gets(clip, "clip-cropping", seed)
    start, end = record["clip_seconds"]
    assert end - start == pytest.approx(3.0)  # half of 6 s
    first = next(i for i in range(96) if i / 16 >= start - 1e-9)
    last = max(i for i in range(96) if i / 16 <= end + 1e-9)
    total = last - first + 1
    assert seen == [first + round(i * (total - 1) / 15) for i in range(16)]


@pytest.mark.parametrize("seed", [0, 2])
def test_down_sampling_drops_half_the_frames_at_random(clip: Path, seed: int) -> None:
    seen, record, _ = frames_the_model_gets(clip, "down-sampling", seed)
    assert seen == [CLEAN[p] for p in record["kept_positions"]] and len(seen) == 8
    other, _, _ = frames_the_model_gets(clip, "down-sampling", seed + 100)
    assert other != seen  # the seed decides


def test_corruptions_are_seeded_data() -> None:
    for kind in ("clip-switching", "clip-reversing", "down-sampling"):
        once = corrupt_indices(kind, CLEAN, 42)  # type: ignore[arg-type]
        assert once == corrupt_indices(kind, CLEAN, 42)  # type: ignore[arg-type]
        assert once.record["corruption"] == kind and once.record["seed"] == 42
    assert len(CORRUPTIONS) == 4
    with pytest.raises(ValueError, match="needs the video's timing"):
        corrupt_indices("clip-cropping", CLEAN, 0)
