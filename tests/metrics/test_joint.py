"""The joint what+when figures on hand-computed cases."""

from __future__ import annotations

import itertools
import random

import pytest

from videoeval.metrics.joint import (
    VideoJudgements,
    count_video,
    joint_metrics,
    order_preserving_match,
    tiou,
)

GT = [(0.0, 2.0, "a red square appears"), (2.0, 4.0, "a blue circle rolls")]


def metrics(*videos: VideoJudgements) -> dict[str, float]:
    return joint_metrics([count_video(v) for v in videos])


def test_right_text_and_time_is_full_marks() -> None:
    v = VideoJudgements("v", GT, list(GT), [True, True], {(0, 0): True, (1, 1): True})
    m = metrics(v)
    assert m["what_precision"] == 100 and m["what_when_recall@0.7"] == 100 and m["F1@0.5"] == 100
    assert m["gt_text_F1@0.7"] == 100


def test_right_text_wrong_time_is_not_covered() -> None:
    # true on its frames (the square is there at 0-0.5 too) but tIoU 0.25 with the GT event
    v = VideoJudgements("v", GT, [(0.0, 0.5, "a red square appears")], [True], {(0, 0): True})
    m = metrics(v)
    assert m["what_precision"] == 100 and m["what_when_recall@0.3"] == 0
    assert m["F1@0.3"] == 0


def test_right_time_wrong_text_is_not_credited() -> None:
    v = VideoJudgements("v", GT, [(0.0, 2.0, "a dog barks")], [False], {(0, 0): False})
    m = metrics(v)
    assert m["what_precision"] == 0 and m["what_when_recall@0.3"] == 0
    assert m["gt_text_precision@0.3"] == 0
    # true on the frames but about something else: precision, not recall
    other = VideoJudgements("v", GT, [(0.0, 2.0, "a green triangle")], [True], {(0, 0): False})
    assert metrics(other)["what_precision"] == 100
    assert metrics(other)["what_when_recall@0.3"] == 0


def test_a_gt_event_the_frames_do_not_show_is_covered_by_gt_text_only() -> None:
    # the prediction repeats the GT text, but the frames show otherwise
    v = VideoJudgements("v", GT[:1], [GT[0]], [False], {(0, 0): True})
    m = metrics(v)
    assert m["what_when_recall@0.5"] == 0 and m["gt_text_recall@0.5"] == 100


def test_a_true_detail_the_gt_leaves_out_is_credited_by_frames_not_by_gt_text() -> None:
    predicted = [*GT, (0.0, 4.0, "a green triangle stays in the corner")]
    v = VideoJudgements("v", GT, predicted, [True, True, True], {(0, 0): True, (1, 1): True})
    m = metrics(v)
    assert m["what_precision"] == 100  # 3 of 3 true on the frames
    assert m["gt_text_precision@0.5"] == pytest.approx(200 / 3)  # 2 of 3 agree with the GT
    assert m["what_when_recall@0.5"] == 100 == m["gt_text_recall@0.5"]


def test_duplicates_count_in_precision_and_match_once() -> None:
    predicted = [GT[0], GT[0]]
    v = VideoJudgements("v", GT, predicted, [True, True], {(0, 0): True, (0, 1): True})
    m = metrics(v)
    assert m["what_precision"] == 100 and m["what_when_recall@0.5"] == 50
    assert m["F1@0.5"] == pytest.approx(100 * 2 * 1 * 0.5 / 1.5)
    assert m["gt_text_precision@0.5"] == 50  # one of the two matched


def test_empty_predictions_score_zero_and_count_their_gt() -> None:
    empty = VideoJudgements("e", GT, [], [], {})
    full = VideoJudgements("f", GT, list(GT), [True, True], {(0, 0): True, (1, 1): True})
    m = metrics(empty, full)
    assert m["what_when_recall@0.5"] == 50 and m["what_precision"] == 100


def test_the_matching_preserves_order() -> None:
    # crossing pairs (0->1, 1->0) cannot both be taken
    assert order_preserving_match([[0.0, 0.9], [0.8, 0.0]]) == [(0, 1)]
    assert order_preserving_match([[0.5, 0.4], [0.0, 0.6]]) == [(0, 0), (1, 1)]


def test_the_matching_is_the_best_monotone_one() -> None:
    rng = random.Random(7)
    for _ in range(300):
        n, m = rng.randint(0, 4), rng.randint(0, 4)
        w = [[rng.choice([0.0, rng.random()]) for _ in range(m)] for _ in range(n)]
        got = order_preserving_match(w)
        best = 0.0
        for k in range(min(n, m) + 1):
            for rows in itertools.combinations(range(n), k):
                for cols in itertools.combinations(range(m), k):
                    if all(w[r][c] > 0 for r, c in zip(rows, cols, strict=True)):
                        best = max(best, sum(w[r][c] for r, c in zip(rows, cols, strict=True)))
        assert sum(w[r][c] for r, c in got) == pytest.approx(best)
        assert all(a < b for (a, _), (b, _) in itertools.pairwise(got))
        assert all(a < b for (_, a), (_, b) in itertools.pairwise(got))


def test_tiou() -> None:
    assert tiou((0, 2), (1, 3)) == pytest.approx(1 / 3) and tiou((0, 1), (2, 3)) == 0
