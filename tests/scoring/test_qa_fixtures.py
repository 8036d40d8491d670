"""Video-QA benchmarks whose annotation files cannot be shipped, on fixtures in their published
layouts (specs/video_qa.md, data/qa/README.md): MVBench, Vinoground, Video-MME, LongVideoBench,
each scored by hand beside the test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import videoeval
from videoeval import ScoreRequest, ScoringOptions
from videoeval.report.published import tables


def score(benchmark: str, annotations: Path, answers: dict[str, str], tmp_path: Path, **kw):  # type: ignore[no-untyped-def]
    path = tmp_path / "answers.jsonl"
    path.write_text("".join(json.dumps({"sample_id": k, "prediction": v}) + "\n"
                            for k, v in answers.items()))  # fmt: skip
    request = ScoreRequest(benchmark, annotations=annotations, predictions=path,
                           scoring=ScoringOptions(bootstrap=100), **kw)  # fmt: skip
    return videoeval.score(request).report


def test_mvbench_official_and_tarsier(tmp_path: Path) -> None:
    folder = tmp_path / "json"
    folder.mkdir()
    for task in ("action_sequence", "object_shuffle"):
        (folder / f"{task}.json").write_text(json.dumps([
            {"video": f"{task}_{n}.mp4", "question": "What happened?",
             "candidates": ["Sat down.", "Stood up.", "Ran."], "answer": "Stood up.",
             "start": 1.0, "end": 5.0} for n in range(4)]))  # fmt: skip
    answers = {}
    for task in ("action_sequence", "object_shuffle"):
        for n, reply in enumerate(["B) Stood up.", "", "(B", "1"]):
            answers[f"{task}/{n}"] = reply
    official = score("mvbench", folder, answers, tmp_path)
    # check_ans: "(b)" matches, "(" (empty) matches, "((b" does not, "(1" does not
    assert official.metrics["accuracy"] == 50.0 and official.n_counted == 8
    assert official.by_category["object_shuffle"]["accuracy"] == 50.0
    tarsier = score("mvbench", folder, answers, tmp_path, protocol="tarsier-mc")
    # Tarsier: "B" right, "" left out, "B" right, "1" reads B: right
    assert tarsier.metrics["accuracy"] == 100.0 and tarsier.n_counted == 6


def write_vinoground(folder: Path) -> None:
    folder.mkdir()
    for kind in ("text", "video"):
        items = []
        for n in range(3):
            for side, gt in (("pos", "A"), ("neg", "B")):
                items.append({"idx": f"{n}_{side}", "GT": gt,
                              "video_name": f"vinoground_videos/{n}_{side}.mp4",
                              "question": "Which caption fits?\nA. one\nB. two"})  # fmt: skip
        (folder / f"vinoground_{kind}score.json").write_text(json.dumps(items))
    (folder / "vinoground.csv").write_text(
        "index,major,minor\n0,action,cyclical\n1,object,\n2,viewpoint,cyclical;spatial\n"
    )


def test_vinoground_text_video_and_group(tmp_path: Path) -> None:
    folder = tmp_path / "vino"
    write_vinoground(folder)
    answers = {
        # pair 0: all four right -> text, video, group
        "text/0_pos": "A", "text/0_neg": "b", "video/0_pos": "a.", "video/0_neg": "B",
        # pair 1: text right, one video item wrong ("(A)": its first character is "(")
        "text/1_pos": "A", "text/1_neg": "B", "video/1_pos": "(A)", "video/1_neg": "B",
        # pair 2: a leading space spoils the text pos item; video right
        "text/2_pos": " A", "text/2_neg": "B", "video/2_pos": "A", "video/2_neg": "B",
    }  # fmt: skip
    report = score("vinoground", folder, answers, tmp_path)
    assert report.metrics == pytest.approx({"text": 200 / 3, "video": 200 / 3, "group": 100 / 3})
    assert report.by_category["object"] == {"text": 100.0, "video": 0.0, "group": 0.0, "pairs": 1}
    cyclical = report.buckets["minor"]["cyclical"]  # pairs 0 and 2
    assert cyclical["text"] == 50.0 and cyclical["video"] == 100.0 and cyclical["pairs"] == 2
    assert report.n_counted == 3 and report.n_total == 12


VIDEOS = [
    {"video_id": "001", "duration": "short", "domain": "Sports", "sub_category": "Football",
     "videoID": "abc", "questions": [
         {"question_id": "001-1", "task_type": "Counting", "question": "How many?",
          "options": ["A. one", "B. two", "C. three", "D. four"], "answer": "B",
          "response": "The best answer is B."},
         {"question_id": "001-2", "task_type": "Action", "question": "What?",
          "options": ["A. run", "B. sit", "C. jump", "D. swim"], "answer": "C",
          "response": "Based on the video, C."},  # "Based" -> B: wrong
         {"question_id": "001-3", "task_type": "Action", "question": "Who?",
          "options": ["A. a", "B. b", "C. c", "D. d"], "answer": "A",
          "response": "i do not know"}]},  # no capital A-D: unparsed, left out
    {"video_id": "002", "duration": "long", "domain": "Film", "sub_category": "Drama",
     "videoID": "def", "questions": [
         {"question_id": "002-1", "task_type": "Counting", "question": "How many?",
          "options": ["A. 1", "B. 2", "C. 3", "D. 4"], "answer": "D", "response": "(D)"}]},
]  # fmt: skip


def test_videomme_official_and_tarsiers_video_drop(tmp_path: Path) -> None:
    path = tmp_path / "videomme_output.json"
    path.write_text(json.dumps(VIDEOS))
    request = ScoreRequest("videomme", annotations=path, predictions=path,
                           scoring=ScoringOptions(bootstrap=0))  # fmt: skip
    official = videoeval.score(request).report
    assert official.metrics["accuracy"] == pytest.approx(200 / 3)  # 2 of the 3 answered
    assert official.n_counted == 3 and official.failures == {"parse_error": 1}
    assert set(official.by_category) == {"short", "long"}
    assert official.buckets["task_type"]["Counting"]["accuracy"] == 100.0
    tarsier = videoeval.score(ScoreRequest("videomme", annotations=path, predictions=path,
                                           protocol="tarsier-videomme",
                                           scoring=ScoringOptions(bootstrap=0))).report  # fmt: skip
    # "The best answer is B." reads T: invalid, so video 001 leaves with its three questions
    assert tarsier.n_counted == 1 and tarsier.metrics["accuracy"] == 100.0


def test_longvideobench_never_guesses(tmp_path: Path) -> None:
    rows = [{"id": f"q{n}", "video_path": f"v{n}.mp4", "question": "?", "candidates":
             ["w", "x", "y", "z", "extra"][: 4 + n % 2], "correct_choice": n % 4,
             "duration_group": 600 if n < 2 else 3600, "question_category": "S2E"}
            for n in range(4)]  # fmt: skip
    path = tmp_path / "lvb_val.json"
    path.write_text(json.dumps(rows))
    answers = {
        "q0": "The best answer is A",
        "q1": "the answer: b",  # lower-case: unread
        "q2": "Best option: C",
        "q3": "It must be D.",
    }  # "It": no A-E before D
    report = score("longvideobench", path, answers, tmp_path)
    assert report.metrics["accuracy"] == 75.0 and report.failures == {"parse_error": 1}
    # q1 has 5 options: a random letter would add 1/5 on average
    assert report.metrics["accuracy_if_guessed"] == pytest.approx(100 * 3.2 / 4)
    assert report.buckets["duration_group"]["3600"]["accuracy"] == 100.0


def test_eventhallusion_yes_no_micro_over_questions(tmp_path: Path) -> None:
    folder = tmp_path / "questions"
    folder.mkdir()
    for split, videos in (("entire", 2), ("interleave", 1)):
        (folder / f"{split}_questions.json").write_text(json.dumps([
            {"id": f"{split}_{v:03d}", "category": "sports", "event_info": {},
             "questions": [{"type": "hallucination", "question": f"Q{q}?",
                            "answer": "No." if q else "Yes."}
                           for q in range(2 if (split, v) == ("entire", 0) else 1)]}
            for v in range(videos)]))  # fmt: skip
    answers = {
        "entire_000/0": "Yes, he does.",
        "entire_000/1": "Nope.",  # right, right
        "entire_001/0": " yes",  # a leading space: unmatched, wrong
        "interleave_000/0": "No",
    }  # gold Yes.: wrong
    report = score("eventhallusion", folder, answers, tmp_path)
    assert report.metrics["accuracy"] == 50.0 and report.n_counted == 4  # micro: 2 of 4
    assert report.by_category["entire"]["accuracy"] == pytest.approx(200 / 3)
    assert report.failures == {"parse_error": 1}
    # Tarsier2's Table 5 row: its overall is right / 409, as the per-split counts give
    table = next(t for t in tables() if t.id == "tarsier2-eventhallusion-yn")
    tarsier2 = table.rows[0]
    assert round(100 * (69 + 180 + 97) / 409, 1) == tarsier2.figures[3] == 84.6


def test_a_tomato_file_with_no_readable_question_is_refused(tmp_path: Path) -> None:
    from videoeval.benchmarks import get_benchmark
    from videoeval.errors import InputError

    path = tmp_path / "count.json"
    path.write_text(json.dumps({"0": {"question": "How many?", "options": ["1"], "answer": 3}}))
    with pytest.raises(InputError, match=r"holds no TOMATO questions: count\.json\[0\]"):
        get_benchmark("tomato").load(path)


def test_answers_that_name_no_question_exit_non_zero(tmp_path: Path) -> None:
    """A one-line JSONL file is one answer, not a {question: answer} map of its field names;
    when no question has an answer, nothing is scored and the cause is said."""
    from typer.testing import CliRunner

    from videoeval.cli import app
    from videoeval.predictions.qa import read_qa_predictions

    answers = tmp_path / "answers.jsonl"
    answers.write_text(json.dumps({"sample_id": "nope", "prediction": "A"}) + "\n")
    read = read_qa_predictions(answers)
    assert read.layout == "jsonl" and read.answers == {"nope": "A"}
    folder = tmp_path / "json"
    folder.mkdir()
    (folder / "action_sequence.json").write_text(json.dumps([
        {"video": "a.mp4", "question": "?", "candidates": ["x", "y"], "answer": "y"}]))  # fmt: skip
    result = CliRunner().invoke(app, ["score", "mvbench", "-a", str(folder), "-p", str(answers),
                                      "--bootstrap", "0", "-o", str(tmp_path / "out")])  # fmt: skip
    assert result.exit_code == 1
    said = " ".join(result.output.split())
    assert "no question of mvbench has an answer in answers.jsonl" in said
    assert "question ids look like 'action_sequence/0'" in said
