"""Parser test vectors: each expected value is what the reference code returns (run on a copy of
the reference function), quirks included."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from videoeval.parsing.spans import (
    PARSERS,
    format_span,
    parse_lmms_eval,
    parse_timechat,
    parse_timelens,
    parse_vtimellm,
)

TIMELENS_VECTORS = [
    ("The event happens in 0.0 - 5.0 seconds.", [(0.0, 5.0)]),
    ("The event happens in 1.2.3 - 4 seconds.", [(2.3, 4.0)]),
    ("1.2.3", [(1.2, 3.0)]),
    ("from -5 to 10", [(5.0, 10.0)]),
    ("0:05 - 0:10", [(5.0, 10.0)]),
    ("1:02:03.5 to 1:02:10", [(3723.5, 3730.0)]),
    ("at 0:05 - 10 seconds", [(5.0, 10.0)]),
    ("10s - 20s", []),
    ("10s to 20s", []),
    ("5.0s and 7.5s", [(5.0, 7.0)]),
    ("From 10 TO 20", [(10.0, 20.0)]),
    ("5. - 7.", [(5.0, 7.0)]),
    ("2023-10-05", [(2023.0, 10.0)]),
    ("0 - 5, 10 - 20", [(0.0, 5.0), (10.0, 20.0)]),
    ("123:45 - 130:00", [(45.0, 130.0)]),
    ("The event happens in 5 \u2013 10 seconds.", [(5.0, 10.0)]),
    ("\u0663 - \u0665", [(3.0, 5.0)]),
    ("no numbers", []),
    ("only 7", []),
    ("3 - 5 and also 6 to 8", [(3.0, 5.0)]),
    ("00:00:05.5-00:00:10", [(5.5, 10.0)]),
    ("1:2 - 3:4", [(2.0, 3.0)]),
    ("12:30:45:67 - x", [(12.0, 30.0), (45.0, 67.0)]),
    ("10-20-30", [(10.0, 20.0)]),
    ("1e3 - 2e3", [(3.0, 2.0)]),
    ("5.5.5 seconds", [(5.5, 5.0)]),
    ("", []),
]


@pytest.mark.parametrize(("answer", "expected"), TIMELENS_VECTORS)
def test_timelens_parser_vectors(answer: str, expected: list) -> None:
    assert parse_timelens(answer).spans == expected


TIMECHAT_VECTORS = [
    ("The given query happens in 20.8 - 30.0 seconds.", [(20.8, 30.0)]),
    # The reference's prompt-removal line discards its result: the echoed example wins.
    (
        "A specific example is : 20.8 - 30.0 seconds. The event happens in 3.0 - 7.5 seconds.",
        [(20.8, 30.0)],
    ),
    ("30 - 10 seconds", [(10.0, 30.0)]),
    ("5 - 5 seconds", [(5.0, 5.0)]),
    ("Start time: 0.8 seconds\nEnd time: 1.1 seconds", [(0.8, 1.1)]),
    ("The start time for this event is 0 seconds, and the end time is 12 seconds.", []),
    ("starts at 00:00:18\nends at 00:00:23.", [(0.0, 0.0)]),
    ("The event 'x' starts at 00:00:18 and ends at 00:00:23.", []),
    ("from 3 to 7 seconds", []),
    ("", []),
    ("no numbers", []),
    ("The event starts at 5.5 seconds. It ends at 9.2 seconds.", []),
    ("starts at 4\nends at 9\nstart again 20", [(4.0, 9.0)]),
    ("happens at 12.5 -- 15", []),
    ("2023-10-05 happen", [(10.0, 2023.0)]),
    ("24.3-30.4s", [(24.3, 30.4)]),
    ("[12.0, 15.0]", []),
    ("event starts at 1:05\nevent ends at 1:10", [(1.0, 1.0)]),
]


@pytest.mark.parametrize(("answer", "expected"), TIMECHAT_VECTORS)
def test_timechat_parser_vectors(answer: str, expected: list) -> None:
    assert parse_timechat(answer).spans == expected


def test_timechat_reference_crash_is_an_empty_result_with_a_note() -> None:
    parsed = parse_timechat("between 1..2 - 3")
    assert parsed.spans == []
    assert parsed.note is not None and "raises" in parsed.note


LMMS_VECTORS = [
    ("The given query happens in 20.8 - 30.0 seconds.", [(20.8, 30.0)]),
    (
        "A specific example is : 20.8 - 30.0 seconds. The event happens in 3.0 - 7.5 seconds.",
        [(3.0, 7.5)],
    ),
    ("30 - 10 seconds", [(10.0, 30.0)]),
    ("from 3 to 7 seconds", [(3.0, 7.0)]),
    ("The event happens in the 24.3 - 30.4 seonds.", [(24.3, 30.4)]),
    ("The start time for this event is 0 seconds, and the end time is 12 seconds.", []),
    ("The event 'x' starts at 00:00:18 and ends at 00:00:23.", [(18.0, 23.0)]),
    ("starts at 00:00:18\nends at 00:00:23.", [(18.0, 23.0)]),
    ("The person picks up a towel.\nThe event happens in 2.0 to 5.0 seconds", [(2.0, 5.0)]),
    # Ranges are only searched in keyword sentences.
    ("It occurs 2.0 - 5.0.\nThe event starts later", []),
    # "into" becomes "in-": the replacement hits words too.
    ("person walks into the room 3 to 8", [(3.0, 8.0)]),
    ("happens at 12.5 -- 15", []),
    ("between 1..2 - 3", [(2.0, 3.0)]),
]


@pytest.mark.parametrize(("answer", "expected"), LMMS_VECTORS)
def test_lmms_eval_parser_vectors(answer: str, expected: list) -> None:
    assert parse_lmms_eval(answer).spans == expected


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("From 17 to 34.", [(0.17, 0.34)]),
        ("between 05 and 99", [(0.05, 0.99)]),
        ("from 100 to 200", [(0.0, 0.2)]),  # not anchored: reads "00 to 20"
        ("from 5 to 30", []),  # single digits never match
        ("From 17 TO 34.", []),  # case-sensitive
        ("no frames", []),
    ],
)
def test_vtimellm_parser_vectors(answer: str, expected: list) -> None:
    # index / 100 is correctly rounded, so it equals the decimal literal exactly.
    assert parse_vtimellm(answer).spans == expected


def test_timechat_clock_stage_is_dead_code() -> None:
    """The reference's HH:MM:SS stage only runs when its number stage found 0 or 1 numbers, and
    every clock time already gives the number stage a number: it can never form a pair."""
    for answer in [
        "starts at 00:00:18",
        "the event starts at 00:00:18 and ends at 00:00:23",
        "start 01:02:03\nnothing here",
    ]:
        assert parse_timechat(answer).spans == []


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_parsers_never_raise(text: str) -> None:
    for parser in PARSERS.values():
        result = parser(text)
        assert all(len(span) == 2 for span in result.spans)


_seconds = st.integers(min_value=0, max_value=10_000_000).map(lambda v: v / 1000)


@settings(max_examples=300, deadline=None)
@given(_seconds, _seconds)
def test_formatted_spans_round_trip(start: float, end: float) -> None:
    answer = format_span((start, end))
    assert parse_timelens(answer).spans == [(start, end)]
    ordered = (start, end) if end > start else (end, start)
    assert parse_timechat(answer).spans == [ordered]
    assert parse_lmms_eval(answer).spans == [ordered]
