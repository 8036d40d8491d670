"""pycocoevalcap 1.2's BLEU cooking (``bleu_scorer.cook_refs`` / ``cook_test``, as
``BleuScorer`` calls them for one reference per test) from n-gram counts made once per
sentence. The library's ``precook`` splits and counts a sentence on every call (once per pair
it is in); its counts equal CIDEr's ``precook(sentence, 4)``, so one count table per sentence
serves BLEU and CIDEr. The cooked values are the library's, key for key
(``tests/text/test_bleu.py``), and ``BleuScorer.compute_score`` scores them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

N = 4


def cook_reference(length: int, counts: Mapping[Any, int]) -> tuple[list[int], dict[Any, int]]:
    """``cook_refs([reference])``: the reference's length in a list, its n-gram counts."""
    return [length], dict(counts)


def cook_test(
    length: int, counts: Mapping[Any, int], reference: tuple[list[int], dict[Any, int]]
) -> dict[str, Any]:
    """``cook_test(test, cook_refs([reference]))``."""
    reflen, maxcounts = reference
    correct = [0] * N
    for ngram, count in counts.items():
        correct[len(ngram) - 1] += min(maxcounts.get(ngram, 0), count)
    return {
        "reflen": reflen,
        "testlen": length,
        "guess": [max(0, length - k + 1) for k in range(1, N + 1)],
        "correct": correct,
    }
