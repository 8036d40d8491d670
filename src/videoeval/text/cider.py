"""CIDEr-D of one group of (hypothesis, references) pairs, as pycocoevalcap 1.2's
``CiderScorer.compute_score`` computes it, operation for operation, so the figure is the same
double; only repeated work is skipped.

pycocoevalcap turns every sentence into a tf-idf vector once per pair it appears in and takes
``np.log`` of a document frequency once per n-gram. Here a sentence that appears in several
pairs of the group (a prediction matched to two GT events, the junk string) is turned into a
vector once, and the log is taken once per distinct document frequency (the same ``np.log``
call on the same value). Sums run in the library's order, starting from 0.0, on the same IEEE
doubles; the per-test mean and the group mean are ``np.mean`` as there.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

Counts = Any  # an n-gram -> count mapping, as pycocoevalcap's ``precook`` returns
N = 4
SIGMA = 6.0


def cider_d(tests: Sequence[Counts], refs: Sequence[Sequence[Counts]]) -> float:
    """``CiderScorer(n=4, sigma=6.0)`` with ``ctest = tests`` and ``crefs = refs``:
    ``compute_score()[0]``.

    The library's arithmetic runs on numpy float64 scalars; here on Python floats, which are the
    same IEEE doubles under the same operations (``np.log`` is still numpy's, ``pow`` is C's in
    both, ``math.sqrt`` and ``np.sqrt`` are both the correctly rounded square root). An n-gram
    the reference lacks adds ``min(weight, 0.0) * 0.0 == 0.0`` there (weights are never
    negative: no document frequency exceeds the number of references): skipped here."""
    document_frequency: dict[Any, float] = {}
    for sentence_refs in refs:
        for ngram in {ngram for ref in sentence_refs for ngram in ref}:
            document_frequency[ngram] = document_frequency.get(ngram, 0.0) + 1
    assert len(tests) >= max(document_frequency.values())  # as the library checks
    ref_len = float(np.log(float(len(refs))))
    logs: dict[float, float] = {}
    frequency, known_log = document_frequency.get, logs.get
    vectors: dict[int, tuple[list[dict[Any, float]], list[float], int]] = {}

    def vector(counts: Counts) -> tuple[list[dict[Any, float]], list[float], int]:
        known = vectors.get(id(counts))
        if known is not None:
            return known
        vec: list[dict[Any, float]] = [{} for _ in range(N)]
        norm = [0.0] * N
        length = 0
        for ngram, term_freq in counts.items():
            count = frequency(ngram, 0.0)
            if count < 1.0:  # max(1.0, count)
                count = 1.0
            df = known_log(count)
            if df is None:
                df = logs[count] = float(np.log(count))
            n = len(ngram) - 1
            value = float(term_freq) * (ref_len - df)
            vec[n][ngram] = value
            norm[n] += pow(value, 2)
            if n == 1:  # the library's length counts bigrams
                length += term_freq
        vectors[id(counts)] = out = (vec, [math.sqrt(x) for x in norm], length)
        return out

    penalties: dict[float, float] = {}
    scores = []
    for test, sentence_refs in zip(tests, refs, strict=True):
        vec, norm, length = vector(test)
        score = [0.0] * N
        for ref in sentence_refs:
            vec_ref, norm_ref, length_ref = vector(ref)
            delta = float(length - length_ref)
            penalty = penalties.get(delta)
            if penalty is None:
                penalty = penalties[delta] = np.e ** (-(delta**2) / (2 * SIGMA**2))
            for n in range(N):
                ref_n = vec_ref[n]
                total = 0.0
                for ngram, weight in vec[n].items():
                    other = ref_n.get(ngram)
                    if other is not None:
                        total += min(weight, other) * other
                if (norm[n] != 0) and (norm_ref[n] != 0):
                    total /= norm[n] * norm_ref[n]
                assert not math.isnan(total)
                score[n] += total * penalty
        score_avg = np.mean(np.array(score))
        score_avg /= len(sentence_refs)
        score_avg *= 10.0
        scores.append(score_avg)
    return float(np.mean(np.array(scores)))
