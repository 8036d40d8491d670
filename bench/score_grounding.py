"""Scoring speed: 100,000 grounding answers under the timelens protocol.

Generates a TimeLens-Bench annotation file and a simple-JSONL answer file in mixed answer styles
(seeded), then times each stage of ``videoeval score`` in this process and prints a table with
the median over repeats. Then the same answers in TimeLens's own result layout, scored by the
reference design (TencentARC/TimeLens ``evaluation/compute_metrics.py``: one dict from the JSONL,
``eval`` of each key's GT span, the given timestamps' first pair, IoU, R1@t loops; re-implemented
here from that description), by ``videoeval.score`` end to end, and by a bare lower bound
(the same reading, joining, bootstrap and row writing with no records, rules or checks: what
any Python design doing this work costs at least), with the ratio, the peak of Python
allocations (tracemalloc) of each, and whether the figures are the same floats. Given several
sizes, each is scored by every design and the growth from the smallest to the largest is
printed. Run: ``python bench/score_grounding.py [--n 100000 [1000000]] [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from videoeval.benchmarks import get_benchmark
from videoeval.gcpause import paused_gc
from videoeval.outputs import write_report
from videoeval.predictions.grounding import read_predictions
from videoeval.protocols.grounding import get_protocol
from videoeval.scoring.grounding_scorer import scored_file

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


def timelens_result_file(root: Path, ann: Path, pred: Path) -> Path:
    """The answers in TimeLens's result layout, with the timestamps its inference would write
    (the answer parsed and rounded as the timelens protocol does; unreadable ones get its
    [duration + 10, duration + 20])."""
    from videoeval.benchmarks.timelens_bench import clean_query
    from videoeval.parsing.spans import PARSERS

    bench = json.loads(ann.read_text())
    out = root / "result.jsonl"
    with open(pred) as src, open(out, "w") as dst:
        for line in src:
            row = json.loads(line)
            entry = bench[row["vid"]]
            k = entry["queries"].index(row["query"])
            spans = PARSERS["timelens"](row["answer"]).spans
            stamps = [[round(spans[0][0]), round(spans[0][1])]] if spans else [
                [entry["duration"] + 10, entry["duration"] + 20]]  # fmt: skip
            # TimeLens's inference keys results by the query as its loader cleans it.
            key = f"{row['vid']}.mp4>>>{clean_query(row['query'])}>>>{entry['spans'][k]}"
            dst.write(json.dumps({key: {"timestamps": stamps, "answers": row["answer"]}}) + "\n")
    return out


def reference_design(result: Path) -> dict[str, float]:
    data: dict = {}
    with open(result) as handle:
        for line in handle:
            data.update(json.loads(line))
    ious = []
    for key, pred in data.items():
        _, _, gt_text = key.split(">>>")
        gt = eval(gt_text)  # as the reference reads its keys
        first = pred["timestamps"][0]
        union = max(gt[1], first[1]) - min(gt[0], first[0])
        ious.append(max(min(gt[1], first[1]) - max(gt[0], first[0]), 0) / union)
    n = len(data)
    out = {f"R1@{t:g}": sum(i >= t for i in ious) * 100 / n for t in (0.3, 0.5, 0.7)}
    total = 0.0
    for value in ious:  # sum() as the reference's Python 3.11 adds floats (3.12 compensates)
        total += value
    out["mIoU"] = total * 100 / n
    return out


def bare_design(ann: Path, result: Path, out: Path, resamples: int) -> dict[str, float]:
    """A lower bound on any scorer doing videoeval's work on this file: the GT read and indexed
    by cleaned query, the result file decoded in one call, joined by key, IoU in numpy, the
    same bootstrap, the same row fields written from preformatted strings; no typed records,
    no layout detection, no protocol rules, no checks (unique keys assumed, as here)."""
    from json.encoder import encode_basestring as quoted  # the C encoder, non-ASCII as is

    import numpy as np

    from videoeval.benchmarks.timelens_bench import clean_query
    from videoeval.metrics.bootstrap import percentile_ci

    bench = json.loads(ann.read_text(encoding="utf-8"))
    where: dict[tuple[str, str], int] = {}
    gts: list[tuple[str, str, float, float, float]] = []
    for vid, entry in bench.items():
        for span, query in zip(entry["spans"], entry["queries"], strict=True):
            cleaned = clean_query(query)
            where[(vid, cleaned)] = len(gts)
            gts.append((vid, cleaned, span[0], span[1], entry["duration"]))
    text = result.read_text(encoding="utf-8")
    lines = json.loads("[" + ",".join(text.splitlines()) + "]")
    del text
    n = len(gts)
    pairs, answers, order, at = [(0.0, 0.0)] * n, [""] * n, [], [0] * n
    for position, line in enumerate(lines, start=1):
        for key, value in line.items():
            vid, query, _ = key.split(">>>")
            i = where[(vid.removesuffix(".mp4"), query)]
            first = value["timestamps"][0]
            pairs[i], answers[i] = (first[0], first[1]), value["answers"]
            order.append(i)
            at[i] = position
    del lines
    gt = np.asarray([g[2:4] for g in gts], dtype=float)
    pred = np.asarray(pairs, dtype=float)
    inter = np.maximum(np.minimum(gt[:, 1], pred[:, 1]) - np.maximum(gt[:, 0], pred[:, 0]), 0)
    ious = inter / (np.maximum(gt[:, 1], pred[:, 1]) - np.minimum(gt[:, 0], pred[:, 0]))
    per_sample = {f"R1@{t:g}": (ious >= t).astype(float) for t in (0.3, 0.5, 0.7)}
    figures = {k: float(v.sum()) * 100 / n for k, v in per_sample.items()}
    total = 0.0
    for value in ious[order].tolist():  # the reference's order and running sum
        total += value
    figures["mIoU"] = total * 100 / n
    per_sample["mIoU"] = ious
    percentile_ci(per_sample, resamples=resamples)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "samples.jsonl", "w", encoding="utf-8") as handle:
        chunk = []
        values = ious.tolist()
        for i, (vid, query, s, e, duration) in enumerate(gts):
            iou = values[i]
            ps, pe = pairs[i]
            chunk.append(
                f'{{"sample_id":{quoted(f"{vid}#{i}")},"video_id":{quoted(vid)},'
                f'"query":{quoted(query)},"gt_windows":[[{s!r},{e!r}]],"duration":{duration!r},'
                f'"answer":{quoted(answers[i])},"parsed":[[{ps!r},{pe!r}]],'
                f'"scored_span":[{ps!r},{pe!r}],"gt_window_used":[{s!r},{e!r}],"iou":{iou!r},'
                f'"status":"ok","counted":true,"note":null,"origin":"{result.name}:{at[i]}"}}'
            )
            if len(chunk) == 1000:
                handle.write("\n".join(chunk) + "\n")
                chunk.clear()
        handle.write("".join(line + "\n" for line in chunk))
    return figures


def scored_and_written(request, out: Path) -> dict[str, float]:
    import videoeval

    outcome = videoeval.score(request)
    outcome.write(out)
    return outcome.report.metrics


def measured(fn) -> tuple[float, float, object]:
    """Seconds of one call, then the peak of Python allocations of another (tracemalloc slows
    the code it watches several times over, so it never runs while the clock does)."""
    import tracemalloc

    start = time.perf_counter()
    value = fn()
    seconds = time.perf_counter() - start
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return seconds, peak, value


def compare_with_reference(
    root: Path, ann: Path, pred: Path, repeats: int
) -> dict[str, tuple[float, float]]:
    """The three designs on the same answers, alternating; returns each one's median seconds
    and median peak MB."""
    import videoeval

    result = timelens_result_file(root, ann, pred)
    resamples = 1000
    scoring = videoeval.ScoringOptions(bootstrap=resamples)
    request = videoeval.ScoreRequest("timelens-charades", predictions=result, annotations=ann,
                                     scoring=scoring)  # fmt: skip
    bare = "bare lower bound (no records, no rules)"
    runs: dict[str, list[tuple[float, float, Any]]] = {REFERENCE: [], OURS: [], bare: []}
    for _ in range(repeats):
        runs[REFERENCE].append(measured(lambda: reference_design(result)))
        runs[OURS].append(measured(lambda: scored_and_written(request, root / "ref-out")))
        with paused_gc():  # as videoeval pauses it
            runs[bare].append(measured(lambda: bare_design(ann, result, root / "bare", resamples)))
    base = statistics.median(t for t, _, _ in runs[REFERENCE])
    lines = len(result.read_text().splitlines())
    print(f"\nthe same {lines:,} answers in TimeLens's result layout, "
          f"median of {repeats}\n")  # fmt: skip
    print(f"| {'scorer':<40} | {'seconds':>8} | {'speed vs reference':>18} | {'peak MB':>8} |"
          f" {'memory vs reference':>19} |")  # fmt: skip
    print(f"|{'-' * 42}|{'-' * 10}|{'-' * 20}|{'-' * 10}|{'-' * 21}|")
    medians = {}
    base_peak = statistics.median(p for _, p, _ in runs[REFERENCE])
    for name, values in runs.items():
        seconds = statistics.median(t for t, _, _ in values)
        peak = statistics.median(p for _, p, _ in values)
        medians[name] = (seconds, peak)
        print(f"| {name:<40} | {seconds:8.3f} | {base / seconds:17.2f}x | {peak:8.1f} |"
              f" {peak / base_peak:18.2f}x |")  # fmt: skip
    theirs = runs[REFERENCE][0][2]
    ours = runs[OURS][0][2]
    floor = runs[bare][0][2]
    print(f"\nreference figures: {theirs}\nvideoeval figures: {ours}")
    for name, figures in (("videoeval", ours), ("bare lower bound", floor)):
        same = all(figures[k] == v for k, v in theirs.items())
        print(f"{name}: figures identical to the reference (as floats): {'yes' if same else 'NO'}")
    held_by_records(ann, result)
    return medians


REFERENCE = "reference design (compute_metrics.py)"
OURS = "videoeval score (CIs, rows written)"


def held_by_records(ann: Path, result: Path) -> None:
    """The memory the typed records would hold if every prediction were read before scoring:
    the GT queries, then the predictions (tracemalloc, allocations alive after each step).
    ``videoeval score`` scores each line as it reads it, where no query has two lines."""
    import tracemalloc

    tracemalloc.start()
    samples = get_benchmark("timelens-charades").load(ann).samples
    after_gt = tracemalloc.get_traced_memory()[0] / 2**20
    predictions = read_predictions(result).predictions
    both = tracemalloc.get_traced_memory()[0] / 2**20
    tracemalloc.stop()
    print(f"records, were the file read whole before scoring: {len(samples):,} GT queries "
          f"{after_gt:.1f} MB, plus {len(predictions):,} predictions {both - after_gt:.1f} MB = "
          f"{both:.1f} MB")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sizes = "answer counts, each scored by every design (e.g. 100000 1000000)"
    parser.add_argument("--n", type=int, nargs="+", default=[100_000], help=sizes)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--bootstrap", type=int, default=1000)
    args = parser.parse_args()
    by_size = {}
    for n in args.n:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            ann, pred = make_files(root, n)
            if n == args.n[0]:
                stage_table(root, ann, pred, args.repeats, args.bootstrap)
            by_size[n] = compare_with_reference(root, ann, pred, args.repeats)
    if len(by_size) > 1:
        small, large = min(by_size), max(by_size)
        print(f"\ngrowth from {small:,} to {large:,} answers ({large / small:g}x the answers)\n")
        print(f"| {'scorer':<40} | {'time':>7} | {'peak memory':>11} |")
        print(f"|{'-' * 42}|{'-' * 9}|{'-' * 13}|")
        for name in (REFERENCE, OURS):
            (t0, m0), (t1, m1) = by_size[small][name], by_size[large][name]
            print(f"| {name:<40} | {t1 / t0:6.1f}x | {m1 / m0:10.1f}x |")


def stage_table(root: Path, ann: Path, pred: Path, repeats: int, resamples: int) -> None:
    """Each stage of ``videoeval score`` on the simple-JSONL answers, timed apart."""
    from videoeval.options import ScoringOptions
    from videoeval.protocols import protocol_info
    from videoeval.scoring.base import ScoreContext
    from videoeval.scoring.report import build_report

    timings: dict[str, list[float]] = {}
    benchmark = get_benchmark("timelens-charades")
    for _ in range(repeats):
        paused = paused_gc()  # as `videoeval score` runs
        paused.__enter__()
        marks = [time.perf_counter()]
        loaded = benchmark.load(ann)
        marks.append(time.perf_counter())
        ctx = ScoreContext(
            benchmark, benchmark.view("grounding"), protocol_info("timelens"),
            get_protocol("timelens"), ann, loaded.samples, loaded.skipped, pred, None,
            ScoringOptions(resamples, 0),
        )  # fmt: skip
        scored = scored_file(ctx, pred, {})
        marks.append(time.perf_counter())
        report = build_report(ctx, scored)
        marks.append(time.perf_counter())
        write_report(root / "out", report, samples=scored.rows)
        marks.append(time.perf_counter())
        stages = {
            "load annotations": marks[1] - marks[0],
            "read, match and score each line": marks[2] - marks[1],
            f"report with {resamples} bootstrap CIs": marks[3] - marks[2],
            "write samples.jsonl + metrics.json": marks[4] - marks[3],
            "end to end (videoeval score)": marks[4] - marks[0],
        }
        paused.__exit__(None, None, None)
        for stage, seconds in stages.items():
            timings.setdefault(stage, []).append(seconds)
    n = len(loaded.samples)
    print(f"\nscoring {n:,} answers, timelens protocol, median of {repeats} runs\n")
    print(f"| {'stage':<40} | {'seconds':>8} | {'answers/s':>10} |")
    print(f"|{'-' * 42}|{'-' * 10}|{'-' * 12}|")
    for stage, values in timings.items():
        median = statistics.median(values)
        print(f"| {stage:<40} | {median:8.3f} | {n / median:10,.0f} |")
    print(f"\nmetrics: {report.metrics}")


if __name__ == "__main__":
    main()
