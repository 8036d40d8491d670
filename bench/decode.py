"""Decoding speed: frames/s of exact sampling from a 60 s 720p H.264 file.

Two protocols: 2 fps capped at 240 frames (qwen-vl-utils rule) and 16 uniform frames (Tarsier).
Our decoder (PyAV; seeks to keyframes across long gaps and never decodes an unwanted frame that
no other frame references) runs beside whichever of decord, torchcodec and OpenCV
are installed in this environment, on the same indices; each alternative's frames are checked
against ours (mean absolute pixel difference) so a fast wrong answer does not win.
Run: ``python bench/decode.py [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.video.synth import write_video

from videoeval.video.decode import decode_frames
from videoeval.video.probe import probe
from videoeval.video.sampling import SamplingSpec, select_indices

Decoder = Callable[[Path, list[int]], np.ndarray]


def ours(path: Path, indices: list[int]) -> np.ndarray:
    return decode_frames(probe(path), indices).frames


def with_decord(path: Path, indices: list[int]) -> np.ndarray:
    import decord

    return decord.VideoReader(str(path)).get_batch(indices).asnumpy()


def with_torchcodec(path: Path, indices: list[int]) -> np.ndarray:
    from torchcodec.decoders import VideoDecoder

    batch = VideoDecoder(str(path)).get_frames_at(indices=indices).data
    return batch.permute(0, 2, 3, 1).numpy()


def with_opencv(path: Path, indices: list[int]) -> np.ndarray:
    import cv2

    capture = cv2.VideoCapture(str(path))
    wanted, out, position = set(indices), {}, 0
    last = max(indices)
    while position <= last:
        if not capture.grab():
            break
        if position in wanted:
            _, frame = capture.retrieve()
            out[position] = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
        position += 1
    capture.release()
    return np.stack([out[i] for i in indices])


ALTERNATIVES: dict[str, tuple[str, Decoder]] = {
    "decord": ("decord", with_decord),
    "torchcodec": ("torchcodec", with_torchcodec),
    "opencv": ("cv2", with_opencv),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--bframes", type=int, default=3, help="0: a clip without B-frames")
    args = parser.parse_args()
    decoders: dict[str, Decoder] = {"videoeval (PyAV)": ours}
    for name, (module, fn) in ALTERNATIVES.items():
        if importlib.util.find_spec(module) is not None:
            decoders[name] = fn
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "clip720p.mp4"
        start = time.perf_counter()
        # x264's defaults for B-frames: 3 between references, the middle one a reference too.
        write_video(
            path,
            frames=30 * args.seconds,
            fps=30,
            size=(1280, 720),
            gop=60,
            bframes=args.bframes,
            options={"b-pyramid": "normal"} if args.bframes > 1 else None,
        )
        print(
            f"wrote a {args.seconds} s 1280x720 30 fps H.264 clip ({args.bframes} B-frames) in "
            f"{time.perf_counter() - start:.1f} s"
        )
        info = probe(path)
        specs = {
            "2 fps, max 240": SamplingSpec(kind="fps", max_frames=240),
            "16 uniform": SamplingSpec(kind="uniform", nframes=16),
        }
        print(
            f"\n| {'protocol':<16} | {'decoder':<18} | {'frames':>6} | {'median s':>8} | "
            f"{'frames/s':>8} | {'vs ours':>7} | {'mean |diff|':>11} |"
        )
        print(f"|{'-' * 18}|{'-' * 20}|{'-' * 8}|{'-' * 10}|{'-' * 10}|{'-' * 9}|{'-' * 13}|")
        for label, spec in specs.items():
            indices = select_indices(spec, info.frame_times, info.reported_fps or info.native_fps)
            reference = ours(path, indices)
            base = None
            for name, fn in decoders.items():
                times = []
                for _ in range(args.repeats):
                    t0 = time.perf_counter()
                    frames = fn(path, indices)
                    times.append(time.perf_counter() - t0)
                median = statistics.median(times)
                base = base or median
                diff = float(np.abs(frames.astype(int) - reference.astype(int)).mean())
                print(
                    f"| {label:<16} | {name:<18} | {len(indices):>6} | {median:>8.3f} | "
                    f"{len(indices) / median:>8.1f} | {base / median:>6.2f}x | {diff:>11.2f} |"
                )
    missing = [n for n, (m, _) in ALTERNATIVES.items() if importlib.util.find_spec(m) is None]
    if missing:
        print(f"\nnot installed here, so not compared: {', '.join(missing)}")


if __name__ == "__main__":
    main()
