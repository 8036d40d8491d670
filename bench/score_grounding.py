"""Scoring speed: 100,000 grounding answers under the timelens protocol.

Generates a TimeLens-Bench annotation file and a simple-JSONL answer file in mixed answer styles
(seeded), then times each stage of ``videoeval score`` in this process and prints a table with
the median over repeats. Run: ``python bench/score_grounding.py [--n 100000] [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

from videoeval.benchmarks import get_benchmark
from videoeval.predictions.grounding import read_predictions
from videoeval.protocols.grounding import get_protocol
from videoeval.scoring.score import paused_gc, score_predictions, write_outputs

STYLES = (
    "The event happens in {s:.1f} - {e:.1f} seconds.",
    "From {s:.0f} to {e:.0f} seconds.",
    "It starts at {ms}:{ss:02d} and ends at {me}:{se:02d}.",
    "Start time: {s:.2f} seconds. End time: {e:.2f} seconds.",
    "{s:.1f}-{e:.1f}",
    "I am not sure what happens in this video.",
)


def make_files(root: Path, n: int, seed: int = 0) -> tuple[Path, Path]:
    rng = random.Random(seed)
    per_video = 5
    bench: dict[str, dict] = {}
    answers = []
    for v in range(n // per_video):
        duration = rng.uniform(20, 200)
        spans, queries = [], []
        for q in range(per_video):
            s = rng.uniform(0, duration - 5)
            e = min(duration, s + rng.uniform(2, 40))
            spans.append([round(s, 1), round(e, 1)])
            queries.append(f"person does thing {q} in video {v}.")
            ps, pe = max(0.0, s + rng.gauss(0, 4)), e + rng.gauss(0, 4)
            style = rng.choice(STYLES)
            text = style.format(
                s=ps, e=pe, ms=int(ps // 60), ss=int(ps % 60), me=int(pe // 60), se=int(pe % 60)
            )
            answers.append({"vid": f"vid{v:06d}", "query": queries[-1], "answer": text})
        bench[f"vid{v:06d}"] = {"duration": round(duration, 2), "spans": spans, "queries": queries}
    ann = root / "charades-timelens.json"
    ann.write_text(json.dumps(bench), encoding="utf-8")
    pred = root / "answers.jsonl"
    pred.write_text("".join(json.dumps(a) + "\n" for a in answers), encoding="utf-8")
    return ann, pred


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--bootstrap", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        ann, pred = make_files(root, args.n)
        timings: dict[str, list[float]] = {}
        benchmark = get_benchmark("timelens-charades")
        protocol = get_protocol("timelens")
        for _ in range(args.repeats):
            paused = paused_gc()  # as `videoeval score` runs
            paused.__enter__()
            marks = [time.perf_counter()]
            loaded = benchmark.load(ann)
            marks.append(time.perf_counter())
            preds = read_predictions(pred)
            marks.append(time.perf_counter())
            result = score_predictions(
                benchmark.id, loaded.samples, preds, protocol, resamples=args.bootstrap
            )
            marks.append(time.perf_counter())
            write_outputs(result, root / "out")
            marks.append(time.perf_counter())
            score_predictions(benchmark.id, loaded.samples, preds, protocol, resamples=0)
            marks.append(time.perf_counter())
            stages = {
                "load annotations": marks[1] - marks[0],
                "read predictions (layout detection)": marks[2] - marks[1],
                f"parse + score + {args.bootstrap} bootstrap CIs": marks[3] - marks[2],
                "write samples.jsonl + metrics.json": marks[4] - marks[3],
                "end to end (videoeval score)": marks[4] - marks[0],
                "parse + score, no CIs (separate run)": marks[5] - marks[4],
            }
            paused.__exit__(None, None, None)
            for stage, seconds in stages.items():
                timings.setdefault(stage, []).append(seconds)
        n = len(loaded.samples)
        print(f"\nscoring {n:,} answers, timelens protocol, median of {args.repeats} runs\n")
        print(f"| {'stage':<40} | {'seconds':>8} | {'answers/s':>10} |")
        print(f"|{'-' * 42}|{'-' * 10}|{'-' * 12}|")
        for stage, values in timings.items():
            median = statistics.median(values)
            print(f"| {stage:<40} | {median:8.3f} | {n / median:10,.0f} |")
        print(f"\nmetrics: {result.report.metrics}")


if __name__ == "__main__":
    main()
