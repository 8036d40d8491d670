"""Parity on unseen files, round 3: each expected figure was worked from the reference code named
in the protocol (and checked against the reference script run on the same file)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from videoeval.demo import GT_FILE, data_path
from videoeval.parsing.spans import PARSERS
from videoeval.predictions.grounding import read_predictions
from videoeval.scoring.grounding_scorer import score_files

NAN = float("nan")


# --- 1. Moment-DETR: a NaN bound spoils one window, not the line -----------------------------
def _qvh(tmp_path: Path, gt: list[dict], sub: list[dict]) -> tuple[Path, Path]:
    gt_path, sub_path = tmp_path / "gt.jsonl", tmp_path / "sub.jsonl"
    gt_path.write_text("".join(json.dumps(g) + "\n" for g in gt))
    sub_path.write_text("".join(json.dumps(s) + "\n" for s in sub))  # NaN written as NaN
    return gt_path, sub_path


def _gt(qid: str, *windows: list[float], **extra) -> dict:
    return {"qid": qid, "query": f"q {qid}", "vid": f"v{qid}", "duration": 150,
            "relevant_windows": list(windows), **extra}  # fmt: skip


def test_moment_detr_keeps_every_window_of_a_line_with_a_nan_bound(tmp_path: Path) -> None:
    # jayleicn/moment_detr standalone_eval: R1 reads window 0 only (NaN >= t is false: a miss);
    # in mAP a NaN window's tIoU is NaN, 'tiou < t' is false, so it is a true positive that
    # locks a GT window. Per query AP: A 1 (NaN TP, then the exact window is a FP after it),
    # B 1, C 1, D 1, E 1 (NaN locks [20, 30], [0, 10] matches, [20, 30] is then a FP), F 0.5
    # (a FP, then the NaN TP). eval.py on this file prints exactly these figures.
    gt_path, sub_path = _qvh(
        tmp_path,
        [_gt("A", [82, 150]), _gt("B", [118, 136]), _gt("C", [10, 16]), _gt("D", [0, 40]),
         _gt("E", [0, 10], [20, 30]), _gt("F", [0, 10])],
        [{"qid": "A", "vid": "vA", "pred_relevant_windows": [[NAN, 30.98, 0.98], [82, 150, 0.5]]},
         {"qid": "B", "vid": "vB", "pred_relevant_windows": [[118, 136, 0.9], [NAN, 5, 0.5]]},
         {"qid": "C", "vid": "vC", "pred_relevant_windows": [[10, 16, 0.7]]},
         {"qid": "D", "vid": "vD", "pred_relevant_windows": [[0, 40, 0.7]]},
         {"qid": "E", "vid": "vE",
          "pred_relevant_windows": [[NAN, 5, 0.9], [0, 10, 0.8], [20, 30, 0.7]]},
         {"qid": "F", "vid": "vF", "pred_relevant_windows": [[50, 60, 0.9], [2, NAN, 0.8]]}],
    )  # fmt: skip
    result = score_files("qvhighlights", gt_path, sub_path, "moment-detr", resamples=0)
    m = result.report.metrics
    assert (m["R1@0.5"], m["R1@0.7"], m["mAP"], m["mAP@0.5"], m["mAP@0.75"]) == (
        50.0, 50.0, 91.67, 91.67, 91.67)  # fmt: skip
    assert (m["mAP-short"], m["mAP-middle"], m["mAP-long"]) == (83.33, 100.0, 100.0)
    assert (m["R1-short@0.5"], m["R1-middle@0.5"], m["R1-long@0.5"]) == (33.33, 100.0, 50.0)
    rows = {r.sample_id: r for r in result.rows}
    assert rows["A"].status == "invalid_span" and "top-1 window is not finite" in rows["A"].note
    assert rows["B"].status == "ok" and rows["B"].iou == 1.0 and "window 2 of 2" in rows["B"].note
    assert any("hold a window with a NaN" in w for w in result.report.warnings)


def test_moment_detr_nan_saliency_drops_only_the_highlight_part(tmp_path: Path) -> None:
    sal = {"relevant_clip_ids": [5, 6], "saliency_scores": [[4, 4, 4], [2, 2, 2]]}
    gt_path, sub_path = _qvh(
        tmp_path,
        [_gt("A", [10, 14], **sal), _gt("B", [10, 14], **sal), _gt("C", [10, 14], **sal)],
        [{"qid": "A", "vid": "vA", "pred_relevant_windows": [[10, 14, 1.0]],
          "pred_saliency_scores": [0.0] * 5 + [1.0, 0.5] + [0.0] * 68},
         {"qid": "B", "vid": "vB", "pred_relevant_windows": [[10, 14, 1.0]],
          "pred_saliency_scores": [NAN] * 75},
         {"qid": "C", "vid": "vC", "pred_relevant_windows": [[10, 14, 1.0]]}],
    )  # fmt: skip
    result = score_files("qvhighlights", gt_path, sub_path, "moment-detr", resamples=0)
    m = result.report.metrics
    assert m["R1@0.5"] == 100.0 and m["mAP"] == 100.0  # B's and C's windows still count
    assert m["HL-min-VeryGood-Hit1"] == 100.0  # A alone: clip 5, rated 4 by every rater
    warnings = " ".join(result.report.warnings)
    assert "1 predictions have unusable pred_saliency_scores" in warnings
    assert "1 predictions have no pred_saliency_scores" in warnings
    rows = {r.sample_id: r for r in result.rows}
    assert "left out of the HL-* figures" in rows["B"].note and rows["B"].status == "ok"


def test_moment_detr_empty_window_list_is_a_parse_error(tmp_path: Path) -> None:
    gt_path, sub_path = _qvh(
        tmp_path, [_gt("A", [10, 14]), _gt("B", [10, 14])],
        [{"qid": "A", "vid": "vA", "pred_relevant_windows": []},
         {"qid": "B", "vid": "vB", "pred_relevant_windows": [[10, 14, 1.0]]}],
    )  # fmt: skip
    result = score_files("qvhighlights", gt_path, sub_path, "moment-detr", resamples=0)
    assert result.report.failures == {"parse_error": 1}
    assert result.report.metrics["R1@0.5"] == 50.0 and result.report.metrics["mAP"] == 50.0


# --- 2. and 3. VTimeLLM logs: every line counts; any grounding benchmark ----------------------
def _log(path: Path, lines: list[tuple[str, int, str]]) -> Path:
    path.write_text("".join(
        json.dumps({"video_id": v, "task": "grounding", "query_id": 0, "answer": a,
                    "info": {"sentence_id": k, "iou": 0}}) + "\n"
        for v, k, a in lines
    ))  # fmt: skip
    return path


def _metric_py(ious: list[float]) -> dict[str, float]:
    """vtimellm/eval/metric.py::grounding_metrics over the log's info.iou values."""
    n = len(ious)
    out = {"mIoU": sum(ious) / n * 100}
    out.update({f"R1@{m}": sum(i >= m for i in ious) / n * 100 for m in (0.3, 0.5, 0.7)})
    return out


def test_vtimellm_counts_every_line_of_a_resumed_log(tmp_path: Path, write_json) -> None:
    annotations = write_json(
        "val_2.json",
        {"v_a": {"duration": 100.0, "timestamps": [[10, 20], [30, 60]],
                 "sentences": ["A man runs.", " He jumps high."]}},
    )  # fmt: skip
    # eval.py's iou: (.10, .24) vs (.1, .2) -> .1 / .14 -> 0.71; then 1.0; the resumed run
    # appends both queries again: 1.0, and (.4, .6) vs (.3, .6) -> 0.67.
    log = _log(
        tmp_path / "log.txt",
        [
            ("v_a", 0, "From 10 to 24."),
            ("v_a", 1, "From 30 to 60."),
            ("v_a", 0, "From 10 to 20."),
            ("v_a", 1, "From 40 to 60."),
        ],
    )
    result = score_files("activitynet-captions", annotations, log, "vtimellm", resamples=0)
    assert result.report.metrics == _metric_py([0.71, 1.0, 1.0, 0.67])
    assert result.report.n_counted == 4 and result.report.n_total == 2
    assert any("every line is scored and counted" in w for w in result.report.warnings)
    assert [r.note for r in result.rows if r.sample_id == "v_a#0"] == [
        "line 1 of 2 for this query", "line 2 of 2 for this query"]  # fmt: skip


def test_vtimellm_log_of_charades_sta_names_queries_by_their_place_in_the_video(
    tmp_path: Path, write_json
) -> None:
    gt = tmp_path / "charades_sta_test.txt"
    gt.write_text("AAA 0.0 6.9##person opens a door.\nAAA 5.0 12.0##person sits down.\n"
                  "BBB 2.0 8.0##person eats.\nAAA 20.0 30.0##person leaves.\n")  # fmt: skip
    durations = write_json("durations.json", {"AAA": 30.0, "BBB": 16.0})
    # AAA's queries in annotation order: 0 [0, 6.9], 1 [5, 12], 2 [20, 30]; BBB's: 0 [2, 8].
    # iou: (0, .23) vs (0, 6.9 / 30) -> 1.0; (.66, .99) vs (2 / 3, 1) -> 0.95; (.5, .6) vs
    # (1 / 6, .4) -> 0; no "NN to NN" -> 0.
    log = _log(
        tmp_path / "log.txt",
        [
            ("AAA", 0, "From 00 to 23."),
            ("AAA", 2, "From 66 to 99."),
            ("AAA", 1, "From 50 to 60."),
            ("BBB", 0, "I do not know."),
        ],
    )
    result = score_files("charades-sta", gt, log, "vtimellm", durations=durations, resamples=0)
    assert result.report.metrics == _metric_py([1.0, 0.95, 0.0, 0.0])
    # the same through videoeval.score, which scores the log as it reads it
    import videoeval

    streamed = videoeval.score(videoeval.ScoreRequest(
        "charades-sta", predictions=log, annotations=gt, protocol="vtimellm",
        grounding=videoeval.GroundingOptions(durations=durations),
        scoring=videoeval.ScoringOptions(bootstrap=0)))  # fmt: skip
    assert streamed.report.metrics == _metric_py([1.0, 0.95, 0.0, 0.0])
    assert streamed.rows == result.rows
    assert result.report.inputs["predictions_unknown"] == 0
    assert any("index among the video's queries" in w for w in result.report.warnings)


def test_vtimellm_sentence_id_that_is_not_an_index_is_one_skipped_line(tmp_path: Path) -> None:
    path = tmp_path / "log.txt"
    lines = [{"video_id": "AAA", "task": "grounding", "answer": "00 to 10",
              "info": {"sentence_id": value}} for value in ("1e999", 2.5, True, -1, 0)]  # fmt: skip
    path.write_text("".join(json.dumps(x).replace('"1e999"', "1e999") + "\n" for x in lines))
    read = read_predictions(path)
    assert len(read.predictions) == 1 and len(read.skipped) == 4
    assert all("not a query index" in s for s in read.skipped)


# --- 4. lmms-eval's saved submission and its eval_tvg.py --------------------------------------
@pytest.mark.parametrize(
    ("answer", "v2502", "v2509", "v2510"),
    [  # each version's extract_time, run on these texts
        ("The event happens in 2.5 - 7.0 seconds.", [(2.5, 7.0)], [(2.5, 7.0)], [(2.5, 7.0)]),
        ("From 3 to 8.", [(3.0, 8.0)], [(3.0, 8.0)], []),  # 2510: keyword sentences only
        ("It starts at 00:00:18 and ends at 00:00:23.", [], [], []),  # clocks never pair
        ("The video shows 2s - 5s. The event happens then.", [], [(2.0, 5.0)], [(2.0, 5.0)]),
        ("Start: 10.\nEnd: 20.", [(10.0, 20.0)], [(10.0, 20.0)], [(10.0, 20.0)]),
        ("It happens in 5 – 9 seconds.", [], [(5.0, 9.0)], [(5.0, 9.0)]),  # en dash
        ("The event happens in 9.5 - 4 seconds.", [(4.0, 9.5)], [(4.0, 9.5)], [(4.0, 9.5)]),
        ("The event happens in 1..2 - 3 seconds.", None, None, [(2.0, 3.0)]),  # None: raises
    ],
)
def test_eval_tvg_parsers(answer: str, v2502, v2509, v2510) -> None:
    for version, expected in (("2502", v2502), ("2509", v2509), ("2510", v2510)):
        parsed = PARSERS[f"lmms-eval-tvg-{version}"](answer)
        if expected is None:
            assert parsed.spans == [] and "eval_tvg.py raises" in parsed.note
        else:
            assert parsed.spans == expected, version


def test_lmms_eval_tvg_reproduces_eval_tvg_on_a_saved_submission(write_json) -> None:
    from videoeval.benchmarks import get_benchmark

    samples = get_benchmark("charades-sta").load(data_path(GT_FILE)).samples[:4]
    f16 = [[float(np.float16(b)) for b in s.windows[0]] for s in samples]
    keys = [f"{s.video_id}.mp4>>>{s.query}>>>{w}" for s, w in zip(samples, f16, strict=True)]
    (a0, a1), (b0, b1) = f16[0], f16[1]
    answers = [
        f"The event happens in {a0} - {a1} seconds.",  # exact: 1
        f"From {b0} to {b1}.",  # no keyword: eval_tvg (2510) reads nothing, IoU 0
        "I cannot tell.",  # nothing: [gt_end + 10, gt_end + 20], IoU 0
        f"Start: {f16[3][0]}.\nEnd: {f16[3][1] + 1}.",  # numbers of keyword sentences
    ]
    extra = "nonexistent.mp4>>>a query not in the annotation>>>[1.0, 2.0]"
    submission = {**dict(zip(keys, answers, strict=True)), extra: "happens in 1 - 2"}
    path = write_json("inference_results_temporal_grounding_charades_x.json", submission)
    (d0, d1) = f16[3]
    iou3 = (d1 - d0) / (d1 + 1 - d0)  # hull IoU of [d0, d1 + 1] with [d0, d1]
    ious = [1.0, 0.0, 0.0, iou3]
    result = score_files("charades-sta", data_path(GT_FILE), path, "lmms-eval-tvg", resamples=0)
    m = result.report.metrics
    assert m["mIoU"] == sum(ious) * 100 / 4  # eval_tvg: sum(ious) * 100 / num
    assert m["R1@0.3"] == sum(i >= 0.3 for i in ious) * 100 / 4
    assert any("1 result keys name no query of the annotation" in w for w in result.report.warnings)
    # the in-task lmms-eval protocol reads the keyword-less answer: another figure, and a hint
    other = score_files("charades-sta", data_path(GT_FILE), path, "lmms-eval", resamples=0)
    assert other.report.metrics["R1@0.5"] > m["R1@0.5"]
    assert any("--protocol lmms-eval-tvg" in w for w in other.report.warnings)


# --- 5. per-reference SODA_c: each file tokenized in its own call -----------------------------
# tests/metrics/test_dense.py: test_per_reference_soda_tokenizes_each_file_apart (it shares that
# module's METEOR process) and test_sentences_are_tokenised_in_the_reference_batches (the same
# through score_dense).
