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


Tokens = list[list[str]]  # [prediction tokens, GT tokens], each in video order


def soda_batches(
    references: Sequence[dict[str, list[Caption]]], predictions: DensePredictions
) -> list[list[str]]:
    """The reference's two tokenizer calls: the predictions of every video that has some
    (sorted by start), then the merged GT sentences of those videos (sorted by start). The
    reference takes its videos in set order; here they are sorted, so the figures do not
    depend on a hash seed."""
    merged, preds = _prepare(references, predictions)
    return [
        [remove_nonascii(c.sentence) for v in preds for c in preds[v]],
        [remove_nonascii(c.sentence) for v in preds for _, c in merged[v]],
    ]


Cell = tuple[float, tuple[str, tuple[str]]]  # (tIoU, METEOR line) of one (GT, prediction)


def _cells(
    merged: Merged, preds: dict[str, list[Caption]], tokens: Tokens
) -> dict[str, list[list[Cell]]]:
    """Per video, per GT event, per prediction: the tIoU and the METEOR line. As the
    reference, the GT sentence is the hypothesis and the prediction the reference."""
    predicted, referenced = iter(tokens[0]), iter(tokens[1])
    out = {}
    for v in preds:
        mine = [(next(predicted),) for _ in preds[v]]
        rows = []
        for _, gt in merged[v]:
            gt_tokens = next(referenced)
            rows.append([(tiou((gt.start, gt.end), (c.start, c.end)), (gt_tokens, p))
                         for c, p in zip(preds[v], mine, strict=True)])  # fmt: skip
        out[v] = rows
    return out


def _needed(cells: dict[str, list[list[Cell]]]) -> list[tuple[str, tuple[str]]]:
    # F = tIoU x METEOR: where the spans do not overlap F is 0 whatever METEOR says (a score in
    # [0, 1], never NaN, even for empty sentences), so those pairs are never aligned.
    return [line for rows in cells.values() for row in rows for t, line in row if t > 0]


def soda_prefetch(
    references: Sequence[dict[str, list[Caption]]],
    predictions: DensePredictions,
    scorers: LanguageScorers,
    tokens: Tokens,
) -> None:
    """Starts aligning SODA's METEOR lines in the background (the jars work while the caller
    computes other metrics)."""
    merged, preds = _prepare(references, predictions)
    lines = _needed(_cells(merged, preds, tokens))
    scorers.meteor.prefetch(lines)
    scorers.meteor.later(lambda: scorers.meteor.segment_scores(scorers.meteor.stats(lines)))


def soda_line_count(
    references: Sequence[dict[str, list[Caption]]], predictions: DensePredictions
) -> int:
    """How many (GT, prediction) pairs overlap: the METEOR lines SODA_c needs."""
    merged, preds = _prepare(references, predictions)
    return sum(tiou((gt.start, gt.end), (c.start, c.end)) > 0
               for v in preds for _, gt in merged[v] for c in preds[v])  # fmt: skip


def _prepare(
    references: Sequence[dict[str, list[Caption]]], predictions: DensePredictions
) -> tuple[Merged, dict[str, list[Caption]]]:
    videos = sorted({vid for refs in references for vid in refs})
    preds = {
        v: sorted(predictions.captions[v], key=lambda c: c.start)
        for v in videos
        if predictions.captions.get(v)
    }
    return _merge(references, videos), preds


def _matrices(
    merged: Merged, preds: dict[str, list[Caption]], scorers: LanguageScorers, tokens: Tokens
) -> dict[str, np.ndarray]:
    """F[i, j] = tIoU(gt_i, pred_j) x METEOR per video. The reference's ``compute_score`` per
    GT event keeps the per-pair scores of its ``EVAL``: each depends on its pair alone."""
    cells = _cells(merged, preds, tokens)
    needed = _needed(cells)
    scores = dict(zip(needed, scorers.meteor.segment_scores(scorers.meteor.stats(needed)),
                      strict=True))  # fmt: skip
    return {
        v: np.array(
            [[t * scores[line] if t > 0 else 0.0 for t, line in row] for row in rows]
        ).reshape(len(merged[v]), len(preds[v]))
        for v, rows in cells.items()
    }


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
    tokens: Tokens | None = None,
) -> dict[str, float]:
    """SODA_c over merged references; ``missing`` is ``drop`` (the reference) or ``zero``;
    ``average`` is ``videos`` (fujiso/SODA @ 9cb3e2c, PDVC) or ``corpus`` (fujiso/SODA @
    356ec65). ``video_f1``, when given, receives each scored video's own F1; ``tokens``, the
    tokenised ``soda_batches`` when the caller has them."""
    videos = sorted({vid for refs in references for vid in refs})
    merged, preds = _prepare(references, predictions)
    own = scorers is None
    scorers = scorers or LanguageScorers()
    try:
        if tokens is None:
            tokens = scorers.tokenize_batches(soda_batches(references, predictions))
        aligned = _Aligned(references, videos, merged, preds,
                           _matrices(merged, preds, scorers, tokens), missing)  # fmt: skip
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
