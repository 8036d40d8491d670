"""Reference behaviours found on unseen answer files: VideoMind's joint roll of reversed rows and
its R@k, Moment-DETR's repeated qids, full R1 / mAP tables and highlight detection, lmms-eval's
float16 GT. Expected values are derived by hand from the reference code named in each protocol.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from tests.scoring.helpers import answer, row, run, sample, spans
from videoeval.metrics.highlight import binary_average_precision
from videoeval.metrics.moment_retrieval import MAP_THRESHOLDS


# --- VideoMind -----------------------------------------------------------------------------
def test_videomind_rolls_all_reversed_rows_together() -> None:
    # pred[inds].roll(1) over [[5, 2], [9, 7]] (both reversed) -> [[7, 5], [2, 9]]: top-1 is
    # still reversed and scores 0; one reversed row alone is simply swapped.
    result = run(
        "charades-sta",
        "videomind",
        [sample("a", (2, 5), duration=30), sample("b", (2, 5), duration=30)],
        [spans("a", (5, 2), (9, 7)), spans("b", (5, 2), (9, 17))],
    )
    a = row(result, "a")
    assert a.scored_span == (7.0, 5.0) and a.iou == 0.0
    m = result.report.metrics
    assert (m["R1@0.3"], m["R1@0.5"], m["R1@0.7"]) == (50.0, 50.0, 50.0)  # b is swapped: 1.0
    assert m["mIoU"] == 50.0
    # R3/R5 take the best of the first k rows: a's second row became [2, 9], IoU 3/7 with GT.
    assert (m["R3@0.3"], m["R3@0.5"], m["R5@0.3"]) == (100.0, 50.0, 100.0)


def test_videomind_r_at_k_reads_the_first_k_spans_against_every_gt_window() -> None:
    result = run(
        "qvhighlights",
        "videomind",
        [sample("q", windows=[(0, 10), (20, 30)], duration=150)],
        # unit 2.0: (50, 60) stays, (40, 44) stays, (20, 30) stays, (0, 10) is 4th of 5
        [spans("q", (50, 60), (40, 44), (20, 30), (0, 10), (2, 8))],
    )
    m = result.report.metrics
    assert m["R1@0.3"] == 0.0 and m["R3@0.7"] == 100.0 and m["R5@0.7"] == 100.0


def test_videomind_output_spans_are_scored_as_written_and_failures_counted() -> None:
    written = replace(spans("a", (7, 5), (2, 9)), postprocessed=True)
    failed = replace(spans("b", (0, 30)), postprocessed=True, fallback=True)
    result = run(
        "charades-sta",
        "videomind",
        [sample("a", (2, 5), duration=30), sample("b", (0, 15), duration=30)],
        [written, failed],
    )
    assert row(result, "a").scored_span == (7.0, 5.0)  # not rolled a second time
    b = row(result, "b")
    assert (b.status, b.iou, b.counted) == ("parse_error", 0.5, True)
    assert result.report.failures == {"parse_error": 1}


# --- Moment-DETR -----------------------------------------------------------------------------
def test_moment_detr_pools_repeated_qids_for_map_but_takes_r1_from_the_last_line() -> None:
    result = run(
        "qvhighlights",
        "moment-detr",
        [sample("q", (0, 10), duration=150)],
        [spans("q", (0, 10, 0.9)), spans("q", (20, 30, 0.8))],
    )
    m = result.report.metrics
    assert m["mAP"] == 100.0 and m["R1@0.5"] == 0.0
    assert any("pools" in w for w in result.report.warnings)
    # other protocols keep the last line only
    assert (
        run(
            "qvhighlights",
            "timelens",
            [sample("q", (0, 10))],
            [spans("q", (0, 10)), spans("q", (20, 30))],
        ).report.metrics["R1@0.5"]
        == 0.0
    )


def test_moment_detr_reports_every_threshold_and_the_length_splits() -> None:
    result = run(
        "qvhighlights",
        "moment-detr",
        [
            sample("s", (0, 8), duration=150),  # short
            sample("m", (0, 20), duration=150),  # middle
            sample("l", (0, 40), duration=150),  # long
        ],
        [spans("s", (0, 8, 1)), spans("m", (0, 17, 1)), spans("l", (0, 30, 1))],
    )
    m = result.report.metrics
    # IoUs: s 1.0, m 0.85, l 0.75
    assert [m[f"R1@{t:g}"] for t in MAP_THRESHOLDS] == [
        100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 66.67, 66.67, 33.33, 33.33
    ]  # fmt: skip
    assert m["mAP@0.75"] == 100.0 and m["mAP@0.8"] == round(200 / 3, 2)
    assert m["mAP@0.9"] == round(100 / 3, 2)
    assert (m["R1-short@0.95"], m["R1-middle@0.85"], m["R1-middle@0.9"]) == (100.0, 100.0, 0.0)
    assert (m["R1-long@0.75"], m["R1-long@0.8"]) == (100.0, 0.0)
    assert m["mAP-middle@0.85"] == 100.0 and m["mAP-middle@0.9"] == 0.0


def _highlight_sample(sid: str, duration: float, ids, scores):
    return replace(sample(sid, (0, 2), duration=duration), highlight=(tuple(ids), tuple(scores)))


def test_highlight_detection_matches_eval_highlight_on_a_worked_example() -> None:
    # Derived from standalone_eval.eval_highlight + utils.get_ap (scikit-learn PR curve):
    # query a: 5 clips, raters' scores on clips 1-3; query b: 3 clips, predicted saliency
    # shorter than the video (padded with 0) and its top clip not relevant.
    samples = [
        _highlight_sample("a", 10, [1, 2, 3], [(4, 2, 0), (3, 3, 1), (2, 4, 0)]),
        _highlight_sample("b", 6, [0], [(2, 2, 2)]),
    ]
    preds = [
        replace(spans("a", (0, 2, 1)), saliency=(0.1, 0.9, 0.5, 0.7, 0.2)),
        replace(spans("b", (0, 2, 1)), saliency=(0.1, 0.8)),
    ]
    m = run("qvhighlights", "moment-detr", samples, preds).report.metrics
    assert (m["HL-min-Fair-mAP"], m["HL-min-Fair-Hit1"]) == (58.33, 50.0)
    assert (m["HL-min-Good-mAP"], m["HL-min-Good-Hit1"]) == (25.0, 50.0)
    assert (m["HL-min-VeryGood-mAP"], m["HL-min-VeryGood-Hit1"]) == (25.0, 50.0)


def test_highlight_average_precision_follows_get_ap() -> None:
    y = np.array([0.0, 1.0, 1.0, 0.0, 0.0])
    scores = np.array([0.1, 0.9, 0.5, 0.7, 0.2])
    assert binary_average_precision(y, scores) == pytest.approx(5 / 6)
    # ties share one point of the curve
    assert binary_average_precision(np.array([1.0, 0.0, 1.0]), np.array([0.5, 0.5, 0.1])) == (
        pytest.approx(2 / 3)  # points (r .5, p .5) and (r 1, p 2/3), interpolated
    )
    assert binary_average_precision(np.zeros(4), scores[:4]) == 0.0
    assert binary_average_precision(np.ones(4), scores[:4]) == 1.0


def test_no_highlight_figures_without_saliency_predictions() -> None:
    samples = [_highlight_sample("a", 10, [1], [(4, 4, 4)])]
    m = run("qvhighlights", "moment-detr", samples, [spans("a", (0, 2, 1))]).report.metrics
    assert not any(k.startswith("HL-") for k in m)


# --- lmms-eval ---------------------------------------------------------------------------------
def test_lmms_eval_hf_rounds_the_gt_to_float16() -> None:
    # 24.3 and 30.4 are stored as 24.296875 and 30.40625 in the float16 copy
    samples = [sample("a", (24.3, 30.4))]
    preds = [answer("a", "from 24.3 - 30.40625")]
    exact = row(run("charades-sta", "lmms-eval", samples, preds), "a")
    half = row(run("charades-sta", "lmms-eval-hf", samples, preds), "a")
    assert half.gt_window_used == (24.296875, 30.40625)
    assert exact.iou == pytest.approx(6.1 / 6.10625)
    assert half.iou == pytest.approx((30.40625 - 24.3) / (30.40625 - 24.296875))


def test_lmms_eval_scores_against_the_gt_in_the_result_key() -> None:
    keyed = replace(answer("a", "2 - 5"), gt_hint=(2.0, 4.0))
    result = run("charades-sta", "lmms-eval", [sample("a", (2, 5))], [keyed])
    assert row(result, "a").iou == pytest.approx(2 / 3)
    assert any("key's span" in w for w in result.report.warnings)
    # timelens ignores the key's span: the annotation decides
    assert row(run("charades-sta", "timelens", [sample("a", (2, 5))], [keyed]), "a").iou == 1.0


# --- TimeChat ----------------------------------------------------------------------------------
def test_timechat_nan_bound_is_an_invalid_span_not_a_hit(write_json) -> None:
    from videoeval.predictions.grounding import read_predictions
    from videoeval.protocols.grounding import get_protocol
    from videoeval.scoring.grounding_scorer import score_predictions

    # eval_tvg.py: max(2.0, nan) = 2.0, so [NaN, 4.8] against [2, 5] would be a hit (IoU 0.93).
    path = write_json("fmt.json", {"a": {"timestamp": [[float("nan"), 4.8]], "vid": "va"}})
    result = score_predictions(
        "charades-sta",
        [sample("a", (2, 5))],
        read_predictions(path),
        get_protocol("timechat"),
        resamples=0,
    )
    r = row(result, "a")
    assert (r.status, r.iou, r.counted) == ("invalid_span", 0.0, True)
    assert any("NaN" in w for w in result.report.warnings)
