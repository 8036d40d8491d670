"""Dense video captioning as densevid_eval scores it (ranjaykrishna/densevid_eval; Python 3 port
ttengwang/PDVC @ e81ff995 densevid_eval3/evaluate2018.py and evaluate2021.py).

- tIoU(a, b) = max(0, min(ends) - max(starts)) / (min(hull, len(a) + len(b)) + 1e-8).
- Detection at t (strict ``>``), per GT video and per reference file: precision = predictions
  overlapping some reference segment / predictions, recall = reference segments covered /
  reference segments; each takes its max over the reference files; a video without predictions
  scores 0; mean over the union of GT videos.
- Language at t (``>=``): every prediction is paired with every GT sentence of any reference file
  it overlaps, or with a junk string when it overlaps none (``densevid-2018``: the fixed
  ``abc123!@#``; ``densevid-2019``: 10-20 random lowercase letters, seeded here and recorded);
  sentences are stripped of non-ASCII and PTB-tokenised; BLEU-1..4, METEOR, ROUGE-L and CIDEr are
  computed per video over its pairs (0 for a video without predictions) and averaged over GT
  videos. As the reference, each threshold's predictions go through one tokenizer call and its
  references through another, in video order: PTB's tokens of a sentence can depend on the
  line after it ("... a capital T." keeps its period before a lowercase line), so the batches
  are part of the protocol. The reference takes its videos in set order (hash-seed dependent);
  they are sorted here. METEOR statistics do not depend on batching: each distinct pair is
  aligned once (``text/meteor.py``).
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable, Sequence
from typing import Literal

from videoeval.schema import TimedEvent

JUNK_2018 = "abc123!@#"
JunkRule = Literal["densevid-2018", "densevid-2019"]


Caption = TimedEvent


def tiou(a: tuple[float, float], b: tuple[float, float]) -> float:
    intersection = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
    union = min(max(a[1], b[1]) - min(a[0], b[0]), (b[1] - b[0]) + (a[1] - a[0]))
    return intersection / (union + 1e-8)


def detection(
    predictions: Sequence[Caption],
    references: Sequence[Sequence[Caption]],
    threshold: float,
    tious: list[list[list[float]]] | None = None,
) -> tuple[float, float]:
    """``(precision, recall)`` of one video; ``references`` holds one list per reference file
    that has the video; ``tious``: the video's ``overlaps``, when already computed."""
    if tious is None:
        tious = overlaps(predictions, references)
    best_p = best_r = 0.0
    for refs, values in zip(references, tious, strict=True):
        covered_refs: set[int] = set()
        covered_preds: set[int] = set()
        for i, row in enumerate(values):
            for j, value in enumerate(row):
                if value > threshold:
                    covered_refs.add(j)
                    covered_preds.add(i)
        if predictions:
            best_p = max(best_p, len(covered_preds) / len(predictions))
        if refs:
            best_r = max(best_r, len(covered_refs) / len(refs))
    return best_p, best_r


def remove_nonascii(text: str) -> str:
    if text.isascii():
        return text
    return "".join(c if ord(c) < 128 else " " for c in text)


def overlaps(
    predictions: Sequence[Caption], references: Sequence[Sequence[Caption]]
) -> list[list[list[float]]]:
    """``tiou`` of every (reference file, prediction, GT event) of one video, computed once for
    all thresholds (``pairs_at(..., tious=)``)."""
    return [
        [[tiou((p.start, p.end), (r.start, r.end)) for r in refs] for p in predictions]
        for refs in references
    ]


def _fixed_junk(rng: random.Random) -> str:
    return JUNK_2018


def _random_junk(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(10, 20)))


JUNK: dict[str, Callable[[random.Random], str]] = {
    "densevid-2018": _fixed_junk,
    "densevid-2019": _random_junk,
}
"""What each junk rule pairs an unmatched prediction with."""


def junk_string(rule: JunkRule, rng: random.Random) -> str:
    return JUNK[rule](rng)


def pairs_at(
    predictions: Sequence[Caption],
    references: Sequence[Sequence[Caption]],
    threshold: float,
    rule: JunkRule,
    rng: random.Random,
    tious: list[list[list[float]]] | None = None,
) -> list[tuple[str, str]]:
    """``(prediction, GT sentence)`` pairs of one video at one threshold (``>=``); ``tious``:
    the video's ``overlaps``, when already computed."""
    if tious is None:
        tious = overlaps(predictions, references)
    pairs = []
    for i, pred in enumerate(predictions):
        matched = False
        for refs, values in zip(references, tious, strict=True):
            for ref, value in zip(refs, values[i], strict=True):
                if value >= threshold:
                    pairs.append((remove_nonascii(pred.sentence), remove_nonascii(ref.sentence)))
                    matched = True
        if not matched:
            pairs.append((remove_nonascii(pred.sentence), junk_string(rule, rng)))
    return pairs
