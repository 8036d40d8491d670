"""The video-QA task through ``videoeval.score`` on the real annotation files: TempCompass's
official Video-LLaVA answers read item for item as the official results read them; VideoHallucer's
pairs and unweighted type means; TOMATO without a guess; TVBench under its official scorer and
under Tarsier's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import videoeval
from tests.conftest import shared_file
from videoeval import ScoreRequest, ScoringOptions
from videoeval.benchmarks import get_benchmark

QA = "qa/tempcompass/"
TASKS = [("mc", "multi-choice", 1580, 45.57), ("yn", "yes_no", 2453, 56.38),
         ("cm", "caption_matching", 1496, 63.27)]  # fmt: skip


def score(benchmark: str, annotations: Path, predictions: Path, **kw):  # type: ignore[no-untyped-def]
    request = ScoreRequest(benchmark, annotations=annotations, predictions=predictions,
                           scoring=ScoringOptions(bootstrap=200), **kw)  # fmt: skip
    return videoeval.score(request)


@pytest.mark.parametrize(("kind", "name", "matched", "accuracy"), TASKS)
def test_tempcompass_reads_the_reference_answers_as_the_official_results(
    kind: str, name: str, matched: int, accuracy: float
) -> None:
    questions = shared_file(f"{QA}questions_{name}.json")
    outcome = score(f"tempcompass-{kind}", questions,
                    shared_file(f"{QA}reference_video-llava/predictions_{name}.json"))  # fmt: skip
    official = json.loads(shared_file(f"{QA}reference_video-llava/auto_eval_results_{name}.json")
                          .read_text())  # fmt: skip
    rows = {r.sample_id: r for r in outcome.rows}
    agree = 0
    for video, dims in official.items():
        for dim, items in dims.items():
            for n, item in enumerate(items):
                row = rows[f"{video}/{dim}/{n}"]
                if item["match_success"]:  # the rules' own rating, reproduced
                    agree += row.status == "ok" and row.correct == bool(item["rating"])
                else:  # left to ChatGPT there: unread here, and wrong (--disable_llm)
                    assert row.status == "parse_error" and row.correct is False
    assert agree == matched
    report = outcome.report
    assert report.metrics["accuracy"] == pytest.approx(accuracy, abs=0.005)
    assert report.protocol == f"tempcompass-{kind}" and report.n_counted == len(rows)
    assert set(report.by_category or {}) == {"action", "direction", "speed", "order",
                                             "attribute_change"}  # fmt: skip
    assert report.buckets and "fine-grained action" in report.buckets["aspect"]


def write_answers(path: Path, answers: dict[str, str]) -> Path:
    path.write_text("".join(json.dumps({"sample_id": k, "prediction": v}) + "\n"
                            for k, v in answers.items()))  # fmt: skip
    return path


def test_videohallucer_pairs_and_the_unweighted_mean_of_types(tmp_path: Path) -> None:
    folder = tmp_path / "vh"
    folder.mkdir()
    for name, copy in (("object_relation", "object_relation"),
                       ("temporal_dedup_ae4c2f2", "temporal")):  # fmt: skip
        (folder / f"{copy}.json").write_bytes(shared_file(f"qa/videohallucer/{name}.json")
                                              .read_bytes())  # fmt: skip
    answers = {}
    for n in range(200):  # object_relation: always "yes" -> basic 100, hallucinated 0
        answers[f"object_relation/{n}/basic"] = "Yes."
        answers[f"object_relation/{n}/hallucination"] = "Yes, there is."
    for n in range(176):  # temporal: "yes ... no" is right for both questions of a pair
        answers[f"temporal/{n}/basic"] = "yes, or no"
        answers[f"temporal/{n}/hallucination"] = "no" if n < 88 else "I cannot say"
    outcome = score("videohallucer", folder, write_answers(tmp_path / "a.jsonl", answers))
    report = outcome.report
    assert report.by_category == {
        "object_relation": {"basic": 100.0, "hallucinated": 0.0, "overall": 0.0, "pairs": 200},
        "temporal": {"basic": 100.0, "hallucinated": 50.0, "overall": 50.0, "pairs": 176},
    }
    # the unweighted mean over the two types, not the pooled share of pairs (88 / 376)
    assert report.metrics["overall"] == pytest.approx(25.0)
    assert report.metrics["overall_pooled"] == pytest.approx(100 * 88 / 376)
    assert report.metrics["basic"] == 100.0 and report.metrics["hallucinated"] == 25.0
    assert report.n_counted == 376 and report.n_total == 752
    low, high = report.ci95["overall"]
    assert low < 25.0 < high


def test_tomato_never_guesses(tmp_path: Path) -> None:
    folder = shared_file("qa/tomato")
    samples = get_benchmark("tomato").load(folder).samples
    assert len(samples) == 1484
    answers = {}
    for n, s in enumerate(samples[:300]):
        answers[s.sample_id] = s.gold if n % 3 == 0 else ("Answer is " + s.gold)  # unread
    outcome = score("tomato", folder, write_answers(tmp_path / "t.jsonl", answers))
    report = outcome.report
    assert report.metrics["accuracy"] == pytest.approx(100 * 100 / 1484)
    assert report.failures == {"parse_error": 200, "missing_prediction": 1184}
    guessed = 100 + sum(1 / len(s.options) for n, s in enumerate(samples[:300]) if n % 3)
    assert report.metrics["accuracy_if_guessed"] == pytest.approx(100 * guessed / 1484)
    assert set(report.buckets["demonstration"]) == {"human", "object", "simulated"}


def test_tvbench_under_its_official_scorer_and_under_tarsiers(tmp_path: Path) -> None:
    annotations = shared_file("qa/tvbench/TVBench_tarsier2.jsonl")
    samples = get_benchmark("tvbench").load(annotations).samples
    styles = ["{g}", "({g}) text", "Answer: {g}", "", "{l}"]
    answers = {s.sample_id: styles[n % 5].format(g=s.gold, l=s.gold.lower())
               for n, s in enumerate(samples)}  # fmt: skip
    path = write_answers(tmp_path / "tv.jsonl", answers)
    official = score("tvbench", annotations, path).report
    tarsier = score("tvbench", annotations, path, protocol="tarsier-mc").report
    # check_ans: the letter, "(x) ...", the lower-case letter and the empty answer are right;
    # "Answer: X" reads "(answer:", which is no option
    expected = sum(n % 5 != 2 for n in range(len(samples)))
    assert official.metrics["accuracy"] == pytest.approx(100 * expected / len(samples))
    assert official.n_counted == 2525 and official.protocol == "mvbench"
    # Tarsier: "Answer: X" reads A; "" and the lower-case letter leave the denominator
    valid = [s for n, s in enumerate(samples) if n % 5 in (0, 1, 2)]
    right = sum(n % 5 in (0, 1) or s.gold == "A" for n, s in enumerate(samples) if n % 5 < 3)
    assert tarsier.n_counted == len(valid)
    assert tarsier.metrics["accuracy"] == pytest.approx(100 * right / len(valid))
    assert tarsier.failures == {"parse_error": 2525 - len(valid)}


def test_tomato_as_lmms_eval_scores_it(tmp_path: Path) -> None:
    folder = shared_file("qa/tomato")
    samples = get_benchmark("tomato").load(folder).samples[:300]
    styles = ["{g}", "Answer is {g}", "no idea"]
    answers = {s.sample_id: styles[n % 3].format(g=s.gold) for n, s in enumerate(samples)}
    report = score("tomato", folder, write_answers(tmp_path / "t.jsonl", answers),
                   protocol="lmms-eval-tomato").report  # fmt: skip
    # "Answer is X" holds the A of "Answer": the first offered letter in order, so it reads A;
    # "no idea" reads nothing and lmms-eval answers A for it (shown as parse_error)
    right = 100 + sum(s.gold == "A" for n, s in enumerate(samples) if n % 3)
    assert report.metrics["accuracy"] == pytest.approx(100 * right / 1484)
    assert report.failures == {"parse_error": 100, "missing_prediction": 1184}
