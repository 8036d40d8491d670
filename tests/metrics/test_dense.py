from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import shared_file
from videoeval.cli import app
from videoeval.metrics.dense import JUNK_2018, Caption, detection, junk_string, pairs_at, tiou
from videoeval.predictions.dense import DensePredictions
from videoeval.scoring.dense import read_references, score_dense

pytestmark = pytest.mark.cost(50)

runner = CliRunner()


def cap(s: float, e: float, text: str = "x") -> Caption:
    return Caption(s, e, text)


def test_tiou_uses_the_shorter_of_hull_and_summed_lengths() -> None:
    assert tiou((0, 10), (5, 15)) == pytest.approx(5 / 15)
    assert tiou((0, 5), (10, 15)) == 0.0
    # the 1e-8 keeps an exact half just under 0.5: neither > 0.5 nor >= 0.5
    assert tiou((0, 10), (0, 20)) < 0.5


def test_detection_is_strict_and_takes_the_best_reference_per_side() -> None:
    preds = [cap(0, 12), cap(50, 60)]
    ref_a = [cap(0, 20), cap(30, 40)]  # tIoU 0.6 with the first prediction
    ref_b = [cap(0, 12)]
    p, r = detection(preds, [ref_a, ref_b], 0.5)
    assert (p, r) == (0.5, 1.0)  # ref B covers 1/1; each file: 1 of 2 predictions is precise
    assert detection(preds, [ref_a], 0.6) == (0.0, 0.0)  # 0.6 - epsilon is not > 0.6
    assert detection([], [ref_a, ref_b], 0.3) == (0.0, 0.0)


def test_junk_pairing_rules() -> None:
    rng = random.Random(3)
    pairs = pairs_at([cap(0, 10, "a dog"), cap(90, 95, "a café")], [[cap(0, 10, "a dog runs")]],
                     0.5, "densevid-2018", rng)  # fmt: skip
    assert pairs == [("a dog", "a dog runs"), ("a caf ", JUNK_2018)]
    junk = junk_string("densevid-2019", random.Random(7))
    assert junk.isalpha() and junk.islower() and 10 <= len(junk) <= 20
    assert junk == junk_string("densevid-2019", random.Random(7))  # seeded, recorded


def test_detection_on_real_references(tmp_path: Path) -> None:
    val_1, _ = read_references(shared_file("captions/anet_captions_val_1.json"))
    val_2, _ = read_references(shared_file("captions/anet_captions_val_2.json"))
    preds = DensePredictions(captions={vid: caps for vid, caps in val_1.items()})
    report, rows = score_dense([val_1, val_2], preds, language=False)
    union = set(val_1) | set(val_2)
    assert report.n_total == len(union) == len(rows)
    share = 100 * len(val_1) / len(union)
    for t in ("0.3", "0.5", "0.7", "0.9"):  # val_1 predicts itself: every val_1 video is perfect
        assert report.metrics[f"P@{t}"] == pytest.approx(share)
        assert report.metrics[f"R@{t}"] == pytest.approx(share)
    missing = len(union) - len(val_1)  # val_2's videos are all in val_1
    assert report.failures == ({"missing_prediction": missing} if missing else {})


def test_cli_dense_path_and_bad_input(tmp_path: Path) -> None:
    refs = tmp_path / "val_1.json"
    refs.write_text(json.dumps({
        "v1": {"duration": 30, "timestamps": [[0, 10], [10, 20]], "sentences": ["a", "b"]},
        "v2": {"duration": 30, "timestamps": [[0, 30]], "sentences": ["c"]},
    }))  # fmt: skip
    preds = tmp_path / "results.json"
    proposals = [
        {"sentence": "a", "timestamp": [0, 10]},
        {"sentence": "", "timestamp": [20, 10]},
        {"sentence": "x", "timestamp": [500, 900]},
        {"timestamp": ["nan", 3]},
    ]
    proposals += [{"sentence": "z", "timestamp": [1, 1]}] * 5000  # zero-length, too many
    preds.write_text(json.dumps({"version": "1", "external_data": {},
                                 "results": {"v1": proposals, "unknown": []}}))  # fmt: skip
    result = runner.invoke(app, ["score", "activitynet-captions", "-a", str(refs), "-p", str(preds),
                                 "--no-language", "-o", str(tmp_path / "o")])  # fmt: skip
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "o" / "metrics.json").read_text())
    assert metrics["task"] == "dense_captioning" and metrics["n_total"] == 2
    assert metrics["metrics"]["R@0.5"] == pytest.approx(25.0)  # v1: 1 of 2 covered; v2: none
    assert any("over 1000 proposals" in w for w in metrics["warnings"])
    assert any("in no reference file" in w for w in metrics["warnings"])


@pytest.mark.skipif(shutil.which("java") is None, reason="language metrics need Java")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # the raw Meteor
def test_language_metrics_equal_pycocoevalcap_per_video(scorers) -> None:
    pytest.importorskip("pycocoevalcap", reason="pycocoevalcap is not installed")
    from pycocoevalcap.meteor.meteor import Meteor
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    refs = [{"v1": [cap(0, 10, "A man opens the door."), cap(10, 20, "He walks in.")],
             "v2": [cap(0, 5, "A dog barks.")]}]  # fmt: skip
    preds = DensePredictions(captions={
        "v1": [cap(0, 10, "A man opens a door."), cap(40, 50, "Nothing matches.")],
    })  # fmt: skip
    report, rows = score_dense(refs, preds, thresholds=(0.5,), scorers=scorers)
    assert scorers.meteor.started  # the caller's METEOR stays open for its next score
    tok = PTBTokenizer().tokenize({
        0: [{"caption": "A man opens a door."}], 1: [{"caption": "A man opens the door."}],
        2: [{"caption": "Nothing matches."}], 3: [{"caption": JUNK_2018}],
    })  # fmt: skip
    expected, _ = Meteor().compute_score({0: tok[1], 1: tok[3]}, {0: tok[0], 1: tok[2]})
    assert rows[0].figures["METEOR@0.5"] == pytest.approx(expected, abs=1e-9)
    assert report.metrics["METEOR"] == pytest.approx(100 * expected / 2, abs=1e-7)  # v2: 0


@pytest.mark.skipif(shutil.which("java") is None, reason="the PTB tokenizer needs Java")
def test_line_breaks_inside_a_sentence_do_not_shift_the_others() -> None:
    pytest.importorskip("pycocoevalcap", reason="pycocoevalcap is not installed")
    from videoeval.scoring.dense import LanguageScorers

    scorers = LanguageScorers()
    try:
        broken = scorers.tokenize(["A man plays\r the guitar.", "x\vy", "He\fsings.", "Last one."])
        clean = scorers.tokenize(["A man plays the guitar.", "x y", "He sings.", "Last one."])
    finally:
        scorers.close()
    assert broken == clean == ["a man plays the guitar", "x y", "he sings", "last one"]


def test_soda_dp_alignment_is_order_preserving() -> None:
    import numpy as np

    from videoeval.metrics.soda import dp_alignment, soda_f1

    # Crossing pairs (0->1 with 1->0, 1.7) are not allowed: the best kept order is 0.9.
    scores = np.array([[0.5, 0.9], [0.8, 0.4]])
    assert dp_alignment(scores) == pytest.approx(0.9)
    assert dp_alignment(np.array([[0.6, 0.0], [0.0, 0.7]])) == pytest.approx(1.3)
    assert dp_alignment(np.zeros((0, 3))) == 0.0
    assert soda_f1(1.3, n_gt=2, n_pred=4) == pytest.approx((0.325, 0.65, 2 * 0.325 * 0.65 / 0.975))


@pytest.mark.skipif(shutil.which("java") is None, reason="SODA_c needs Java (METEOR)")
def test_soda_c_counts_missing_videos_only_when_asked(scorers) -> None:
    pytest.importorskip("pycocoevalcap", reason="pycocoevalcap is not installed")
    from videoeval.scoring.dense import soda_c

    refs = [{"v1": [cap(0, 10, "a man opens the door"), cap(10, 20, "he walks in")],
             "v2": [cap(0, 5, "a dog barks")]}]  # fmt: skip
    preds = DensePredictions(
        captions={"v1": [cap(10, 20, "he walks in"), cap(0, 10, "a man opens the door")]}
    )
    dropped = soda_c(refs, preds, scorers=scorers)
    assert dropped["SODA_c_dropped_videos"] == 1.0
    # identical sentences and spans, in order once sorted: METEOR 1.0 each (to 1e-3), tIoU ~1
    assert dropped["SODA_c"] == pytest.approx(100.0, abs=0.5)
    zero = soda_c(refs, preds, missing="zero", scorers=scorers)
    # per-video means (the default): v2 joins the mean with P = R = 0
    assert zero["SODA_c_recall"] == pytest.approx(dropped["SODA_c_recall"] / 2, rel=1e-9)
    corpus = soda_c(refs, preds, missing="zero", average="corpus", scorers=scorers)
    assert corpus["SODA_c_recall"] == pytest.approx(dropped["SODA_c_recall"] * 2 / 3, rel=1e-9)


# The worked example of the parity report: v_a found exactly, v_b missed entirely.
GUITAR = "a man is playing a guitar"
FIRST_FILE = {
    "v_a": [cap(0, 10, GUITAR)],
    "v_b": [cap(0, 10, "a woman is cooking"), cap(10, 20, "she serves the food")],
}
SECOND_FILE = {"v_a": [cap(0, 10, GUITAR)], "v_b": [cap(20, 30, "a dog runs")]}
EXAMPLE_PREDICTIONS = DensePredictions(
    captions={"v_a": [cap(0, 10, GUITAR)], "v_b": [cap(20, 30, "a dog runs")]}
)


@pytest.mark.skipif(shutil.which("java") is None, reason="SODA_c needs Java (METEOR)")
def test_soda_c_is_the_mean_over_videos_as_fujiso_soda_9cb3e2c(scorers) -> None:
    pytest.importorskip("pycocoevalcap", reason="pycocoevalcap is not installed")
    from videoeval.scoring.dense import soda_c

    hit = 10 / (10 + 1e-8)  # METEOR 1 x the densevid tIoU of two identical spans
    one = soda_c([FIRST_FILE], EXAMPLE_PREDICTIONS, scorers=scorers)
    assert one["SODA_c"] == pytest.approx(49.99999995, rel=1e-12)
    assert one["SODA_c_precision"] == one["SODA_c_recall"] == pytest.approx(100 * hit / 2)
    old = soda_c([FIRST_FILE], EXAMPLE_PREDICTIONS, average="corpus", scorers=scorers)
    assert old["SODA_c"] == pytest.approx(39.99999996, rel=1e-9)
    assert old["SODA_c_recall"] == pytest.approx(33.3333333, rel=1e-9)

    both = soda_c([FIRST_FILE, SECOND_FILE], EXAMPLE_PREDICTIONS, scorers=scorers)
    assert both["SODA_c_per_reference"] == pytest.approx(74.999999925, rel=1e-12)
    assert both["SODA_c_precision"] == pytest.approx(99.9999999, rel=1e-12)
    assert both["SODA_c_recall"] == pytest.approx(41.666666625, rel=1e-12)
    assert both["SODA_c"] == pytest.approx(58.333333275, rel=1e-12)
    old_both = soda_c(
        [FIRST_FILE, SECOND_FILE], EXAMPLE_PREDICTIONS, average="corpus", scorers=scorers
    )
    assert old_both["SODA_c"] == pytest.approx(57.14285709, rel=1e-9)
    assert old_both["SODA_c_per_reference"] == pytest.approx(69.99999993, rel=1e-9)


@pytest.mark.skipif(shutil.which("java") is None, reason="SODA_c needs Java (METEOR)")
def test_soda_c_per_reference_file_averages_the_two_f1(scorers) -> None:
    pytest.importorskip("pycocoevalcap", reason="pycocoevalcap is not installed")
    from videoeval.scoring.dense import soda_c

    first = {"v1": [cap(0, 10, "a man opens the door"), cap(10, 20, "he walks in")]}
    second = {"v1": [cap(40, 50, "a cat sleeps on a sofa")], "v2": [cap(0, 5, "a dog barks")]}
    preds = DensePredictions(
        captions={"v1": [cap(0, 10, "a man opens the door"), cap(10, 20, "he walks in")]}
    )
    both = soda_c([first, second], preds, scorers=scorers)
    alone = [soda_c([ref], preds, scorers=scorers)["SODA_c"] for ref in (first, second)]
    assert alone[0] == pytest.approx(100.0, abs=0.5) and alone[1] == 0.0  # no overlap: tIoU 0
    assert both["SODA_c_per_reference"] == pytest.approx(sum(alone) / 2, rel=1e-12)
    # merged: 2 of 3 GT events found with 2 predictions, P 1 and R 2/3
    assert both["SODA_c"] == pytest.approx(100 * 2 * (2 / 3) / (1 + 2 / 3), abs=0.5)
    assert "SODA_c_per_reference" not in soda_c([first], preds, scorers=scorers)


def test_per_reference_soda_tokenizes_each_file_apart(scorers) -> None:
    from videoeval.scoring.dense import soda_c

    # PTB drops the period of "capital T." when the next line of its call starts in uppercase:
    # merged, val_2's "Then she smiles." follows it; alone (PDVC's eval_soda), nothing does.
    first = {"a": [cap(0, 10, "She writes a capital T.")]}
    second = {"a": [cap(10, 20, "Then she smiles.")], "b": [cap(0, 5, "A dog barks.")]}
    preds = DensePredictions(captions={
        "a": [cap(0, 10, "she writes a capital t"), cap(10, 20, "then she smiles")],
        "b": [cap(0, 5, "a dog barks")],
    })  # fmt: skip
    merged = scorers.tokenize(["She writes a capital T.", "Then she smiles."])
    assert merged[0] != scorers.tokenize(["She writes a capital T."])[0]  # the quirk itself
    alone = [soda_c([ref], preds, scorers=scorers)["SODA_c"] for ref in (first, second)]
    both = soda_c([first, second], preds, scorers=scorers)["SODA_c_per_reference"]
    # eval_soda's mean of the files' F1; the merged run's tokens gave 75.0 here
    assert both == pytest.approx(sum(alone) / 2, rel=1e-12) and both < 70


@pytest.mark.skipif(shutil.which("java") is None, reason="language metrics need Java")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # the raw Bleu
def test_sentences_are_tokenised_in_the_reference_batches(scorers) -> None:
    # PTB keeps the period of "capital T." when the next line of the same tokenizer call starts
    # in lowercase: densevid_eval's calls (per threshold, predictions apart from references, in
    # video order) decide the tokens, so they decide the scores.
    pytest.importorskip("pycocoevalcap", reason="pycocoevalcap is not installed")
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    refs = [{"a": [cap(0, 10, "She writes a capital T.")], "b": [cap(0, 10, "Then he leaves.")]},
            {"b": [cap(0, 10, "He goes.")], "c": [cap(0, 9, "A cat sleeps.")]}]  # fmt: skip
    preds = DensePredictions(captions={
        "a": [cap(0, 10, "She writes a capital T.")], "b": [cap(0, 10, "then he leaves.")],
    })  # fmt: skip
    report, rows = score_dense(refs, preds, thresholds=(0.5,), scorers=scorers)
    # per-reference SODA_c: each file tokenized in its own calls, as PDVC's eval_soda
    from videoeval.scoring.dense import soda_c

    alone = [soda_c([ref], preds, scorers=scorers)["SODA_c"] for ref in refs]
    assert report.metrics["SODA_c_per_reference"] == pytest.approx(sum(alone) / 2, rel=1e-12)
    tokenizer = PTBTokenizer()
    predicted = tokenizer.tokenize({0: [{"caption": "She writes a capital T."}],
                                    1: [{"caption": "then he leaves."}]})  # fmt: skip
    referenced = tokenizer.tokenize({0: [{"caption": "She writes a capital T."}],
                                     1: [{"caption": "Then he leaves."}]})  # fmt: skip
    assert predicted[0] != referenced[0]  # the quirk itself: "t." against "t"
    expected, _ = Bleu(4).compute_score({0: referenced[0]}, {0: predicted[0]}, verbose=0)
    assert rows[0].figures["Bleu_1"] == expected[0] < 1


def test_scorers_without_the_language_metrics_are_refused() -> None:
    from videoeval.errors import UsageError

    refs, preds = [{"v1": [cap(0, 10, "A man.")]}], DensePredictions(captions={})
    with pytest.raises(UsageError, match="language=False"):
        score_dense(refs, preds, language=False, scorers=object())  # type: ignore[arg-type]


def test_the_missing_videos_warning_appears_only_when_some_are_missing() -> None:
    refs = [{"v1": [cap(0, 10, "A man opens the door.")], "v2": [cap(0, 5, "A dog barks.")]}]
    every = DensePredictions(captions={"v1": [cap(0, 9, "a man")], "v2": [cap(0, 5, "a dog")]})
    report, _ = score_dense(refs, every, language=False)
    assert not any("have no predictions" in w for w in report.warnings)
    report, _ = score_dense(refs, DensePredictions(captions={"v1": [cap(0, 9, "a man")]}),
                            language=False)  # fmt: skip
    assert "1 GT videos have no predictions: they score 0, as in the reference" in report.warnings
