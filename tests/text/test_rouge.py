"""ROUGE-L with the bit-parallel LCS equals pycocoevalcap's, double for double."""

from __future__ import annotations

import random

import pytest

from videoeval.text.rouge import lcs_length, rouge_l

rouge = pytest.importorskip("pycocoevalcap.rouge.rouge")


def _sentences(rng: random.Random, n: int) -> list[str]:
    words = ["a", "man", "is", "the", "", "dog", ".", "runs", "a", "ball", "x" * 40]
    return [" ".join(rng.choice(words) for _ in range(rng.randint(0, 70))) for _ in range(n)]


def test_lcs_length_equals_the_librarys_dynamic_programme() -> None:
    rng = random.Random(11)
    for first, second in zip(_sentences(rng, 400), _sentences(rng, 400), strict=True):
        a, b = first.split(" "), second.split(" ")
        assert lcs_length(a, b) == rouge.my_lcs(a, b) == lcs_length(b, a)
    assert lcs_length([], ["a"]) == 0 and lcs_length(["a"] * 200, ["a"] * 150) == 150


def test_rouge_l_equals_calc_score() -> None:
    rng = random.Random(12)
    scorer = rouge.Rouge()
    pairs = list(zip(_sentences(rng, 500), _sentences(rng, 500), strict=True))
    pairs += [("", ""), ("a", ""), ("a man", "a man"), ("abc123!@#", "a man runs .")]
    for candidate, reference in pairs:
        assert rouge_l(candidate, reference) == scorer.calc_score([candidate], [reference])
