from __future__ import annotations

import pytest

from videoeval.metrics.autodq import ClipScore, aggregate, f1, from_category_means, hit_rate

# Tarsier2-7B on DREAM-1K, Table 1 of the Tarsier2 report: F1/P/R per category.
TARSIER2_7B = {
    "movie_live_action": (44.4, 41.9, 47.3),
    "movie_animation": (39.3, 39.5, 39.1),
    "videvo": (45.7, 45.4, 46.0),
    "youtube": (36.0, 38.4, 33.9),
    "vertical_video": (43.7, 48.9, 39.4),
}


def test_tarsier2_category_scores_give_the_published_overall() -> None:
    means = {
        name: {"recall": r / 100, "precision": p / 100, "F1": f / 100, "n": 200.0}
        for name, (f, p, r) in TARSIER2_7B.items()
    }
    result = from_category_means(means)
    assert round(100 * result.f1, 1) == 42.0
    assert round(100 * result.precision, 1) == 42.8
    assert round(100 * result.recall, 1) == 41.1
    for f, p, r in TARSIER2_7B.values():  # category F1s are F1s of the (rounded) means
        assert 100 * f1(r / 100, p / 100) == pytest.approx(f, abs=0.15)


def test_hits_failures_and_macro_means() -> None:
    assert hit_rate([]) == 1.0
    assert hit_rate(["entailment", "neutral", "contradiction", "entailment"]) == 0.5
    clips = [
        ClipScore("1", "a", 1.0, 0.5),
        ClipScore("2", "a", 0.0, 0.5),
        ClipScore("3", "b", 0.25, 1.0),
        ClipScore("4", "b", None, None),  # failed: out of the means, counted
    ]
    result = aggregate(clips)
    assert result.by_category["a"]["recall"] == 0.5 and result.by_category["a"]["precision"] == 0.5
    assert result.by_category["b"]["n"] == 1
    assert result.recall == pytest.approx((0.5 + 0.25) / 2)
    assert result.precision == pytest.approx((0.5 + 1.0) / 2)
    assert result.f1 == pytest.approx(f1(0.375, 0.75))
    assert (result.n_success, result.n_failed) == (3, 1)


def test_bucket_tables() -> None:
    from videoeval.metrics.autodq import bucket_tables

    clips = [
        ClipScore("1", "a", 1.0, 0.5),
        ClipScore("2", "a", 0.0, 1.0),
        ClipScore("3", "a", None, None),
    ]
    attributes = {
        "1": {"n_subjects": 1, "n_shots": 2, "n_events": 5},
        "2": {"n_subjects": 5, "n_shots": 2, "n_events": 9},
        "3": {"n_subjects": 1, "n_shots": 1, "n_events": 1},
    }
    tables = bucket_tables(clips, attributes)
    assert tables["n_shots"] == {"2": {"recall": 50.0, "precision": 75.0, "F1": 60.0, "count": 2.0}}
    assert set(tables["n_subjects"]) == {"<=1", ">=4"} and set(tables["n_events"]) == {"4-5", ">=8"}
