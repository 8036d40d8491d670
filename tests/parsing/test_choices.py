"""Each official answer rule on the cases the spec records as observed when the official
scripts were run (specs/video_qa.md, "Behaviours confirmed"), worked by hand."""

from __future__ import annotations

import pytest

from videoeval.parsing.choices import (
    mvbench_check_ans,
    tarsier_mc,
    tempcompass_cm,
    tempcompass_mc,
    tempcompass_yn,
    tomato_rules,
    videohallucer_word,
)

MC_GOLD = "B. dribbling a basketball"


@pytest.mark.parametrize(
    ("answer", "parsed", "correct"),
    [
        ("B. dribbling a basketball", "B", True),  # the whole gold line
        ("B", "B", True),
        (" B </s>", "B", True),  # </s> removed, stripped
        ("B. dunking a basketball", "B", True),  # another option's text: the letter decides
        ("A) dunking", "A", False),
        ("E", None, None),  # not a bare A-D letter and no 'X.' form: unread
        ("D.", "D", False),  # a letter the question does not offer: read, and wrong
        ("b", None, None),  # case-sensitive
        ("The answer is B.", None, None),
    ],
)
def test_tempcompass_multi_choice(answer: str, parsed: str | None, correct: bool | None) -> None:
    read = tempcompass_mc(answer, MC_GOLD)
    assert (read.parsed, read.correct) == (parsed, correct)


@pytest.mark.parametrize(
    ("answer", "correct"),
    [("Yes, he does.", False), ("Nope", True), ("Not sure, but yes.", True),
     ("No, wait, yes.", True), ("none", True), ("I think so", None)],
)  # fmt: skip
def test_tempcompass_yes_no_reads_only_the_start(answer: str, correct: bool | None) -> None:
    assert tempcompass_yn(answer, "no").correct is correct


CM_QUESTION = (
    "Which caption matches the video better?\nCaption A: A man is dunking a basketball.\n"
    "Caption B: The man is shooting a basketball."
)
CM_GOLD = "Caption A: A man is dunking a basketball."


@pytest.mark.parametrize(
    ("answer", "correct"),
    [
        ("Caption A: A man is dunking a basketball.", True),
        ("A man is dunking a basketball.", True),  # the sentence
        ("Caption A", True), ("A", True), ("Caption A.", True),  # labels, dots deleted
        ("Caption B", False),
        ("(B) A man is dunking a basketball.", True),  # the sentence decides, not the letter
        ("the first one", None),
    ],
)  # fmt: skip
def test_tempcompass_caption_matching(answer: str, correct: bool | None) -> None:
    assert tempcompass_cm(answer, CM_QUESTION, CM_GOLD).correct is correct


@pytest.mark.parametrize(
    ("answer", "correct"),
    [("A) Put on a hat.", True), ("a", True), ("(A) Put on", True), ("B", False),
     ("(A", False),  # "((a": the pre-filled "(" doubled, and "(a)" is in neither direction
     ("", True),  # "(" is a substring of every gold token: the reference counts it right
     ("Put on a hat", False)],
)  # fmt: skip
def test_mvbench_check_ans(answer: str, correct: bool) -> None:
    assert mvbench_check_ans(answer, "(a) Put on a hat/cap.").correct is correct


@pytest.mark.parametrize(
    ("answer", "parsed"),
    [("(B) Take off", "B"), ("Answer: B", "A"), ("The answer is C.", "T"), ("2", "C"),
     ("0", "A"), ("b", None), ("", None), ("7", None), ("()", None)],
)  # fmt: skip
def test_tarsier_reads_the_first_character(answer: str, parsed: str | None) -> None:
    assert tarsier_mc(answer, "B").parsed == parsed


OPTIONS = {"A": "2", "B": "1", "C": "3", "D": "4"}


@pytest.mark.parametrize(
    ("answer", "parsed"),
    [("C", "C"), (" c ", "C"), ("E", None), ("C: 3", "C"), ("Answer is:(C)", "C"),
     ("Answer is(c)", "C"), ("Answer isC", "C"),
     ("Answer is C", None),  # a space before the letter: left to the LLM parser
     ("answer is:C", None),  # "Answer is" is case-sensitive
     ("The answer is C", None), ("3", None)],
)  # fmt: skip
def test_tomato_rules(answer: str, parsed: str | None) -> None:
    read = tomato_rules(answer, OPTIONS, "C")
    assert read.parsed == parsed and read.correct is (None if parsed is None else True)


@pytest.mark.parametrize(
    ("answer", "gold", "correct"),
    [("Yes.", "yes", True), ("Yes.", "no", False), ("yes ... no", "no", True),
     ("yes ... no", "yes", True), ("Nope", "no", False), ("NO", "no", True),
     ("I know it", "no", False)],
)  # fmt: skip
def test_videohallucer_whole_word(answer: str, gold: str, correct: bool) -> None:
    assert videohallucer_word(answer, gold).correct is correct


@pytest.mark.parametrize(
    ("answer", "parsed", "correct", "fallback"),
    [("C", "C", True, False), ("The answer is C", "C", True, False),
     ("Based on the video, C", "B", False, False),  # "Based" holds B: the first in letter order
     ("I think (C), not (B)", "B", False, False),  # the last "(X)"
     ("three", "A", False, True),  # nothing read: lmms-eval's "A"
     ("I believe the count is clearly 3 here", "C", True, False)],  # option text, past 5 words
)  # fmt: skip
def test_lmms_eval_tomato(answer: str, parsed: str, correct: bool, fallback: bool) -> None:
    from videoeval.parsing.choices import lmms_eval_tomato

    read = lmms_eval_tomato(answer, OPTIONS, "C")
    assert (read.parsed, read.correct, read.fallback) == (parsed, correct, fallback)


HAT = {"A": "Put on a hat/cap.", "B": "Take off a hat/cap."}


@pytest.mark.parametrize(
    ("answer", "parsed"),
    [("B", "B"), ("a person takes it off", "A"), ("(B) take off", "B"),
     ("I think: take off a hat/cap.", "B"), ("no idea", None)],
)  # fmt: skip
def test_lmms_eval_tvbench(answer: str, parsed: str | None) -> None:
    from videoeval.parsing.choices import lmms_eval_tvbench

    assert lmms_eval_tvbench(answer, HAT, "B").parsed == parsed


@pytest.mark.parametrize(
    ("answer", "correct"),
    [("B. Stood up.", True), ("a man stood up", False),  # the article reads A
     ("(B)", True), ("Stood up!", True),  # no letter: the whole answer against the gold text
     ("", None)],
)  # fmt: skip
def test_lmms_eval_mvbench(answer: str, correct: bool | None) -> None:
    from videoeval.parsing.choices import lmms_eval_mvbench

    options = {"A": "Sat down.", "B": "Stood up."}
    assert lmms_eval_mvbench(answer, options, "B").correct is correct
