"""The joint what+when protocol's speed: N videos with 3 predicted events each (2 GT events),
every predicted event judged on 8 frames of its own span and every overlapping (GT, predicted)
pair judged for agreement, against a local judge answering after 1 s, at concurrency 64.

The calls are priced before anything is asked (the count ``score --protocol joint`` would make);
the concurrency bound is calls / concurrency x delay. Run:
``python bench/joint_throughput.py [--videos 1000] [--concurrency 64] [--delay 1]``.
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
from videoeval.judges.client import JudgeClient
from videoeval.metrics.joint import count_video, joint_metrics
from videoeval.models.base import GenerationSettings
from videoeval.models.openai_compatible import OpenAICompatible
from videoeval.scoring.joint import JointJudge, JointOptions, pairs_to_ask
from videoeval.video.frames import FrameCache

GT = [(0.0, 1.0, "a counter starts"), (1.0, 2.0, "the counter goes on")]
PREDICTED = [(0.0, 1.0, "a counter starts"), (0.9, 2.0, "the counter goes on"),
             (0.0, 2.0, "a grey background stays")]  # fmt: skip
EVENT = json.dumps({"frame_evidence": [{"timestamps": [0.0], "observation": "bits"}],
                    "true": True, "reason": "-"})  # fmt: skip
SAME = json.dumps({"same": True, "reason": "-"})


def answer(body: dict, n: int) -> str:
    text = " ".join(p.get("text", "") for m in body["messages"] for p in m["content"]
                    if isinstance(p, dict))  # fmt: skip
    return SAME if "Candidate:" in text else EVENT


def one_pass(url: str, root: Path, videos: int, concurrency: int):  # type: ignore[no-untyped-def]
    async def go() -> tuple[float, int, dict[str, float]]:
        model = OpenAICompatible("vjudge", url, concurrency=concurrency, timeout=120)
        client = JudgeClient(model, CallCache(root / "calls.sqlite"), GenerationSettings(),
                             concurrency=concurrency)  # fmt: skip
        joint = JointJudge(client, JointOptions(root / "videos"), FrameCache(root / "frames"))
        start = time.perf_counter()
        judged = await asyncio.gather(*(joint.video(str(i), GT, PREDICTED)
                                        for i in range(videos)))  # fmt: skip
        wall = time.perf_counter() - start
        joint.close()
        await model.aclose()
        metrics = joint_metrics([count_video(v) for v, _ in judged])
        return wall, client.stats.calls, metrics

    return asyncio.run(go())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--videos", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--delay", type=float, default=1.0)
    args = parser.parse_args()
    priced = args.videos * (len(PREDICTED) + len(pairs_to_ask(GT, PREDICTED, 0.3)))
    print(f"priced before asking: {priced} judge calls, {args.videos * len(PREDICTED) * 8} frames")
    with tempfile.TemporaryDirectory() as tmp, LightServer(args.delay, answer) as server:
        root = Path(tmp)
        (root / "videos").mkdir()
        start = time.perf_counter()
        for i in range(args.videos):
            write_video(root / "videos" / f"{i}.mp4", frames=32, fps=16, size=(96, 64))
        print(f"wrote {args.videos} videos in {time.perf_counter() - start:.1f} s")
        wall, calls, metrics = one_pass(server.url, root, args.videos, args.concurrency)
        cached_wall, cached_calls, _ = one_pass(server.url, root, args.videos, args.concurrency)
    bound = calls / args.concurrency * args.delay
    print(f"\n{args.videos} videos, judge delay {args.delay:g} s, concurrency {args.concurrency}"
          f" (bound {bound:.1f} s)\n")  # fmt: skip
    print(f"| {'pass':<22} | {'judge calls':>11} | {'wall s':>7} | {'wall / bound':>12} |")
    print(f"|{'-' * 24}|{'-' * 13}|{'-' * 9}|{'-' * 14}|")
    print(f"| {'first':<22} | {calls:>11} | {wall:>7.1f} | {wall / bound:>11.3f}x |")
    print(f"| {'again (all cached)':<22} | {cached_calls:>11} | {cached_wall:>7.1f} | {'-':>12} |")
    print(
        f"\npriced {priced} = asked {calls}: {priced == calls}; what_precision "
        f"{metrics['what_precision']:.1f}, F1@0.5 {metrics['F1@0.5']:.1f}"
    )
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
