"""Dense-captioning scoring speed on the real ActivityNet Captions val_1 + val_2 references,
against the reference design run in the same process on the same videos.

Predictions are made from val_1's GT with jittered spans and shuffled sentences (seeded). The
reference design is densevid_eval's (ActivityNet 2018 script, as PDVC runs it), re-built from
the public pycocoevalcap calls: for each tIoU threshold, build the matched (prediction, GT) pairs
of every video (junk string for unmatched predictions), tokenize all of them in one PTB call for
the predictions and one for the GTs, then score each video with BLEU, METEOR (one METEOR process
for the whole run), ROUGE-L and CIDEr. Ours scores the same videos with the same metrics.
Run: ``python bench/score_dense.py [--videos N] [--heap]`` (default: all 4,917 videos; both
designs run on the same videos, so the ratio is of total times).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import tracemalloc
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


def reference_design(refs, preds, videos, thresholds) -> float:  # type: ignore[no-untyped-def]
    """densevid_eval's loop: per threshold one tokenizer call for all predictions and one for
    all GTs; per video every scorer; one long-lived METEOR process."""
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.meteor.meteor import Meteor
    from pycocoevalcap.rouge.rouge import Rouge
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    start = time.perf_counter()
    tokenizer = PTBTokenizer()
    scorers = [Bleu(4), Meteor(), Rouge(), Cider()]
    rng = random.Random(0)
    for t in thresholds:
        res, gts, ids_of = {}, {}, {}
        for vid in videos:
            pairs = pairs_at(preds.captions.get(vid, []), [r[vid] for r in refs if vid in r], t,
                             "densevid-2018", rng)  # fmt: skip
            ids_of[vid] = []
            for pred, gt in pairs:
                res[len(res)] = [{"caption": pred}]
                gts[len(gts)] = [{"caption": gt}]
                ids_of[vid].append(len(res) - 1)
        res, gts = tokenizer.tokenize(res), tokenizer.tokenize(gts)
        for ids in ids_of.values():
            if not ids:
                continue
            cur_res, cur_gts = {i: res[i] for i in ids}, {i: gts[i] for i in ids}
            for scorer in scorers:
                scorer.compute_score(cur_gts, cur_res)
    del scorers
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--videos", type=int, default=0, help="first N videos (0: all)")
    parser.add_argument("--heap", action="store_true", help="also trace python heap peaks")
    args = parser.parse_args()
    val_1, _ = read_references(DATA / "anet_captions_val_1.json")
    val_2, _ = read_references(DATA / "anet_captions_val_2.json")
    refs = [val_1, val_2]
    if args.videos:
        keep = sorted(set(val_1) | set(val_2))[: args.videos]
        refs = [{v: r[v] for v in keep if v in r} for r in refs]
    preds = predictions(refs[0])
    videos = sorted({v for r in refs for v in r})
    thresholds = (0.3, 0.5, 0.7, 0.9)
    heap = tracemalloc.start if args.heap else (lambda: None)
    heap()
    start = time.perf_counter()
    report, _ = score_dense(refs, preds)
    ours = time.perf_counter() - start
    ours_peak = tracemalloc.get_traced_memory()[1] if args.heap else None
    tracemalloc.reset_peak()
    baseline = reference_design(refs, preds, videos, thresholds)
    baseline_peak = tracemalloc.get_traced_memory()[1] if args.heap else None
    tracemalloc.stop()
    print(f"\n{len(videos)} videos (val_1 + val_2), tIoU 0.3/0.5/0.7/0.9, "
          "BLEU/METEOR/ROUGE-L/CIDEr")  # fmt: skip
    if args.heap:
        print("(--heap: python heap peaks from tracemalloc, which slows both; Java not counted)")
    print(f"\n| {'scorer':<56} | {'seconds':>8} | {'heap peak MB':>12} |")
    print(f"|{'-' * 58}|{'-' * 10}|{'-' * 14}|")
    rows = [
        ("videoeval score_dense (densevid-2018, with SODA_c)", ours, ours_peak),
        ("densevid_eval design (tokenize per threshold, 1 METEOR)", baseline, baseline_peak),
    ]
    for name, seconds, peak in rows:
        shown = "-" if peak is None else f"{peak / 2**20:.1f}"
        print(f"| {name:<56} | {seconds:>8.1f} | {shown:>12} |")
    print(f"\nspeed ratio (reference design / ours): {baseline / ours:.2f}x")
    print(
        "our metrics: "
        + ", ".join(f"{k} {report.metrics[k]:.2f}" for k in ("precision", "recall", *LANGUAGE))
    )


if __name__ == "__main__":
    main()
