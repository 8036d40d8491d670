"""Each protocol's rules, pinned on worked examples (values computed by hand from the rules of
the reference code named in protocols/grounding.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.scoring.helpers import (
    answer,
    reference_miou,
    row,
    run,
    sample,
    shuffled_results,
    spans,
)
from videoeval.benchmarks import get_benchmark
from videoeval.demo import GT_FILE, PRED_FILE, data_path
from videoeval.predictions.grounding import read_predictions
from videoeval.protocols.grounding import PROTOCOLS
from videoeval.schema import GroundingPrediction
from videoeval.scoring.grounding_scorer import score_predictions


# --- the real test vector ------------------------------------------------------------------
def _timechat_example(protocol: str, missing: str | None = None):
    loaded = get_benchmark("charades-sta").load(data_path(GT_FILE))
    preds = read_predictions(data_path(PRED_FILE))
    return score_predictions(
        "charades-sta", loaded.samples, preds, PROTOCOLS[protocol], missing=missing, resamples=0
    )


def test_timechat_example_predictions_reproduce_the_published_numbers() -> None:
    result = _timechat_example("timechat")
    m = result.report.metrics
    assert (m["R1@0.3"], m["R1@0.5"], m["R1@0.7"]) == (9.0, 3.4, 1.4)
    assert "mIoU" not in m  # TimeChat's scorer reports none
    assert result.report.n_counted == 500
    assert result.report.failures == {"parse_error": 280, "missing_prediction": 3220}


def test_counting_unanswered_gt_as_misses_changes_only_the_denominator() -> None:
    m = _timechat_example("timechat", missing="miss").report.metrics
    assert m["R1@0.3"] == 45 * 100 / 3720
    assert m["R1@0.5"] == 17 * 100 / 3720
    assert m["R1@0.7"] == 7 * 100 / 3720


# --- timelens --------------------------------------------------------------------------------
def test_timelens_rounds_text_answers_half_to_even() -> None:
    result = run(
        "timelens-charades",
        "timelens",
        [sample("a", (2, 4)), sample("b", (0, 2)), sample("c", (2, 4))],
        [
            answer("a", "The event happens in 2.5 - 3.5 seconds."),  # -> 2, 4
            answer("b", "0.5 - 1.5"),  # -> 0, 2
            answer("c", "2.4 - 4.6"),  # -> 2, 5
        ],
    )
    assert row(result, "a").scored_span == (2.0, 4.0) and row(result, "a").iou == 1.0
    assert row(result, "b").scored_span == (0.0, 2.0)
    assert row(result, "c").iou == pytest.approx(2 / 3)
    assert row(result, "a").parsed == ((2.5, 3.5),)  # as the parser read it, before rounding


def test_timelens_fallback_is_counted_and_outside_the_video() -> None:
    result = run(
        "timelens-charades", "timelens", [sample("a", duration=30.4)], [answer("a", "no idea")]
    )
    r = row(result, "a")
    assert (r.status, r.counted, r.iou, r.scored_span) == ("parse_error", True, 0.0, (40.0, 50.0))
    assert result.report.metrics["R1@0.3"] == 0.0 and result.report.n_counted == 1


def test_timelens_spans_in_a_result_file_are_used_as_given() -> None:
    result = run(
        "timelens-charades",
        "timelens",
        [sample("a", (2, 4)), sample("b", (2, 4)), sample("c", (2, 4))],
        [
            spans("a", (2.4, 3.6), (0, 1)),  # first pair only, not rounded
            answer("b", "2.5 - 3.5", from_result_file=True),  # compute_metrics: no rounding
            spans("c"),  # empty timestamps -> (-100, -100) in the reference: IoU 0
        ],
    )
    assert row(result, "a").iou == pytest.approx(0.6)
    assert row(result, "b").iou == pytest.approx(0.5)
    assert (row(result, "c").status, row(result, "c").iou) == ("parse_error", 0.0)


def test_timelens_reversed_spans_score_zero_and_keys_dedupe() -> None:
    twin = sample("a", (2, 4))
    duplicate = replace(twin, sample_id="a-again")
    result = run(
        "timelens-charades",
        "timelens",
        [twin, duplicate, sample("b", (2, 4))],
        [answer("a", "4 - 2"), answer("b", "1 - 3"), answer("b", "2 - 4")],
    )
    assert row(result, "a").iou == 0.0 and "reversed" in row(result, "a").note
    assert row(result, "b").iou == 1.0  # the last prediction for a key wins
    assert result.report.n_total == 2 and result.report.n_counted == 2
    assert any("collapsed" in w for w in result.report.warnings)
    assert any("repeat a query" in w for w in result.report.warnings)


def test_answers_line_up_with_repeated_annotations_before_keys_collapse() -> None:
    """A file written one answer per annotation entry, where the annotation repeats a
    (video, query, span) next to the same query with another span: the reference keys each
    answer by its entry's span, so both repeated entries' answers go to one key (last wins)."""
    entries = [
        sample("0", (0, 10), query="open door"),
        sample("1", (0, 10), query="open door"),
        sample("2", (10, 20), query="open door"),
    ]
    entries = [replace(e, video_id="v1") for e in entries]
    answers = [
        GroundingPrediction(origin=f"p:{i}", video_id="v1", query="open door", answer=text)
        for i, text in enumerate(["1 - 9", "0 - 10", "10 - 20"])
    ]
    for protocol in ("timelens", "lmms-eval"):
        result = run("timelens-charades", protocol, entries, answers)
        assert result.report.n_counted == 2
        assert result.report.metrics["R1@0.7"] == 100.0, protocol
        assert row(result, "0").answer == "0 - 10"


def test_keys_compare_gt_as_written_ints_and_floats_differ() -> None:
    ints = replace(sample("a", (0, 10), query="open door"), video_id="v", gt_text="[0, 10]")
    floats = replace(ints, sample_id="b", gt_text="[0.0, 10.0]")
    answers = [answer("a", "0 - 10"), answer("b", "20 - 30")]
    result = run("timelens-charades", "timelens", [ints, floats], answers)
    assert result.report.n_counted == 2 and result.report.metrics["mIoU"] == 50.0


def test_an_overflowing_number_is_a_recorded_failure() -> None:
    huge = "It happens in 1 - " + "9" * 400
    for protocol in PROTOCOLS:
        result = run(
            "timelens-charades",
            protocol,
            [sample("a"), sample("b")],
            [answer("a", huge), answer("b", "2 - 4")],
        )
        assert result.report.n_counted == 2
        if protocol != "vtimellm":  # its parser never reads more than two digits
            assert row(result, "a").status == "invalid_span", protocol


def test_timelens_missing_predictions_are_left_out_and_reported() -> None:
    result = run(
        "timelens-charades", "timelens", [sample("a"), sample("b")], [answer("a", "2 - 4")]
    )
    assert result.report.n_counted == 1 and result.report.metrics["R1@0.7"] == 100.0
    assert result.report.failures == {"missing_prediction": 1}
    assert any("no prediction" in w for w in result.report.warnings)
    counted = run(
        "timelens-charades", "timelens", [sample("a"), sample("b")], [answer("a", "2 - 4")], "miss"
    )
    assert counted.report.metrics["R1@0.7"] == 50.0


# --- timechat / lmms-eval ----------------------------------------------------------------
def test_timechat_given_spans_are_not_swapped_but_parsed_text_is() -> None:
    result = run(
        "charades-sta",
        "timechat",
        [sample("a", (2, 4)), sample("b", (2, 4))],
        [spans("a", (4, 2)), answer("b", "The event happens in 4 - 2 seconds.")],
    )
    assert row(result, "a").iou == 0.0
    assert row(result, "b").scored_span == (2.0, 4.0) and row(result, "b").iou == 1.0


def test_lmms_eval_swaps_and_scores_zero_when_nothing_parses() -> None:
    result = run(
        "charades-sta",
        "lmms-eval",
        [sample("a", (2, 4)), sample("b", (3, 7)), sample("c", (0, 1))],
        [spans("a", (4, 2)), answer("b", "It starts at 3 to 7"), answer("c", "no")],
    )
    assert row(result, "a").iou == 1.0
    assert row(result, "b").scored_span == (3.0, 7.0)
    assert (row(result, "c").status, row(result, "c").iou, row(result, "c").counted) == (
        "parse_error",
        0.0,
        True,
    )
    assert result.report.metrics["mIoU"] == pytest.approx(200 / 3)


# --- videomind ---------------------------------------------------------------------------
def test_videomind_clamps_then_rounds_to_the_unit_then_swaps() -> None:
    result = run(
        "charades-sta",
        "videomind",
        [
            sample("a", (0.0, 30.5), duration=30.47),
            sample("b", (5, 10)),
            sample("c", (0, 10), duration=20),
        ],
        [spans("a", (-1.0, 31.04)), spans("b", (10.04, 4.96)), answer("c", "I cannot tell")],
    )
    # clamp to 30.47, round to 0.1 -> 30.5 (a little past the end, as in the reference)
    assert row(result, "a").scored_span == pytest.approx((0.0, 30.5))
    assert row(result, "a").iou == 1.0
    assert row(result, "b").scored_span == pytest.approx((5.0, 10.0))
    # a failed answer becomes the whole video and stays in N
    c = row(result, "c")
    assert (c.status, c.scored_span, c.iou) == ("parse_error", (0.0, 20.0), 0.5)
    assert result.report.metrics["mIoU"] == pytest.approx(100 * 2.5 / 3, abs=0.01)


def test_videomind_scores_against_the_best_gt_window_with_dataset_units() -> None:
    result = run(
        "qvhighlights",
        "videomind",
        [sample("q", windows=[(0, 10), (20, 30)], duration=150)],
        [spans("q", (21.2, 29.1))],  # QVHighlights unit 2.0 -> (22, 30)
    )
    r = row(result, "q")
    assert r.scored_span == (22.0, 30.0) and r.gt_window_used == (20.0, 30.0)
    assert r.iou == pytest.approx(0.8)


def test_videomind_thresholds_compare_in_float32() -> None:
    # float32(0.7) < 0.7: an IoU of exactly float32(7/10) passes R1@0.7 as torch would.
    result = run("charades-sta", "videomind", [sample("a", (0, 10))], [spans("a", (0, 7))])
    assert result.report.metrics["R1@0.7"] == 100.0


# --- vtimellm ------------------------------------------------------------------------------
def test_vtimellm_reads_indices_and_rounds_iou_to_two_decimals() -> None:
    result = run(
        "activitynet-captions",
        "vtimellm",
        [
            sample("a", (10, 20), duration=100),
            sample("b", (10, 20), duration=100),
            sample("c", (10, 20), duration=100),
            sample("d", (10, 20), duration=None),
        ],
        [
            answer("a", "From 10 to 24."),  # 0.1 / 0.14 = 0.714 -> 0.71
            answer("b", "From 10 to 25."),  # 0.1 / 0.15 = 0.667 -> 0.67
            answer("c", "from 5 to 30"),  # single digits: no match -> IoU 0
            answer("d", "From 10 to 20."),
        ],
    )
    assert row(result, "a").iou == 0.71 and row(result, "a").scored_span == pytest.approx((10, 24))
    assert row(result, "b").iou == 0.67
    assert (row(result, "c").status, row(result, "c").iou) == ("parse_error", 0.0)
    assert row(result, "d").status == "invalid_span" and "duration" in row(result, "d").note
    m = result.report.metrics
    assert m["R1@0.7"] == 25.0 and m["mIoU"] == pytest.approx((0.71 + 0.67) * 100 / 4)


# --- moment-detr ---------------------------------------------------------------------------
def test_moment_detr_top1_is_the_first_window_and_map_uses_all() -> None:
    result = run(
        "qvhighlights",
        "moment-detr",
        [sample("q", windows=[(0, 10), (20, 30)], duration=150), sample("r", (0, 10))],
        [spans("q", (50, 60, 0.95), (0, 10, 0.9), (21, 30, 0.8))],
    )
    q = row(result, "q")
    assert q.scored_span == (50.0, 60.0) and q.iou == 0.0  # list order, not score order
    assert row(result, "r").status == "missing_prediction" and row(result, "r").counted
    m = result.report.metrics
    # q, sorted by score: FP, TP (IoU 1.0), TP (IoU 0.9). Up to 0.9: precision [0, .5, 2/3] at
    # recall [0, .5, 1], envelope 2/3 -> AP 2/3; at 0.95 the third is a FP -> AP .5 * .5.
    ap_q = [2 / 3] * 9 + [0.25]
    assert m["mAP@0.5"] == round(100 * ap_q[0] / 2, 2)
    assert m["mAP"] == round(100 * sum(ap_q) / 10 / 2, 2)
    assert m["R1@0.5"] == 0.0


def test_moment_detr_length_splits_score_each_query_against_its_windows_in_range() -> None:
    result = run(
        "qvhighlights",
        "moment-detr",
        [sample("q", windows=[(0, 5), (10, 30), (40, 100)], duration=150)],
        [spans("q", (0, 5, 0.9), (10, 30, 0.8))],
    )
    m = result.report.metrics
    # short: TP then FP -> 1.0; middle: FP then TP -> 0.5; long: no hit -> 0;
    # full: TP, TP over 3 GT windows -> recall 2/3 at precision 1.
    assert (m["mAP-short"], m["mAP-middle"], m["mAP-long"]) == (100.0, 50.0, 0.0)
    assert m["mAP"] == round(100 * 2 / 3, 2)


def test_moment_detr_on_real_qvhighlights_gt_used_as_predictions() -> None:
    from tests.conftest import shared_file

    path = shared_file("timelens/legacy_qvhighlights_val_gt_univtg.jsonl")
    samples = get_benchmark("qvhighlights").load(path).samples
    preds = [
        spans(s.sample_id, *[(w[0], w[1], 1.0 - i / 100) for i, w in enumerate(s.windows)])
        for s in samples
    ]
    m = run("qvhighlights", "moment-detr", samples, preds).report.metrics
    assert m["R1@0.7"] == 100.0
    # Only the first 10 windows of a query are read: a query with k > 10 GT windows reaches
    # recall 10 / k at precision 1, so its AP is 10 / k.
    expected = 100 * sum(min(1.0, 10 / len(s.windows)) for s in samples) / len(samples)
    assert m["mAP"] == round(expected, 2) < 100.0


# --- bad input -------------------------------------------------------------------------------
@pytest.mark.parametrize("protocol", sorted(PROTOCOLS))
def test_bad_spans_never_crash_and_are_counted(protocol: str) -> None:
    result = run(
        "activitynet-captions",
        protocol,
        [
            sample("nan", duration=30),
            sample("neg", duration=30),
            sample("zero", (0, 0), duration=0),
            sample("point", (5, 5), duration=10),
        ],
        [
            spans("nan", problem="span [nan, 2] is not finite"),
            spans("neg", (-5, -1)),
            answer("zero", "0 - 0"),
            spans("point", (5, 5)),
        ],
    )
    assert row(result, "nan").status == "invalid_span" and row(result, "nan").counted
    assert all(r.iou is not None and 0.0 <= r.iou <= 1.0 for r in result.rows)
    assert result.report.n_counted == 4
    assert "zero-length" in (row(result, "point").note or "")


@pytest.mark.parametrize("protocol", ["timelens", "lmms-eval"])
def test_miou_adds_up_in_the_result_files_order_as_the_reference_does(tmp_path, protocol) -> None:
    import math

    ann, pred, lines = shuffled_results(tmp_path, repeat_one=True)
    loaded = get_benchmark("timelens-charades").load(ann)
    result = score_predictions("timelens-charades", loaded.samples, read_predictions(pred),
                               PROTOCOLS[protocol], resamples=0)  # fmt: skip
    expected = reference_miou(lines)
    ious = [r.iou for r in result.rows]
    assert math.fsum(ious) * 100 / len(ious) != expected  # the order of the sum shows
    assert result.report.metrics["mIoU"] == expected
