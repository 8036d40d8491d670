"""AutoDQ judging speed: 1000 DREAM-1K clips against a local judge that answers after a fixed
delay, at a fixed concurrency; then the same scoring again, served from the cache.

Each clip costs three judge calls (extract predicted events; label GT events; label predicted
events, after the extraction). The ideal wall time is calls / concurrency x delay.
Run: ``python bench/autodq_throughput.py [--clips 1000] [--concurrency 32] [--delay 0.3]``.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import json
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from light_server import LightServer
from videoeval.benchmarks import get_benchmark
from videoeval.engine.cache import CallCache
from videoeval.judges.autodq import load_prompts
from videoeval.judges.client import JudgeClient
from videoeval.models.base import GenerationSettings
from videoeval.models.openai_compatible import OpenAICompatible
from videoeval.predictions.captions import CaptionPredictions
from videoeval.schema import CaptionSample
from videoeval.scoring.captions import build_report, judge_all

DREAM = Path(__file__).resolve().parents[2] / "shared" / "data" / "captions" / "DREAM-1k.jsonl"
STATEMENTS = re.compile(r"Statements:\n(\[.*?\])\n", re.DOTALL)


def judge_reply(prompt: str, clock: int) -> str:
    match = STATEMENTS.search(prompt)
    if match:
        events = ast.literal_eval(match.group(1))
        labels = ("entailment", "neutral", "contradiction")
        items = [{"event": e, "relationship": labels[(len(e) + clock) % 3], "reason": "-"}
                 for e in events]  # fmt: skip
        return json.dumps({"events": items})
    words = prompt.split()
    return json.dumps({"events": [" ".join(words[i : i + 5]) for i in range(0, 30, 6)]})


def answer(body: dict, n: int) -> str:
    return judge_reply(body["messages"][-1]["content"][-1]["text"], n)


def clips(n: int) -> list[CaptionSample]:
    if DREAM.exists():
        samples = get_benchmark("dream1k").load(DREAM).samples
    else:  # without the shared data: synthetic clips of the same shape
        samples = [
            CaptionSample(str(i), str(i), f"cat{i % 5}", f"a person does thing {i}.",
                          tuple(f"a person does step {k}." for k in range(6)))
            for i in range(n)
        ]  # fmt: skip
    return (samples * (n // len(samples) + 1))[:n] if len(samples) < n else samples[:n]


def one_pass(url: str, cache_path: Path, samples, concurrency: int) -> tuple[float, dict]:  # type: ignore[no-untyped-def]
    predictions = CaptionPredictions(
        "bench",
        {s.sample_id: f"in this clip {s.reference.lower()} then it ends." for s in samples},
        {s.sample_id: "bench" for s in samples},
    )

    async def go() -> tuple[float, dict]:
        model = OpenAICompatible("judge", url, concurrency=concurrency, timeout=60)
        client = JudgeClient(model, CallCache(cache_path), GenerationSettings(),
                             concurrency=concurrency)  # fmt: skip
        start = time.perf_counter()
        outcomes = await judge_all(samples, predictions, client, load_prompts(), ("events",))
        wall = time.perf_counter() - start
        await model.aclose()
        report = build_report("dream1k", samples, predictions, outcomes, {}, resamples=0).report
        return wall, {"calls": client.stats.calls, "cached": client.stats.cached,
                      "F1": report.metrics["F1"], "failed": report.failures}  # fmt: skip

    return asyncio.run(go())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clips", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--delay", type=float, default=0.3)
    args = parser.parse_args()
    samples = clips(args.clips)
    with tempfile.TemporaryDirectory() as tmp, LightServer(args.delay, answer) as server:
        cache = Path(tmp) / "calls.sqlite"
        first, info_first = one_pass(server.url, cache, samples, args.concurrency)
        second, info_second = one_pass(server.url, cache, samples, args.concurrency)
    n_calls = info_first["calls"]
    ideal = n_calls / args.concurrency * args.delay
    print(f"\nAutoDQ, {len(samples)} clips ({'DREAM-1K' if DREAM.exists() else 'synthetic'}), "
          f"judge delay {args.delay * 1000:.0f} ms, concurrency {args.concurrency}\n")  # fmt: skip
    print(f"| {'pass':<16} | {'judge calls':>11} | {'cached':>7} | {'wall s':>7} | "
          f"{'ideal s':>7} | {'wall / ideal':>12} |")  # fmt: skip
    print(f"|{'-' * 18}|{'-' * 13}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 14}|")
    for name, wall, info in (("first (cold)", first, info_first),
                             ("second (cache)", second, info_second)):  # fmt: skip
        ratio = f"{wall / ideal:.3f}x" if info["calls"] else "-"
        print(f"| {name:<16} | {info['calls']:>11} | {info['cached']:>7} | {wall:>7.2f} | "
              f"{ideal:>7.2f} | {ratio:>12} |")  # fmt: skip
    same = info_first["F1"] == info_second["F1"]
    print(
        f"\nF1 {info_first['F1']:.2f} both passes: {same}; failures {info_first['failed']}; "
        f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )


if __name__ == "__main__":
    main()
