"""Parsers take linear time on hostile answers (a model stuck repeating a digit writes them),
and the linear patterns find exactly what the references' patterns find."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from videoeval.metrics.etbench import parse_answer
from videoeval.metrics.event_similarity import split_events
from videoeval.parsing.numbers import NUMBER_DOT, NUMBER_DOTS, NUMBER_FRACTION
from videoeval.parsing.spans import PARSERS
from videoeval.predictions.dense import events_from_answer, json_list_text

pytestmark = pytest.mark.cost(15)

# (ours, the reference's) for every pattern whose reference form backtracks.
PAIRS = [
    (rf"({NUMBER_DOT})\s*-\s*(\d+\.?\d*)", r"(\d+\.?\d*)\s*-\s*(\d+\.?\d*)"),
    (rf"({NUMBER_DOT})\s+to\s+(\d+\.?\d*)", r"(\d+\.?\d*)\s+to\s+(\d+\.?\d*)"),
    (rf"({NUMBER_DOTS})\s*-\s*(\d+\.*\d*)", r"(\d+\.*\d*)\s*-\s*(\d+\.*\d*)"),
    (rf"({NUMBER_DOTS}\s*-\s*\d+\.*\d*)", r"(\d+\.*\d*\s*-\s*\d+\.*\d*)"),
    (rf"start time ({NUMBER_DOTS}), end time (\d+\.*\d*)",
     r"start time (\d+\.*\d*), end time (\d+\.*\d*)"),
    (rf"{NUMBER_DOTS}:\d+\.*\d*", r"\d+\.*\d*:\d+\.*\d*"),
    (rf"({NUMBER_FRACTION})\s*[–-]\s*(\d+(?:\.\d+)?)", r"(\d+(?:\.\d+)?)\s*[–-]\s*(\d+(?:\.\d+)?)"),
    (rf"({NUMBER_FRACTION})(?:\s*s)?\s*[–-]\s*(\d+(?:\.\d+)?)(?:\s*s)?",
     r"(\d+(?:\.\d+)?)\s*s?\s*[–-]\s*(\d+(?:\.\d+)?)\s*s?"),
]  # fmt: skip
TEXTS = st.text(alphabet="0123456789..--–: tos\nx", max_size=40)


@settings(max_examples=3000, deadline=None)
@given(TEXTS)
def test_linear_patterns_find_what_the_references_find(text: str) -> None:
    for ours, reference in PAIRS:
        assert re.findall(ours, text) == re.findall(reference, text), (ours, text)


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="[]{} a1\n", max_size=30))
def test_json_list_search_equals_the_regex(text: str) -> None:
    found = re.search(r"\[\s*\{.*\}\s*\]", text, re.DOTALL)
    assert json_list_text(text) == (found.group(0) if found else None)


PARSE = {**PARSERS, "etbench": parse_answer, "dense": events_from_answer,
         "eventsim split": split_events}  # fmt: skip
N = 1_000_000
HOSTILE = {
    "digits": "1" * N,
    "digits then a letter": "1" * N + "a",
    "dotted": "1." * (N // 2),
    "dots": "1" + "." * N,
    "spaced digits": "1 " * (N // 2),
    "to": "1 to " * (N // 5),
    "colons": "1:" * (N // 2),
    "a long fraction": "1." + "2" * N + "x",
    "start time": "start time " + "1" * N + "x",
    "json openings": "[{" * (N // 2),
    "spaces after a number": "1" + " " * N + "x",
    "spaces around an s": "1" + " " * (N // 2) + "s" + " " * (N // 2) + "x",
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_every_parser_reads_a_megabyte_of_hostile_text_quickly(kind: str) -> None:
    text = HOSTILE[kind]
    for name, parse in PARSE.items():
        started = time.perf_counter()
        parse(text)
        # Linear parsers take ~0.4 s here at most; the old ones took minutes on some kinds.
        assert time.perf_counter() - started < 3.0, (name, kind)


@settings(max_examples=300, deadline=2000)
@given(st.text(alphabet="0123456789.-: tos[]{}\nx", min_size=0, max_size=3000))
def test_parsers_never_raise_and_stay_fast_on_fuzzed_answers(text: str) -> None:
    for parse in PARSE.values():
        parse(text)


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=" ,.;and then\tx", max_size=40))
def test_eventsim_split_equals_the_backtracking_form(text: str) -> None:
    from videoeval.metrics.event_similarity import _SPLIT

    old = re.compile(r"[.!?;]+|,\s*(?:and\s+)?then\s+|\s+and\s+then\s+", re.IGNORECASE)
    assert _SPLIT.split(text) == old.split(text)
