from __future__ import annotations

import math
from pathlib import Path

import pytest

from videoeval.demo import PRED_FILE, data_path
from videoeval.errors import InputError
from videoeval.predictions.grounding import read_predictions


def test_timechat_formatted_real_file() -> None:
    file = read_predictions(data_path(PRED_FILE))
    assert file.layout == "timechat-formatted"
    assert len(file.predictions) == 500
    assert sum(1 for p in file.predictions if p.spans == ()) == 280
    first = file.predictions[0]
    assert (first.sample_id, first.video_id) == ("3187", "DOYQE")


def test_timechat_raw(write_json) -> None:
    path = write_json(
        "raw.json",
        [{"id": 7, "vname": "3MSZA.mp4", "query": "q", "generated_cap": "2 - 3 seconds"}],
    )
    file = read_predictions(path)
    assert file.layout == "timechat-raw"
    assert file.predictions[0].answer == "2 - 3 seconds"
    assert file.predictions[0].sample_id == "7"


def test_timelens_result_keys_with_unicode_and_separators_in_query(write_jsonl) -> None:
    path = write_jsonl(
        "result.jsonl",
        [
            {"V1.mp4>>>a >>> strange query ü>>>[0.0, 4.0]": {"timestamps": [[1.0, 3.0]]}},
            {"V2.mp4>>>plain>>>[2, 5]": {"answers": "2 - 5", "duration": 9}},
        ],
    )
    file = read_predictions(path)
    assert file.layout == "timelens-result"
    one, two = file.predictions
    assert (one.video_id, one.query, one.gt_hint, one.spans) == (
        "V1",
        "a >>> strange query ü",
        (0.0, 4.0),
        ((1.0, 3.0),),
    )
    assert two.answer == "2 - 5" and two.answer_from_result_file and two.spans is None


def test_moment_detr_and_simple_jsonl(write_jsonl) -> None:
    md = read_predictions(
        write_jsonl("sub.jsonl", [{"qid": 9, "vid": "v", "pred_relevant_windows": [[0, 2, 0.9]]}])
    )
    assert md.layout == "moment-detr" and md.predictions[0].spans == ((0.0, 2.0, 0.9),)
    simple = read_predictions(
        write_jsonl(
            "simple.jsonl",
            [
                {"vid": "a.mp4", "query": "q", "answer": "1 - 2"},
                {"vid": "b", "query": "q", "span": [1, 2]},
                {"id": 4, "span": [[1, 2], [3, 4]]},
            ],
        )
    )
    assert simple.layout == "simple"
    assert [p.video_id for p in simple.predictions] == ["a", "b", None]
    assert simple.predictions[2].spans == ((1.0, 2.0), (3.0, 4.0))


def test_malformed_lines_are_reported_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text(
        '{"vid": "a", "query": "q", "answer": "1 - 2"}\n{oops\n[1]\n'
        '{"vid": "a", "query": "q", "span": ["x", 2]}\n{"what": 1}\n',
        encoding="utf-8",
    )
    file = read_predictions(path)
    assert len(file.predictions) == 2
    assert file.predictions[1].problem is not None
    assert any("p.jsonl:2" in s and "not valid JSON" in s for s in file.skipped)
    assert any("p.jsonl:3" in s for s in file.skipped)
    assert any("p.jsonl:5" in s and "no known layout" in s for s in file.skipped)


def test_non_finite_windows_are_kept_for_the_scorer_to_judge(tmp_path: Path) -> None:
    # One bad window is one bad window: the reader keeps it, the scorer decides (a first
    # window that is not finite is an invalid span; a later one still ranks for mAP).
    path = tmp_path / "p.jsonl"
    path.write_text(
        '{"vid": "a", "query": "q", "span": [NaN, 2]}\n'
        '{"vid": "a", "query": "r", "span": [1, Infinity]}\n'
        '{"vid": "a", "query": "s", "span": [1, 1e999999]}\n'
        '{"vid": "a", "query": "t", "span": [true, true]}\n',
        encoding="utf-8",
    )
    predictions = read_predictions(path).predictions
    assert [p.problem for p in predictions[:3]] == [None, None, None]
    assert math.isnan(predictions[0].spans[0][0])
    assert predictions[1].spans == ((1.0, math.inf),) == predictions[2].spans
    assert predictions[3].problem is not None and "not numeric" in predictions[3].problem


def test_ambiguous_and_mixed_files_are_rejected(write_jsonl) -> None:
    both = write_jsonl(
        "both.jsonl",
        [{"qid": 1, "vid": "a", "query": "q", "answer": "x", "pred_relevant_windows": []}],
    )
    with pytest.raises(InputError, match=r"ambiguous.*moment-detr and simple"):
        read_predictions(both)
    mixed = write_jsonl(
        "mixed.jsonl",
        [{"vid": "a", "query": "q", "answer": "x"}, {"qid": 1, "pred_relevant_windows": []}],
    )
    with pytest.raises(InputError, match="mix several layouts"):
        read_predictions(mixed)


def test_empty_missing_and_unknown_files(tmp_path: Path, write_json) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n \n", encoding="utf-8")
    with pytest.raises(InputError, match="empty"):
        read_predictions(empty)
    with pytest.raises(InputError, match="not found"):
        read_predictions(tmp_path / "missing.jsonl")
    with pytest.raises(InputError, match="unknown JSON layout"):
        read_predictions(write_json("x.json", {"a": 1}))
    binary = tmp_path / "bin.jsonl"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InputError, match="UTF-8"):
        read_predictions(binary)


def test_result_key_spans_read_as_literal_eval_reads_them() -> None:
    import ast
    import random

    from videoeval.predictions.grounding import _key_span

    rng = random.Random(3)
    cases = ["[0, 10]", "[1e3, 2]", "[ 3.5 ,4 ]", "[[1, 2]]", "(1, 2)", "[1_000, 2]", "[-1, 2.5]"]
    cases += ["[1E-3, 2e+2]", "[-0.0, 0]", "[True, 1]", "[1e400, 2]", "[999999999999999999999, 1]",
              "[0.1000000000000000055511151231257827, 3]", "[ 1 , 2 ]", "[1,2]",
              "[.5, 2]", "[+1, 2]", "[1., 2]"]  # fmt: skip
    for _ in range(2000):
        a, b = (round(rng.uniform(-9, 999), rng.randint(0, 3)) for _ in range(2))
        cases.append(f"[{a}, {b}]")
        # every digit a double has, and exponents: JSON's reading must be literal_eval's
        a, b = (rng.uniform(-1, 1) * 10 ** rng.randint(-12, 20) for _ in range(2))
        cases.append(f"[{a!r}, {b:.25g}]")
    for text in cases:
        gt = ast.literal_eval(text)
        gt = gt[0] if isinstance(gt[0], (list, tuple)) else gt
        assert _key_span(text) == (float(gt[0]), float(gt[1])), text
    for text in ("[nan, 2]", "[1, inf]", "[true, 1]", "[\u0661, 2]", "[1 2, 3]", "[, 2]"):
        with pytest.raises((ValueError, SyntaxError)):
            _key_span(text)


def test_timestamps_outside_the_one_pair_fast_path_keep_their_reasons(tmp_path) -> None:
    """The usual ``[[s, e]]`` is read without the general checks; anything else still gets
    them, with the same reason as before."""
    lines = {
        "ok": "[[1, 3.5]]",
        "huge": "[[" + "9" * 400 + ", 5]]",  # an int past float's range
        "nan": "[[NaN, 5]]",
        "bool": "[[true, 5]]",  # float(True) is 1.0, but a flag is not a time
        "three": "[[1, 2, 0.9]]",
        "text": '[["1", 2]]',
    }
    path = tmp_path / "result.jsonl"
    path.write_text(
        "".join(f'{{"v.mp4>>>{k}>>>[0, 4]": {{"timestamps": {v}}}}}\n' for k, v in lines.items())
    )
    read = {p.query: p for p in read_predictions(path).predictions}
    assert (read["ok"].spans, read["ok"].problem) == (((1.0, 3.5),), None)
    # kept, not finite: the scorer makes the first window an invalid span, IoU 0
    assert read["huge"].spans == ((math.inf, 5.0),) and read["huge"].problem is None
    assert math.isnan(read["nan"].spans[0][0]) and read["nan"].problem is None
    assert "is not numeric" in read["bool"].problem and read["bool"].spans == ()
    assert read["three"].spans == ((1.0, 2.0),)
    assert read["text"].spans == ((1.0, 2.0),)  # float("1"), as before
