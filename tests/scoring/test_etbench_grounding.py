"""E.T. Bench's grounding tasks through ``videoeval.score``, each figure worked by hand from
``compute_metrics.py``'s rules (specs/video_qa.md, "E.T. Bench grounding")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import videoeval
from videoeval import ScoreRequest, ScoringOptions
from videoeval.parsing.etbench_times import etbench_spans, vhd_time


def sample(task: str, source: str, idx: int, tgt: object, answer: str) -> dict:
    return {"task": task, "source": source, "idx": idx, "video": f"{source}/{idx}.mp4",
            "q": "When?", "tgt": tgt, "a": answer}  # fmt: skip


SAMPLES = [
    sample("tvg", "charades", 0, [0, 10], "The event happens in 0 - 5 seconds."),  # IoU 0.5
    # one number per kept sentence, so a single pair cannot be made: failed (a miss)
    sample("tvg", "charades", 1, [10, 20], "It starts at 10 and ends at 20."),
    sample("tvg", "charades", 2, [0, 10], "From 2 to 8."),  # "number to number": IoU 0.6
    *[sample("tvg", "anet", i, [0, 10], "0 - 10") for i in range(3)],
    sample("tvg", "anet", 3, [0, 10], "I am not sure."),
    sample("epm", "ego4d", 0, [5, 15], "5.0 - 15.0"),
    sample("tal", "thumos", 0, [[0, 10], [20, 30]], "0 - 10, 20 - 25"),
    sample("tal", "thumos", 1, [[0, 10]], "no idea"),
    sample("evs", "summe", 0, [[0, 4]], "0 - 2"),  # bins 0-3 against 0-1: F1 2/3
    sample("evs", "summe", 1, [[0, 4]], "nothing"),  # failed: left out of EVS's mean
    sample("vhd", "qvh", 0, [[0, 5], [10, 12]], "At 11 seconds"),  # one annotator's windows
    sample("vhd", "qvh", 1, [[[0, 2]], [[3, 4]]], "-1"),  # two annotators: a miss
    sample("vhd", "qvh", 2, [[[0, 2]], [[3, 4]]], "about 3.5"),  # inside the second's window
    sample("dvc", "youcook2", 0, [[0, 1]], "0 - 1 seconds, crack eggs."),  # not grounding
]


def test_every_task_as_the_reference_scores_it(tmp_path: Path) -> None:
    path = tmp_path / "etbench_txt_v1.0_with_answers.json"
    path.write_text(json.dumps(SAMPLES))
    outcome = videoeval.score(ScoreRequest("etbench", predictions=path,
                                           protocol="etbench-grounding",
                                           scoring=ScoringOptions(bootstrap=0)))  # fmt: skip
    report = outcome.report
    groups = report.by_category
    charades = groups["tvg/charades"]  # hits at 0.1 / 0.3 / 0.5: 2 of 3; at 0.7: none
    assert charades["F1@0.5"] == pytest.approx(100 * 0.66667)
    assert charades["F1@0.7"] == 0.0 and charades["F1"] == pytest.approx(50.0)
    assert charades["mIoU"] == pytest.approx(100 * 0.36667) and charades["failed"] == 1
    assert groups["tvg/anet"]["F1"] == pytest.approx(75.0)
    # TAL: sample 0 F1 1, 1, 1, 0.5 at the four thresholds; sample 1 failed (0): / 2
    assert groups["tal/thumos"]["F1"] == pytest.approx(43.75)
    assert groups["evs/summe"]["F1"] == pytest.approx(66.667)
    assert groups["vhd/qvh"]["F1"] == pytest.approx(66.667)
    m = report.metrics  # a task is the mean of its sources; F1_gnd the mean of the five tasks
    assert m["TVG"] == pytest.approx(62.5) and m["EPM"] == 100.0 and m["TAL"] == 43.75
    assert m["F1_gnd"] == pytest.approx((0.625 + 1 + 0.4375 + 0.66667 + 0.66667) * 20)
    assert m["mean_f1_rows"] == pytest.approx(100 * 0.67014)
    assert report.n_total == 15 and report.failures == {"parse_error": 4}
    assert report.protocol == "etbench-grounding" and report.task == "localization"


def test_intervals_resample_within_each_group_and_hold_the_figures(tmp_path: Path) -> None:
    """Each group's samples resampled within it: a group whose samples all agree has no
    spread (EPM, EVS), and every interval holds its figure (the figures are rounded to 5
    decimals as the reference rounds them, the resamples are not)."""
    path = tmp_path / "etbench_txt_v1.0_with_answers.json"
    path.write_text(json.dumps(SAMPLES * 4))
    request = ScoreRequest("etbench", predictions=path, protocol="etbench-grounding",
                           scoring=ScoringOptions(bootstrap=400))  # fmt: skip
    report = videoeval.score(request).report
    assert set(report.ci95) >= {"TVG", "EPM", "TAL", "EVS", "VHD", "F1_gnd"}
    assert report.ci95["EPM"] == (100.0, 100.0)
    assert report.ci95["EVS"] == pytest.approx((200 / 3, 200 / 3))
    for name in ("TVG", "TAL", "VHD", "F1_gnd"):
        low, high = report.ci95[name]
        assert low - 1e-3 <= report.metrics[name] <= high + 1e-3 and low < high


@pytest.mark.parametrize(
    ("answer", "spans"),
    [("0 - 5 and 7-9", [(0.0, 5.0), (7.0, 9.0)]), ("from 9 to 3", [(3.0, 9.0)]),
     ("starts at 4. ends at 8.", None),  # one sentence (no ! ? or newline): one number
     ("It starts at 4!It ends at 8!", [(4.0, 8.0)]),
     # a clock's hours are already a number for step 4, so its clock step rarely fires
     ("start 0:01:05\nend 0:01:10", [(0.0, 0.0)]), ("1:05 to", None), ("", None)],
)  # fmt: skip
def test_tvg_format(answer: str, spans: object) -> None:
    assert etbench_spans(answer) == spans


def test_vhd_reads_the_first_signed_number() -> None:
    assert vhd_time("at -2.5 s or 3") == -2.5 and vhd_time(".5") == 0.5 and vhd_time("x") is None


def test_a_file_without_answers_is_not_scored(tmp_path: Path) -> None:
    from videoeval.errors import NothingToScoreError

    path = tmp_path / "etbench_txt_v1.0.json"  # the annotation file itself: no `a` anywhere
    path.write_text(json.dumps([{k: v for k, v in s.items() if k != "a"} for s in SAMPLES]))
    with pytest.raises(NothingToScoreError, match="none of the 15 grounding samples has an"):
        videoeval.score(ScoreRequest("etbench", predictions=path, protocol="etbench-grounding",
                                     scoring=ScoringOptions(bootstrap=0)))  # fmt: skip
