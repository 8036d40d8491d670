"""text/cider.py gives pycocoevalcap's CIDEr-D double for double: random groups with repeated
sentences, duplicate pairs, empty and one-word sentences."""

from __future__ import annotations

import random

import pytest

from videoeval.text.cider import cider_d

WORDS = [
    "a",
    "the",
    "man",
    "woman",
    "dog",
    "opens",
    "door",
    "walks",
    "in",
    "park",
    "plays",
    "guitar",
    "red",
    "ball",
]


def sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.choice([0, 1, 2, 5, 9, 14])))


@pytest.mark.parametrize("seed", range(40))
def test_cider_d_equals_the_library_on_random_groups(seed: int) -> None:
    cider = pytest.importorskip("pycocoevalcap.cider.cider_scorer")
    rng = random.Random(seed)
    pool = [sentence(rng) for _ in range(rng.randint(1, 6))] + ["abc123!@#"]
    pairs = [(rng.choice(pool), rng.choice(pool)) for _ in range(rng.randint(1, 12))]
    library = cider.CiderScorer(n=4, sigma=6.0)
    for test, ref in pairs:
        library += (test, [ref])
    expected, _ = library.compute_score()
    counts = {s: cider.precook(s, 4) for s in pool}  # one object per sentence, as we pass them
    got = cider_d([counts[t] for t, _ in pairs], [[counts[r]] for _, r in pairs])
    assert got == float(expected)  # the same double


@pytest.mark.parametrize("seed", range(6))
def test_cider_d_equals_the_library_on_large_groups(seed: int) -> None:
    """A 300-word vocabulary and 90 pairs: many distinct weights and document frequencies."""
    cider = pytest.importorskip("pycocoevalcap.cider.cider_scorer")
    rng = random.Random(100 + seed)
    vocabulary = [f"w{i}" for i in range(300)] + WORDS
    pool = [" ".join(rng.choice(vocabulary) for _ in range(rng.randint(3, 25)))
            for _ in range(120)]  # fmt: skip
    pairs = [(rng.choice(pool), rng.choice(pool)) for _ in range(90)]
    library = cider.CiderScorer(n=4, sigma=6.0)
    for test, ref in pairs:
        library += (test, [ref])
    expected, _ = library.compute_score()
    counts = {s: cider.precook(s, 4) for s in pool}
    got = cider_d([counts[t] for t, _ in pairs], [[counts[r]] for _, r in pairs])
    assert got == float(expected)
