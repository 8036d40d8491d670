"""Engine throughput: 1000 requests against a local OpenAI-compatible server that answers after a
fixed delay, at a fixed concurrency; then the same run again, served from the cache.

Each request carries 4 real JPEG frames sampled from generated H.264 clips (decoded once, then
read from the frame cache). The ideal is concurrency / delay requests per second.
Run: ``python bench/throughput.py [--requests 1000] [--concurrency 32] [--delay 0.2]``.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.video.synth import write_video

from light_server import LightServer
from videoeval.engine.cache import CallCache
from videoeval.engine.log import AppendLog
from videoeval.engine.runner import Engine, FrameProtocol, WorkItem
from videoeval.models.base import GenerationSettings
from videoeval.models.openai_compatible import OpenAICompatible
from videoeval.video.frames import FrameCache
from videoeval.video.sampling import SamplingSpec


def one_pass(url: str, root: Path, out: str, items: list[WorkItem], concurrency: int) -> float:
    async def go() -> float:
        model = OpenAICompatible("bench", url, concurrency=concurrency, timeout=60)
        engine = Engine(
            model,
            CallCache(root / "cache" / "calls.sqlite"),
            FrameCache(root / "cache" / "frames"),
            root / "videos",
            FrameProtocol(spec=SamplingSpec(kind="uniform", nframes=4)),
            GenerationSettings(),
            concurrency=concurrency,
        )
        log = AppendLog(root / f"{out}.jsonl")
        start = time.perf_counter()
        stats = await engine.run(items, log)
        wall = time.perf_counter() - start
        log.close()
        await model.aclose()
        engine.close()
        assert stats.statuses["ok"] == len(items), stats.statuses
        return wall

    return asyncio.run(go())


def fixed_answer(body: dict, n: int) -> str:
    return "The event happens in 1 - 2 seconds."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--delay", type=float, default=0.2)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, LightServer(args.delay, fixed_answer) as server:
        url = server.url
        root = Path(tmp)
        (root / "videos").mkdir()
        for v in range(10):
            write_video(root / "videos" / f"v{v}.mp4", frames=60, fps=30, size=(320, 180))
        items = [WorkItem(f"q{i}", f"v{i % 10}", f"query number {i}") for i in range(args.requests)]
        first = one_pass(url, root, "first", items, args.concurrency)
        calls_first = server.calls
        second = one_pass(url, root, "second", items, args.concurrency)
        calls_second = server.calls - calls_first
    ideal = args.concurrency / max(args.delay, 1e-9)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\n{args.requests} requests, concurrency {args.concurrency}, server delay "
        f"{args.delay * 1000:.0f} ms (ideal {ideal:.0f} req/s)\n"
    )
    print(
        f"| {'pass':<22} | {'server calls':>12} | {'wall s':>7} | {'req/s':>7} | {'of ideal':>8} |"
    )
    print(f"|{'-' * 24}|{'-' * 14}|{'-' * 9}|{'-' * 9}|{'-' * 10}|")
    for name, wall, calls in (
        ("first (cold)", first, calls_first),
        ("second (cache)", second, calls_second),
    ):
        rate = args.requests / wall
        print(f"| {name:<22} | {calls:>12} | {wall:>7.2f} | {rate:>7.1f} | {rate / ideal:>7.0%} |")
    print(f"\npeak RSS {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
