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
Line = tuple[str, tuple[str]]  # a METEOR line: (GT tokens as hypothesis, (prediction tokens,))


class SodaInputs:
    """What SODA_c works on, prepared once: GT events merged over the reference files and
    sorted by start, predictions sorted by start (videos that have some), and the tIoU of every
    (GT event, prediction) of a video. A caller that scores more than SODA_c (``score_dense``)
    prepares it early, to tokenize with the rest and start METEOR before it is needed."""

    def __init__(
        self, references: Sequence[dict[str, list[Caption]]], predictions: DensePredictions
    ) -> None:
        self.references = references
        self.videos = sorted({vid for refs in references for vid in refs})
        self.merged = _merge(references, self.videos)
        self.preds = {
            v: sorted(predictions.captions[v], key=lambda c: c.start)
            for v in self.videos
            if predictions.captions.get(v)
        }
        self.tious = {
            v: [[tiou((gt.start, gt.end), (c.start, c.end)) for c in self.preds[v]]
                for _, gt in self.merged[v]]
            for v in self.preds
        }  # fmt: skip
        self._needed: tuple[Tokens, list[Line]] | None = None

    def batches(self) -> list[list[str]]:
        """The reference's two tokenizer calls: the predictions of every video that has
        some, then the merged GT sentences of those videos. The reference takes its videos in
        set order; here they are sorted, so the figures do not depend on a hash seed."""
        return [
            [remove_nonascii(c.sentence) for v in self.preds for c in self.preds[v]],
            [remove_nonascii(c.sentence) for v in self.preds for _, c in self.merged[v]],
        ]

    def needed(self, tokens: Tokens) -> list[Line]:
        """The METEOR line of each (GT event, prediction) pair whose spans overlap, per video
        and GT event in order. F = tIoU x METEOR: where the spans do not overlap F is 0 whatever
        METEOR says (a score in [0, 1], never NaN, even for empty sentences), so those pairs
        are neither aligned nor held."""
        if self._needed is None or self._needed[0] is not tokens:  # held, so never a stale id
            predicted, referenced = iter(tokens[0]), iter(tokens[1])
            out: list[Line] = []
            for v in self.preds:
                mine = [(next(predicted),) for _ in self.preds[v]]
                for ious in self.tious[v]:
                    gt = next(referenced)
                    out.extend((gt, p) for p, t in zip(mine, ious, strict=True) if t > 0)
            self._needed = (tokens, out)
        return self._needed[1]

    def line_count(self) -> int:
        """How many (GT, prediction) pairs overlap: the METEOR lines SODA_c needs."""
        return sum(t > 0 for rows in self.tious.values() for row in rows for t in row)

    def prefetch(self, scorers: LanguageScorers, tokens: Tokens) -> None:
        """Starts aligning and scoring SODA's METEOR lines in the background (the jars work
        while the caller computes other metrics)."""
        needed = self.needed(tokens)
        scorers.meteor.prefetch(needed)
        scorers.meteor.later(lambda: scorers.meteor.segment_scores(scorers.meteor.stats(needed)))

    def matrices(self, scorers: LanguageScorers, tokens: Tokens) -> dict[str, np.ndarray]:
        """F[i, j] = tIoU(gt_i, pred_j) x METEOR per video. The reference's ``compute_score``
        per GT event keeps the per-pair scores of its ``EVAL``: each depends on its pair
        alone."""
        needed = self.needed(tokens)
        scores = iter(scorers.meteor.segment_scores(scorers.meteor.stats(needed)))
        return {
            v: np.array([[t * next(scores) if t > 0 else 0.0 for t in ious]
                         for ious in self.tious[v]]).reshape(len(self.merged[v]),
                                                             len(self.preds[v]))
            for v in self.preds
        }  # fmt: skip


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
    inputs: SodaInputs | None = None,
    tokens: Tokens | None = None,
    per_file: Sequence[tuple[SodaInputs, Tokens]] | None = None,
) -> dict[str, float]:
    """SODA_c over merged references; ``missing`` is ``drop`` (the reference) or ``zero``;
    ``average`` is ``videos`` (fujiso/SODA @ 9cb3e2c, PDVC) or ``corpus`` (fujiso/SODA @
    356ec65). ``video_f1``, when given, receives each scored video's own F1; ``inputs`` and
    ``tokens`` (its tokenised ``batches()``), when the caller prepared them already; likewise
    ``per_file`` for the per-reference figure (``per_file_inputs``)."""
    inputs = inputs or SodaInputs(references, predictions)
    own = scorers is None
    scorers = scorers or LanguageScorers()
    try:
        if tokens is None:
            tokens = scorers.tokenize_batches(inputs.batches())
        aligned = _Aligned(references, inputs.videos, inputs.merged, inputs.preds,
                           inputs.matrices(scorers, tokens), missing)  # fmt: skip
        per_reference = None
        if len(references) > 1:
            per_reference = _per_reference(references, predictions, missing, scorers, average,
                                           per_file)  # fmt: skip
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
        "SODA_c_videos": float(len(inputs.preds)),
        "SODA_c_dropped_videos": float(dropped) if missing == "drop" else 0.0,
    }
    if per_reference is not None:
        result["SODA_c_per_reference"] = per_reference
    return result


def per_file_inputs(
    references: Sequence[dict[str, list[Caption]]], predictions: DensePredictions
) -> list[SodaInputs]:
    """One :class:`SodaInputs` per reference file, as PDVC's ``eval_soda`` loads each file on
    its own (its own tokenizer calls: a sentence's tokens can depend on the next line)."""
    return [SodaInputs([refs], predictions) for refs in references]


def _per_reference(
    references: Sequence[dict[str, list[Caption]]],
    predictions: DensePredictions,
    missing: str,
    scorers: LanguageScorers,
    average: SodaAverage,
    per_file: Sequence[tuple[SodaInputs, Tokens]] | None,
) -> float:
    """PDVC's ``eval_soda``: SODA_c against each reference file alone, each file's sentences
    and the predictions tokenized in that file's own calls, the F1s averaged (papers report
    this figure)."""
    if per_file is None:
        inputs = per_file_inputs(references, predictions)
        tokens = scorers.tokenize_batches([b for one in inputs for b in one.batches()])
        per_file = [(one, tokens[2 * k : 2 * k + 2]) for k, one in enumerate(inputs)]
    f1s = []
    for (one, file_tokens), refs in zip(per_file, references, strict=True):
        aligned = _Aligned([refs], one.videos, one.merged, one.preds,
                           one.matrices(scorers, file_tokens), missing)  # fmt: skip
        f1s.append(soda_aggregate(list(aligned.per_video({0})[0].values()), average)[2])
    return 100 * sum(f1s) / len(f1s)
