from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.video.synth import read_counter, write_video
from videoeval.video import frames as frames_module
from videoeval.video.frames import FrameCache, sample_video
from videoeval.video.probe import VideoError
from videoeval.video.resize import PixelBudget, smart_resize
from videoeval.video.sampling import SamplingSpec


@pytest.mark.parametrize(
    ("height", "width", "max_pixels", "expected"),
    [
        (720, 1280, 768 * 28 * 28, (560, 1008)),  # scaled down under the cap
        (720, 1280, 267605, (364, 672)),
        (48, 64, 768 * 28 * 28, (280, 392)),  # scaled up to min_pixels
        (56, 84, 768 * 28 * 28, (280, 392)),
    ],
)
def test_smart_resize(height, width, max_pixels, expected) -> None:
    assert smart_resize(height, width, 28, 128 * 28 * 28, max_pixels) == expected


def test_total_pixels_are_shared_between_frames() -> None:
    budget = PixelBudget(total_pixels=20480 * 28 * 28)
    assert budget.frame_max_pixels(120) == 20480 * 28 * 28 / 120 * 2  # 267605.33, not truncated
    assert budget.size_for(1280, 720, 120) == (672, 364)
    assert budget.frame_max_pixels(2) == 768 * 28 * 28  # never above max_pixels
    with pytest.raises(ValueError, match="aspect ratio"):
        smart_resize(1, 300, 28, 1, 10**6)


@pytest.mark.parametrize(
    ("factor", "size", "nframes", "expected"),
    [
        # qwen-vl-utils 0.0.14 defaults, Qwen2.5-VL: total 128000*28*28*0.9, cap 557511.11 at 324
        # frames; a cap truncated to 557511 would give (980, 532)
        (28, (1280, 720), 324, (980, 560)),
        (28, (720, 576), 500, (672, 532)),
        (28, (1280, 544), 680, (784, 336)),
        (28, (1280, 720), 64, (1008, 560)),  # few frames: the 768-token ceiling binds
    ],
)
def test_the_clip_budget_follows_qwen_vl_utils(factor, size, nframes, expected) -> None:
    budget = PixelBudget(factor=factor, min_pixels=128 * factor**2, max_pixels=768 * factor**2,
                         total_pixels=int(128000 * factor**2 * 0.9))  # fmt: skip
    assert budget.size_for(*size, nframes) == expected


def test_a_max_pixels_above_the_ceiling_is_lowered_to_it_with_a_clip_budget() -> None:
    generous = PixelBudget(max_pixels=2000 * 28 * 28, total_pixels=10**9)
    assert generous.frame_max_pixels(4) == 768 * 28 * 28
    assert PixelBudget(max_pixels=2000 * 28 * 28).frame_max_pixels(4) == 2000 * 28 * 28


def test_sample_video_records_the_frame_protocol(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    times = write_video(path, frames=50, fps=25)
    sampled = sample_video(path, SamplingSpec(kind="fps"))
    assert sampled.indices == [0, 16, 33, 49]
    assert sampled.timestamps == pytest.approx([times[i] for i in sampled.indices])
    assert (sampled.frame_count, sampled.native_fps, sampled.reported_fps) == (50, 25.0, 25.0)
    assert [read_counter(f) for f in sampled.frames] == sampled.indices
    record = sampled.record()
    assert "frames" not in record and record["decoder"].startswith("pyav")
    json.dumps(record)


def test_budget_resizes_to_multiples_of_the_factor(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    write_video(path, frames=10, size=(160, 96))
    budget = PixelBudget(factor=32, min_pixels=32 * 32, max_pixels=96 * 64)
    sampled = sample_video(path, SamplingSpec(kind="uniform", nframes=3), budget)
    # 160x96 is 15360 px > 6144: scaled by sqrt(2.5), floored to multiples of 32
    assert (sampled.width, sampled.height) == (96, 32)
    assert [read_counter(f, source_width=160) for f in sampled.frames] == [0, 4, 9]


def test_second_run_decodes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "clip.mp4"
    write_video(path, frames=30)
    cache = FrameCache(tmp_path / "cache")
    spec = SamplingSpec(kind="uniform", nframes=5)
    first = sample_video(path, spec, cache=cache)
    assert not first.from_cache

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded although the frames were cached")

    monkeypatch.setattr(frames_module, "decode_frames", no_decoding)
    monkeypatch.setattr(frames_module, "probe", no_decoding)
    second = sample_video(path, spec, cache=cache)
    assert second.from_cache
    assert second.indices == first.indices and second.timestamps == first.timestamps
    assert (second.frames == first.frames).all()
    with pytest.raises(AssertionError, match="decoded"):
        sample_video(path, SamplingSpec(kind="uniform", nframes=6), cache=cache)


def test_cache_key_follows_the_file_and_half_written_entries_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    write_video(path, frames=20)
    cache = FrameCache(tmp_path / "cache")
    spec = SamplingSpec(kind="uniform", nframes=4)
    key = cache.key(path, spec, None)
    sample_video(path, spec, cache=cache)
    pixels = next((tmp_path / "cache").rglob("*.pixels"))
    pixels.write_bytes(pixels.read_bytes()[:40])  # a crash mid-write, say
    assert cache.get(key) is None
    assert not sample_video(path, spec, cache=cache).from_cache
    write_video(path, frames=24)  # same name, new content
    assert cache.key(path, spec, None) != key


def test_missing_video_is_a_video_error(tmp_path: Path) -> None:
    with pytest.raises(VideoError, match="not found"):
        sample_video(tmp_path / "gone.mp4", SamplingSpec(kind="fps"), cache=FrameCache(tmp_path))


def test_concurrent_writers_of_one_entry_do_not_collide(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    path = tmp_path / "clip.mp4"
    write_video(path, frames=20)
    cache = FrameCache(tmp_path / "cache")
    spec = SamplingSpec(kind="uniform", nframes=4)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: sample_video(path, spec, cache=cache), range(16)))
    assert all(r.indices == [0, 6, 13, 19] and not r.warnings for r in results)
    files = [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    assert sorted(p.suffix for p in files) == [".json", ".pixels"]  # no temporary files left


def test_the_frame_cache_keeps_under_its_size_cap(tmp_path) -> None:
    import os

    import numpy as np

    from videoeval.video.frames import FrameCache

    cache = FrameCache(tmp_path / "frames")
    for i in range(4):
        folder = tmp_path / "frames" / f"0{i}"
        folder.mkdir(parents=True)
        np.save(folder / f"0{i}key.npy", np.zeros(250_000, dtype=np.uint8))
        (folder / f"0{i}key.json").write_text("{}")
        os.utime(folder / f"0{i}key.npy", (i, i))  # written in order 0, 1, 2, 3
    freed = cache.prune(600_000)
    left = sorted(p.name for p in (tmp_path / "frames").glob("*/*.npy"))
    assert left == ["02key.npy", "03key.npy"] and freed > 500_000
    assert not (tmp_path / "frames" / "00" / "00key.json").exists()


def test_an_entry_of_the_older_npy_layout_is_decoded_again(tmp_path: Path) -> None:
    """Entries are raw bytes with dtype and shape in the record (reading a .npy header calls
    ast.literal_eval, which is not safe on several threads at once); an entry written by an
    older version, .npy with a record without them, is a miss, never misread."""
    import json

    import numpy as np

    path = tmp_path / "clip.mp4"
    write_video(path, frames=20)
    cache = FrameCache(tmp_path / "cache")
    spec = SamplingSpec(kind="uniform", nframes=4)
    first = sample_video(path, spec, cache=cache)
    key = cache.key(path, spec, None)
    meta = next((tmp_path / "cache").rglob("*.json"))
    record = json.loads(meta.read_text())
    assert record["pixels"] == {"dtype": "|u1", "shape": list(first.frames.shape)}
    pixels = next((tmp_path / "cache").rglob("*.pixels"))
    assert pixels.stat().st_size == first.frames.size  # no header
    del record["pixels"]  # as an older version wrote it
    meta.write_text(json.dumps(record))
    np.save(pixels.with_suffix(".npy"), first.frames)
    assert cache.get(key) is None
    again = sample_video(path, spec, cache=cache)
    assert not again.from_cache and (again.frames == first.frames).all()
    assert cache.get(key) is not None
