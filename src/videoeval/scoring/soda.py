"""SODA_c over one or more reference files (the numbers in ``metrics/soda.py``): one METEOR
matrix per video over the merged references, aggregated per file and over all of them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from videoeval.metrics.dense import Caption, remove_nonascii, tiou
from videoeval.metrics.soda import SodaAverage, dp_alignment, soda_aggregate, soda_f1
from videoeval.predictions.dense import DensePredictions
from videoeval.text.language import LanguageScorers

Merged = dict[str, list[tuple[int, Caption]]]


def _merge(references: Sequence[dict[str, list[Caption]]], videos: list[str]) -> Merged:
    # Each merged event keeps the index of its reference file: the per-file rows of the merged
    # matrix are the matrix SODA builds from that file alone (same stable sort by start).
    return {
        v: sorted(
            ((k, c) for k, refs in enumerate(references) if v in refs for c in refs[v]),
            key=lambda kc: kc[1].start,
        )
        for v in videos
    }


def _matrices(
    merged: Merged, preds: dict[str, list[Caption]], scorers: LanguageScorers
) -> dict[str, np.ndarray]:
    """F[i, j] = tIoU(gt_i, pred_j) x METEOR per video: one tokenizer call for all sentences."""
    sentences = list(
        dict.fromkeys(
            [remove_nonascii(c.sentence) for v in preds for c in preds[v]]
            + [remove_nonascii(c.sentence) for v in preds for _, c in merged[v]]
        )
    )
    tokens = dict(zip(sentences, scorers.tokenize(sentences), strict=True)) if sentences else {}
    meteor = scorers.scorers[1][0]
    matrices: dict[str, np.ndarray] = {}
    for v in preds:
        pred_tokens = {j: [tokens[remove_nonascii(c.sentence)]] for j, c in enumerate(preds[v])}
        matrix = np.zeros((len(merged[v]), len(preds[v])))
        for i, (_, gt) in enumerate(merged[v]):
            gt_token = tokens[remove_nonascii(gt.sentence)]
            # As the reference: the GT sentence is the hypothesis, each prediction a reference.
            _, per_pred = meteor.compute_score(pred_tokens, {j: [gt_token] for j in pred_tokens})
            for j, pred in enumerate(preds[v]):
                matrix[i, j] = tiou((gt.start, gt.end), (pred.start, pred.end)) * per_pred[j]
        matrices[v] = matrix
    return matrices


@dataclass
class _Aligned:
    references: Sequence[dict[str, list[Caption]]]
    videos: list[str]
    merged: Merged
    preds: dict[str, list[Caption]]
    matrices: dict[str, np.ndarray]
    missing: str

    def per_video(self, files: set[int]) -> tuple[dict[str, tuple[float, int, int]], int]:
        """``{video: (dp score, #gt, #pred)}`` over the events of ``files``, and how many GT
        videos without predictions were dropped."""
        scores: dict[str, tuple[float, int, int]] = {}
        dropped = 0
        for v in self.videos:
            if not any(v in self.references[k] for k in files):
                continue
            rows = [i for i, (k, _) in enumerate(self.merged[v]) if k in files]
            if v not in self.preds:
                dropped += 1
                if self.missing == "zero":
                    scores[v] = (0.0, len(rows), 0)
                continue
            scores[v] = (dp_alignment(self.matrices[v][rows]), len(rows), len(self.preds[v]))
        return scores, dropped


def soda_c(
    references: Sequence[dict[str, list[Caption]]],
    predictions: DensePredictions,
    missing: str = "drop",
    scorers: LanguageScorers | None = None,
    average: SodaAverage = "videos",
    video_f1: dict[str, float] | None = None,
) -> dict[str, float]:
    """SODA_c over merged references; ``missing`` is ``drop`` (the reference) or ``zero``;
    ``average`` is ``videos`` (fujiso/SODA @ 9cb3e2c, PDVC) or ``corpus`` (fujiso/SODA @
    356ec65). ``video_f1``, when given, receives each scored video's own F1."""
    videos = sorted({vid for refs in references for vid in refs})
    merged = _merge(references, videos)
    preds = {
        v: sorted(predictions.captions[v], key=lambda c: c.start)
        for v in videos
        if predictions.captions.get(v)
    }
    own = scorers is None
    scorers = scorers or LanguageScorers()
    try:
        aligned = _Aligned(references, videos, merged, preds, _matrices(merged, preds, scorers),
                           missing)  # fmt: skip
    finally:
        if own:
            scorers.close()
    scores, dropped = aligned.per_video(set(range(len(references))))
    if video_f1 is not None:
        video_f1.update({v: soda_f1(*score)[2] for v, score in scores.items()})
    precision, recall, f1 = soda_aggregate(list(scores.values()), average)
    result = {
        "SODA_c": 100 * f1,
        "SODA_c_precision": 100 * precision,
        "SODA_c_recall": 100 * recall,
        "SODA_c_videos": float(len(preds)),
        "SODA_c_dropped_videos": float(dropped) if missing == "drop" else 0.0,
    }
    if len(references) > 1:
        # PDVC's eval_soda: SODA_c once per reference file, the F1s averaged (papers report this).
        per_file = [
            soda_aggregate(list(aligned.per_video({k})[0].values()), average)[2]
            for k in range(len(references))
        ]
        result["SODA_c_per_reference"] = 100 * sum(per_file) / len(per_file)
    return result
