"""Dense-captioning scoring speed on the real ActivityNet Captions val_1 + val_2 references.

Predictions are made from val_1's GT with jittered spans and shuffled sentences (seeded). Our
scorer (one PTB tokenizer call and one METEOR process for the whole run) scores every video with
all metrics; the reference design (a tokenizer call and a new METEOR process per video) is timed
on the same first ``--baseline-videos`` videos in the same run, and both per-video costs are
compared. Run: ``python bench/score_dense.py [--videos 0] [--baseline-videos 10]``
(``--videos 0``: all of them).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from videoeval.metrics.dense import Caption, pairs_at
from videoeval.predictions.dense import DensePredictions
from videoeval.scoring.dense import read_references, score_dense
from videoeval.text.language import LANGUAGE

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "captions"


def predictions(refs: dict[str, list[Caption]], seed: int = 0) -> DensePredictions:
    rng = random.Random(seed)
    sentences = [c.sentence for caps in refs.values() for c in caps]
    out = {}
    for vid, caps in refs.items():
        out[vid] = [
            Caption(max(0.0, c.start + rng.gauss(0, 3)), c.end + rng.gauss(0, 3),
                    c.sentence if rng.random() < 0.5 else rng.choice(sentences))
            for c in caps
        ]  # fmt: skip
    return DensePredictions(captions=out)


def per_video_reference_design(refs, preds, videos, thresholds) -> float:  # type: ignore[no-untyped-def]
    """A tokenizer call and a fresh METEOR process for every video, as the original script."""
    from pycocoevalcap.meteor.meteor import Meteor
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    start = time.perf_counter()
    rng = random.Random(0)
    for vid in videos:
        for t in thresholds:
            pairs = pairs_at(preds.captions.get(vid, []), [r[vid] for r in refs if vid in r], t,
                             "densevid-2018", rng)  # fmt: skip
            if not pairs:
                continue
            tok = PTBTokenizer()
            res = tok.tokenize({i: [{"caption": p}] for i, (p, _) in enumerate(pairs)})
            gts = tok.tokenize({i: [{"caption": g}] for i, (_, g) in enumerate(pairs)})
            meteor = Meteor()
            meteor.compute_score(gts, res)
            del meteor
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--videos", type=int, default=0)
    parser.add_argument("--baseline-videos", type=int, default=10)
    args = parser.parse_args()
    val_1, _ = read_references(DATA / "anet_captions_val_1.json")
    val_2, _ = read_references(DATA / "anet_captions_val_2.json")
    refs = [val_1, val_2]
    if args.videos:
        keep = sorted(set(val_1) | set(val_2))[: args.videos]
        refs = [{v: r[v] for v in keep if v in r} for r in refs]
    preds = predictions(refs[0])
    videos = sorted({v for r in refs for v in r})
    start = time.perf_counter()
    report, _ = score_dense(refs, preds)
    ours = time.perf_counter() - start
    subset = videos[: args.baseline_videos]
    start = time.perf_counter()
    score_dense([{v: r[v] for v in subset if v in r} for r in refs], preds)
    ours_subset = time.perf_counter() - start
    baseline = per_video_reference_design(refs, preds, subset, (0.3, 0.5, 0.7, 0.9))
    print(f"\n{len(videos)} videos (val_1 + val_2), all metrics at tIoU 0.3/0.5/0.7/0.9\n")
    print(f"| {'scorer':<44} | {'videos':>6} | {'seconds':>8} | {'s / video':>9} |")
    print(f"|{'-' * 46}|{'-' * 8}|{'-' * 10}|{'-' * 11}|")
    rows = [("videoeval (one tokenizer call, one METEOR)", len(videos), ours),
            ("videoeval, same subset", len(subset), ours_subset),
            ("per-video tokenizer + METEOR process", len(subset), baseline)]  # fmt: skip
    for name, n, seconds in rows:
        print(f"| {name:<44} | {n:>6} | {seconds:>8.1f} | {seconds / n:>9.3f} |")
    ratio = (baseline / len(subset)) / (ours / len(videos))
    print(f"\nper-video cost ratio (reference design / ours): {ratio:.1f}x")
    print(
        "metrics: "
        + ", ".join(f"{k} {report.metrics[k]:.2f}" for k in ("precision", "recall", *LANGUAGE))
    )


if __name__ == "__main__":
    main()
