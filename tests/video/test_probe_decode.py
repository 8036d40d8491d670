from __future__ import annotations

from pathlib import Path

import pytest

from tests.video.synth import read_counter, write_video
from videoeval.video.decode import decode_frames
from videoeval.video.probe import VideoError, probe


def test_constant_rate_with_b_frames(tmp_path: Path) -> None:
    path = tmp_path / "cfr.mp4"
    times = write_video(path, frames=50, fps=25, bframes=3)
    info = probe(path)
    assert info.frame_count == 50
    assert info.frame_times == pytest.approx(times, abs=1e-9)
    assert info.native_fps == pytest.approx(25.0)
    assert info.warnings == ()
    decoded = decode_frames(info, [0, 1, 13, 24, 37, 49])
    assert [read_counter(f) for f in decoded.frames] == [0, 1, 13, 24, 37, 49]
    assert decoded.timestamps == pytest.approx([0.0, 0.04, 0.52, 0.96, 1.48, 1.96])


def test_variable_rate_timestamps_are_exact_and_the_header_is_questioned(tmp_path: Path) -> None:
    path = tmp_path / "vfr.mp4"
    times = write_video(path, frames=40, durations_ms=[40, 40, 100, 20])
    info = probe(path)
    assert info.frame_times == pytest.approx(times, abs=1e-9)
    wanted = [0, 2, 3, 17, 38, 39]
    decoded = decode_frames(info, wanted)
    assert [read_counter(f) for f in decoded.frames] == wanted
    assert decoded.timestamps == pytest.approx([times[i] for i in wanted], abs=1e-9)


@pytest.mark.parametrize("size", [(97, 61), (161, 33)])
def test_odd_sizes(tmp_path: Path, size: tuple[int, int]) -> None:
    path = tmp_path / "odd.mp4"
    write_video(path, frames=20, size=size, pix_fmt="yuv444p")
    info = probe(path)
    assert (info.width, info.height) == size
    decoded = decode_frames(info, [5, 0, 19, 5])  # any order, repeats allowed
    assert decoded.frames.shape == (4, size[1], size[0], 3)
    assert [read_counter(f) for f in decoded.frames] == [5, 0, 19, 5]


def test_resize_on_decode(tmp_path: Path) -> None:
    path = tmp_path / "v.mp4"
    write_video(path, frames=10, size=(160, 96))
    decoded = decode_frames(probe(path), [3], size=(112, 56))
    assert decoded.frames.shape == (1, 56, 112, 3)
    assert read_counter(decoded.frames[0], source_width=160) == 3


def test_long_gaps_seek_and_still_return_the_right_frames(tmp_path: Path) -> None:
    path = tmp_path / "long.mp4"
    write_video(path, frames=300, fps=30, gop=30)
    info = probe(path)
    assert len(info.keyframe_pts) >= 10
    wanted = [299, 0, 150, 31, 270]
    decoded = decode_frames(info, wanted)
    assert [read_counter(f) for f in decoded.frames] == wanted


def test_bad_files_raise_video_errors(tmp_path: Path) -> None:
    with pytest.raises(VideoError, match="not found"):
        probe(tmp_path / "missing.mp4")
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(VideoError, match="empty"):
        probe(empty)
    text = tmp_path / "notes.mp4"
    text.write_text("this is not a video\n" * 50, encoding="utf-8")
    with pytest.raises(VideoError, match="cannot be opened"):
        probe(text)


def test_truncated_file_is_an_error_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "whole.mp4"
    write_video(path, frames=60)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(VideoError):
        info = probe(cut)
        decode_frames(info, list(range(info.frame_count)))


def test_a_file_without_video_is_a_video_error(tmp_path: Path) -> None:
    import av
    import numpy as np

    path = tmp_path / "sound.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=16000)
        frame = av.AudioFrame.from_ndarray(
            np.zeros((1, 1024), dtype=np.float32), format="fltp", layout="mono"
        )
        frame.sample_rate = 16000
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    with pytest.raises(VideoError, match="no video stream"):
        probe(path)


def test_garbage_after_a_valid_header_is_a_video_error(tmp_path: Path) -> None:
    path = tmp_path / "whole.mp4"
    write_video(path, frames=30)
    data = bytearray(path.read_bytes())
    for i in range(len(data) // 3, len(data), 7):  # corrupt the coded frames, keep the size
        data[i] ^= 0x5A
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(bytes(data))
    with pytest.raises(VideoError):
        info = probe(broken)
        decoded = decode_frames(info, list(range(info.frame_count)))
        assert [read_counter(f) for f in decoded.frames] == list(range(info.frame_count))


def test_unwanted_non_reference_frames_are_not_decoded(tmp_path: Path) -> None:
    import av

    from videoeval.video.decode import disposable_test

    path = tmp_path / "b.mp4"
    write_video(path, frames=60, bframes=3, options={"b-pyramid": "normal"})
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        test = disposable_test(stream.codec_context.name, stream.codec_context.extradata)
        assert test is not None
        flags = [test(bytes(p)) for p in container.demux(stream) if p.size]
    assert 10 < sum(flags) < 50  # some B-frames are disposable, references never
    info = probe(path)
    wanted = list(range(0, 60, 7))
    decoded = decode_frames(info, wanted)
    assert [read_counter(f) for f in decoded.frames] == wanted


def test_annex_b_nal_headers() -> None:
    from videoeval.video.decode import disposable_test

    test = disposable_test("h264", None)
    assert test is not None
    non_ref_slice = b"\x00\x00\x00\x01\x01\x9a"  # nal_ref_idc 0, type 1
    ref_slice = b"\x00\x00\x01\x41\x9a"  # nal_ref_idc 2, type 1
    sei = b"\x00\x00\x01\x06\x05"
    assert test(sei + non_ref_slice) is True
    assert test(non_ref_slice + ref_slice) is False
    assert test(sei) is False  # no picture at all: decode it
    assert disposable_test("vp9", None) is None


def test_unsupported_codec_is_a_video_error(tmp_path: Path) -> None:
    path = tmp_path / "ok.mp4"
    write_video(path, frames=10)
    unknown = tmp_path / "unknown.mp4"
    unknown.write_bytes(path.read_bytes().replace(b"avc1", b"zzzz"))  # an unknown sample entry
    with pytest.raises(VideoError, match="cannot be decoded"):
        probe(unknown)
