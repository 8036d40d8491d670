"""TimeLens's bucketed inverse-density Gaussian sampler: the indices its own code
(``GroundingDataset._filter_annos`` with its filters and defaults, TencentARC/TimeLens @ 5d90c06)
selects on this seeded fixture, run there, are the indices ours selects."""

from __future__ import annotations

import random

import pytest

from videoeval.training.timelens_sampling import Prompt, is_audio_query, timelens_select


def fixture() -> list[Prompt]:
    rng = random.Random(7)
    words = ["a", "man", "opens", "the", "door", "sound", "dog"]
    prompts = []
    for _ in range(120):
        d = rng.choice([3.0, 12.0, 29.5, 30.0, 45.0, 95.0, 150.0, 230.0, 240.0, 300.0, 480.0,
                        510.0, rng.uniform(5, 500)])  # fmt: skip
        s = rng.uniform(0, d)
        e = min(d, s + rng.uniform(0.5, 20)) if rng.random() < 0.95 else d + 5
        q = (" ".join(rng.choice(words) for _ in range(rng.randint(1, 8)))
             if rng.random() < 0.99 else " ".join(["w"] * 201))  # fmt: skip
        iou = rng.choice([0.0, 0.0, 1.0, round(rng.random(), 3), rng.random()])
        prompts.append(Prompt(q, d, [[s, e]], iou))
    return prompts


@pytest.mark.parametrize(
    ("target", "mean", "std", "seed", "expected"),
    [
        (45, 0.05, 0.2, 42, [0, 2, 3, 4, 7, 8, 10, 12, 31, 42, 53, 57, 60, 64, 72, 73, 74, 80, 85,
                             90, 91, 99, 103, 106, 108, 109]),
        (27, 0.5, 0.3, 3, [0, 2, 3, 7, 8, 10, 19, 21, 56, 59, 73, 74, 82, 85, 87, 103, 108, 109]),
    ],
)  # fmt: skip
def test_the_selection_is_timelens_own(target, mean, std, seed, expected) -> None:
    assert timelens_select(fixture(), target, mean, std, seed).selected == expected


def test_filters_and_buckets_are_recorded() -> None:
    selection = timelens_select(fixture(), 45)
    assert set(selection.dropped) >= {"audio query", "video under 5 s", "video over 500 s"}
    assert selection.per_bucket[0][0] == "0-30 s"
    assert all(drawn == min(5, members) for _, members, drawn in selection.per_bucket)
    assert is_audio_query("Did you hear the door?") and not is_audio_query("a door opens")
