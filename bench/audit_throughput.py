"""GT-audit speed: 1000 clips x 4 judge runs against a local multimodal judge answering after
1 s, at concurrency 64; then a second pass with a changed prompt, which must re-use every decoded
frame and repeat only the judge calls.

Each call carries 16 JPEG frames of a generated H.264 clip. Ideal wall time = calls /
concurrency x delay. Run: ``python bench/audit_throughput.py [--clips 1000] [--runs 4]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.video.synth import write_video

from light_server import LightServer
from videoeval.engine.cache import CallCache
from videoeval.engine.runner import FrameProtocol
from videoeval.judges.audit import Auditor
from videoeval.judges.client import JudgeClient
from videoeval.judges.video_judge import load_video_prompt
from videoeval.models.base import GenerationSettings
from videoeval.models.openai_compatible import OpenAICompatible
from videoeval.schema import CaptionSample
from videoeval.video.frames import FrameCache
from videoeval.video.sampling import SamplingSpec

VERDICT = json.dumps(
    {
        "frame_evidence": [{"timestamps": [0.0], "observation": "a frame counter"}],
        "gt": {"factual": 7, "completeness": 7, "temporal": 7},
        "errors_gt": [{"claim": "c", "frames_show": "f", "timestamps": [0.5], "severity": "minor"}],
    }
)


def answer(body: dict, n: int) -> str:
    return VERDICT


def one_pass(url: str, root: Path, prompt: str, samples, runs: int, concurrency: int):  # type: ignore[no-untyped-def]
    async def go() -> tuple[float, int, int]:
        model = OpenAICompatible("vjudge", url, concurrency=concurrency, timeout=120)
        client = JudgeClient(model, CallCache(root / "calls.sqlite"), GenerationSettings(),
                             concurrency=concurrency)  # fmt: skip
        frames = FrameProtocol(spec=SamplingSpec(kind="uniform", nframes=16))
        auditor = Auditor(client, prompt, "gt-audit", root / "videos", frames,
                          FrameCache(root / "frames"), runs)  # fmt: skip
        start = time.perf_counter()
        outcomes = await auditor.audit_all(samples)
        wall = time.perf_counter() - start
        await model.aclose()
        assert all(o.status == "ok" for o in outcomes)
        return wall, client.stats.calls, client.stats.cached

    return asyncio.run(go())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clips", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--delay", type=float, default=1.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, LightServer(args.delay, answer) as server:
        root = Path(tmp)
        (root / "videos").mkdir()
        start = time.perf_counter()
        for i in range(args.clips):
            write_video(root / "videos" / f"{i}.mp4", frames=32, fps=16, size=(96, 64))
        print(f"wrote {args.clips} clips in {time.perf_counter() - start:.1f} s")
        samples = [CaptionSample(str(i), str(i), "c", f"clip {i}: a counter counts.")
                   for i in range(args.clips)]  # fmt: skip
        prompt, _, _ = load_video_prompt("gt-audit")
        changed = prompt.replace("You are checking", "Please check", 1)
        first = one_pass(server.url, root, prompt, samples, args.runs, args.concurrency)
        npy = {p: p.stat().st_mtime_ns for p in (root / "frames").rglob("*.npy")}
        second = one_pass(server.url, root, changed, samples, args.runs, args.concurrency)
        frames_reused = npy == {p: p.stat().st_mtime_ns for p in (root / "frames").rglob("*.npy")}
    ideal = args.clips * args.runs / args.concurrency * args.delay
    print(f"\n{args.clips} clips x {args.runs} runs, judge delay {args.delay:g} s, "
          f"concurrency {args.concurrency} (ideal {ideal:.1f} s)\n")  # fmt: skip
    print(f"| {'pass':<24} | {'judge calls':>11} | {'wall s':>7} | {'wall / ideal':>12} |")
    print(f"|{'-' * 26}|{'-' * 13}|{'-' * 9}|{'-' * 14}|")
    for name, (wall, calls, _) in (("first", first), ("changed prompt", second)):
        print(f"| {name:<24} | {calls:>11} | {wall:>7.1f} | {wall / ideal:>11.3f}x |")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nsecond pass re-used every decoded frame file: {frames_reused} ({len(npy)} files)")
    print(f"peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
