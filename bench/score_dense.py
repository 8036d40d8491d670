"""Dense-captioning scoring speed on the real ActivityNet Captions val_1 + val_2 references,
against the reference design run in the same process on the same videos.

Predictions are made from val_1's GT with jittered spans and shuffled sentences (seeded). The
reference design is what a user runs to get the same figures, re-built from the public
pycocoevalcap calls:
- densevid_eval (ActivityNet 2018 script, as PDVC runs it): for each tIoU threshold, build the
  matched (prediction, GT) pairs of every video (junk string for unmatched predictions),
  tokenize them in one PTB call for the predictions and one for the GTs, then score each video
  with BLEU, METEOR (one METEOR process for the whole run), ROUGE-L and CIDEr;
- fujiso/SODA (SODA_c over both reference files merged, per-video F1 averaged as @ 9cb3e2c):
  one PTB call for the predictions and one for the GTs, one METEOR process, one
  ``compute_score`` per GT event against the video's predictions, the DP alignment.
Ours scores the same videos with the same metrics; the figures of both are compared exactly.
Each design runs in a process of its own (so its peak memory is its own: the Python process,
and the largest of the Java processes it waited for). CPU seconds count the design's Python
process and the Java processes it waited for; divided by the cores, they are the least wall
time that work can take here.
Run: ``python bench/score_dense.py [--videos N]`` (default: all 4,917 videos; both designs run
on the same videos, so the ratio is of total times).
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import numpy as np

from videoeval.metrics.dense import Caption, pairs_at, remove_nonascii, tiou
from videoeval.metrics.soda import dp_alignment, soda_aggregate
from videoeval.predictions.dense import DensePredictions
from videoeval.scoring.dense import read_references, score_dense
from videoeval.text.language import LANGUAGE
from videoeval.text.meteor import available_cores

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


def reference_design(refs, preds, videos, thresholds):  # type: ignore[no-untyped-def]
    """densevid_eval's loop: per threshold one tokenizer call for all predictions and one for
    all GTs; per video every scorer; one long-lived METEOR process. Then SODA_c."""
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.meteor.meteor import Meteor
    from pycocoevalcap.rouge.rouge import Rouge
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    start = time.perf_counter()
    tokenizer = PTBTokenizer()
    scorers = [Bleu(4), Meteor(), Rouge(), Cider()]
    names = [LANGUAGE[:4], ("METEOR",), ("ROUGE_L",), ("CIDEr",)]
    rng = random.Random(0)
    totals = {(name, t): 0.0 for name in LANGUAGE for t in thresholds}
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
            for scorer, keys in zip(scorers, names, strict=True):
                if keys == LANGUAGE[:4]:
                    score, _ = scorer.compute_score(cur_gts, cur_res, verbose=0)
                else:
                    score, _ = scorer.compute_score(cur_gts, cur_res)
                for key, value in zip(keys, score if isinstance(score, list) else [score],
                                      strict=True):  # fmt: skip
                    totals[(key, t)] += float(value)
    del scorers
    figures = {
        name: 100 * sum(totals[(name, t)] for t in thresholds) / len(thresholds) / len(videos)
        for name in LANGUAGE
    }
    figures["SODA_c"] = soda_reference(refs, preds)
    return time.perf_counter() - start, figures


def soda_reference(refs, preds) -> float:  # type: ignore[no-untyped-def]
    """fujiso/SODA's design: references merged per video and sorted by start, predictions
    sorted by start, both tokenized in one PTB call each; per GT event one METEOR
    ``compute_score`` with the GT sentence as hypothesis; tIoU x METEOR; DP alignment."""
    from pycocoevalcap.meteor.meteor import Meteor
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    vids = sorted({v for r in refs for v in r} & set(preds.captions))
    gts = {v: sorted((c for r in refs if v in r for c in r[v]), key=lambda c: c.start)
           for v in vids}  # fmt: skip
    pred = {v: sorted(preds.captions[v], key=lambda c: c.start) for v in vids}
    tokenizer = PTBTokenizer()
    flat_p = [c for v in vids for c in pred[v]]
    flat_g = [c for v in vids for c in gts[v]]
    tok_p = tokenizer.tokenize(
        {i: [{"caption": remove_nonascii(c.sentence)}] for i, c in enumerate(flat_p)}
    )
    tok_g = tokenizer.tokenize(
        {i: [{"caption": remove_nonascii(c.sentence)}] for i, c in enumerate(flat_g)}
    )
    meteor = Meteor()
    per_video, at_p, at_g = [], 0, 0
    for v in vids:
        p_sent = [tok_p[at_p + j][0] for j in range(len(pred[v]))]
        g_sent = [tok_g[at_g + i][0] for i in range(len(gts[v]))]
        at_p, at_g = at_p + len(p_sent), at_g + len(g_sent)
        res = {j: [s] for j, s in enumerate(p_sent)}
        scores = np.array([meteor.compute_score(res, {j: [g] for j in res})[1] for g in g_sent])
        ious = np.array([[tiou((g.start, g.end), (c.start, c.end)) for c in pred[v]]
                         for g in gts[v]])  # fmt: skip
        per_video.append((dp_alignment(ious * scores), len(gts[v]), len(pred[v])))
    del meteor
    return 100 * soda_aggregate(per_video, "videos")[2]


def load(limit: int):  # type: ignore[no-untyped-def]
    val_1, _ = read_references(DATA / "anet_captions_val_1.json")
    val_2, _ = read_references(DATA / "anet_captions_val_2.json")
    refs = [val_1, val_2]
    if limit:
        keep = sorted(set(val_1) | set(val_2))[:limit]
        refs = [{v: r[v] for v in keep if v in r} for r in refs]
    return refs, predictions(refs[0]), sorted({v for r in refs for v in r})


def cpu_seconds() -> tuple[float, float]:
    """User + system CPU of this process, and of its children that ended (the Java processes:
    METEOR and the tokenizer)."""
    own, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                          resource.RUSAGE_CHILDREN))  # fmt: skip
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def design(name: str, limit: int, out) -> None:  # type: ignore[no-untyped-def]
    """One design in a process of its own, so each one's peak memory is its own."""
    refs, preds, videos = load(limit)
    extra = {}
    before = cpu_seconds()
    start = time.perf_counter()
    if name == "ours":
        report, _ = score_dense(refs, preds)
        seconds = time.perf_counter() - start
        figures = {k: report.metrics[k] for k in (*LANGUAGE, "SODA_c")}
        extra = {"processes": report.inputs.get("meteor_processes"),
                 "shown": {k: report.metrics[k] for k in ("precision", "recall")}}  # fmt: skip
    else:
        seconds, figures = reference_design(refs, preds, videos, (0.3, 0.5, 0.7, 0.9))
    out.put({
        "seconds": seconds, "figures": figures, "videos": len(videos), **extra,
        "cpu": sum(cpu_seconds()) - sum(before),
        "java_cpu": cpu_seconds()[1] - before[1],
        # Linux reports KiB; the children are the Java processes, waited for
        "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "java_rss": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    })  # fmt: skip


def run(name: str, limit: int) -> dict:  # type: ignore[type-arg]
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    child = context.Process(target=design, args=(name, limit, out))
    child.start()
    result = out.get()
    child.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--videos", type=int, default=0, help="first N videos (0: all)")
    args = parser.parse_args()
    ours, reference = run("ours", args.videos), run("reference", args.videos)
    print(f"\n{ours['videos']} videos (val_1 + val_2), tIoU 0.3/0.5/0.7/0.9, "
          "BLEU/METEOR/ROUGE-L/CIDEr + SODA_c; each design in a process of its own")  # fmt: skip
    cores = available_cores()
    per_core = f"CPU s / {cores}"
    print(f"\n| {'design':<52} | {'seconds':>7} | {'CPU s':>6} | {'of it Java':>10} | "
          f"{per_core:>10} | {'Python peak MB':>14} | {'largest Java MB':>15} |")  # fmt: skip
    print(f"|{'-' * 54}|{'-' * 9}|{'-' * 8}|{'-' * 12}|{'-' * 12}|{'-' * 16}|{'-' * 17}|")
    rows = [
        (f"videoeval score (METEOR processes at once: {ours['processes']})", ours),
        ("densevid_eval + fujiso/SODA designs (1 METEOR each)", reference),
    ]
    for name, r in rows:
        floor = r["cpu"] / cores
        print(f"| {name:<52} | {r['seconds']:>7.1f} | {r['cpu']:>6.1f} | {r['java_cpu']:>10.1f} | "
              f"{floor:>10.1f} | {r['rss']:>14.0f} | {r['java_rss']:>15.0f} |")  # fmt: skip
    print(f"\nspeed ratio (reference design / ours): {reference['seconds'] / ours['seconds']:.2f}x")
    shown = {**ours["shown"], **ours["figures"]}
    print("our metrics: " + ", ".join(f"{k} {v:.2f}" for k, v in shown.items()))
    differ = [k for k, v in reference["figures"].items() if ours["figures"][k] != v]
    print("figures identical to the reference design's (exact float equality): "
          + ("yes" if not differ else f"NO: {differ}"))  # fmt: skip


if __name__ == "__main__":
    main()
