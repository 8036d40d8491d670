"""BLEU cooked from shared n-gram counts equals pycocoevalcap's cooking."""

from __future__ import annotations

import random

import pytest

from videoeval.text.bleu import cook_reference, cook_test

bleu_scorer = pytest.importorskip("pycocoevalcap.bleu.bleu_scorer")
cider_scorer = pytest.importorskip("pycocoevalcap.cider.cider_scorer")


def test_cooking_from_cider_counts_equals_the_librarys() -> None:
    rng = random.Random(8)
    words = ["a", "man", "the", "dog", "runs", "a", "ball", "@", "abc123"]
    sentences = [" ".join(rng.choice(words) for _ in range(rng.randint(0, 16))) for _ in range(200)]
    sentences += ["", "a", "  a  man ", "a a a a a a"]
    for test in sentences:
        reference = rng.choice(sentences)
        counts = {s: (len(s.split()), cider_scorer.precook(s, 4)) for s in (test, reference)}
        ours_ref = cook_reference(*counts[reference])
        theirs_ref = bleu_scorer.cook_refs([reference])
        assert ours_ref == theirs_ref and list(ours_ref[1]) == list(theirs_ref[1])
        assert cook_test(*counts[test], ours_ref) == bleu_scorer.cook_test(test, theirs_ref)
