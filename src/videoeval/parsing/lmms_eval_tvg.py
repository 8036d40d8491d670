"""The answer parser of lmms-eval's ``tasks/charades_sta/eval_tvg.py``, in each of its versions.

Before PR #1323 gave charades_sta an in-task metric, lmms-eval only saved a submission file
(``inference_results_temporal_grounding_charades_*.json``) and the figure came from the task
folder's ``eval_tvg.py``. It had three versions (EvolvingLMMs-Lab/lmms-eval):

- ``2502``: c548a197 (2025-02-18): a range ``a - b`` anywhere in the text (every match, the first
  kept), else the first number of each keyword sentence paired;
- ``2509``: e8b44ffd (2025-09-17): the same range with an en dash too, then a range with "s"
  units anywhere in the text;
- ``2510``: f1e52005 (2025-10-17, unchanged through c7eaef37): every stage looks in keyword
  sentences only, the first sentence with a range wins, then numbers, then the "s"-unit range.

Common to all: the prompt's example is removed, every "to" becomes "-" (inside words too),
sentences split on ``! ? newline``, the first span is swapped when reversed and kept alone.
Each version's ``HH:MM:SS`` stage can never produce a pair: a sentence holding a clock time
also holds a number, so the number stage before it has already seen every such sentence and
found fewer than two (tested). A text with no span is scored by ``eval_tvg.py`` as
``[gt_end + 10, gt_end + 20]``: IoU 0, which the protocol's empty result gives.
"""

from __future__ import annotations

import re

from videoeval.parsing.numbers import NUMBER_DOTS, NUMBER_FRACTION
from videoeval.schema import Span

_EXAMPLE = "a specific example is : 20.8 - 30.0 seconds"
_KEYWORDS = ("starts", "ends", "happens in", "start time", "end time", "start", "end", "happen")
_SENTENCES = re.compile(r"[!?\n]")
_RANGE_2502 = re.compile(rf"({NUMBER_DOTS})\s*-\s*(\d+\.*\d*)")
_RANGE_2509 = re.compile(rf"({NUMBER_DOTS})\s*[–-]\s*(\d+\.*\d*)")
_RANGE_2510 = re.compile(rf"({NUMBER_FRACTION})\s*[–-]\s*(\d+(?:\.\d+)?)")
# "\s*s?\s*" as one linear step: the reference's form backtracks quadratically on long runs of
# spaces; a run of spaces with at most one "s" inside matches the same text.
_UNITS = r"(?:\s*s)?\s*"
_FALLBACK = re.compile(rf"({NUMBER_FRACTION}){_UNITS}[–-]\s*(\d+(?:\.\d+)?)(?:\s*s)?")
_NUMBER_2502 = re.compile(r"\b(\d+\.\d+\b|\b\d+)\b")
_NUMBER_2510 = re.compile(r"\b(\d+(?:\.\d+)?)\b")


class Unreadable(ValueError):
    """The reference script raises on this text (``float('1..2')``)."""


def _floats(found: list[tuple[str, str]]) -> list[Span]:
    try:
        return [(float(start), float(end)) for start, end in found]
    except ValueError as exc:
        raise Unreadable(str(exc)) from None


def _first_numbers(candidates: list[str], number: re.Pattern[str]) -> list[Span]:
    firsts = []
    for sentence in candidates:
        numbers = number.findall(sentence)
        if numbers:
            firsts.append(float(numbers[0]))
    return [(firsts[i], firsts[i + 1]) for i in range(0, len(firsts) // 2 * 2, 2)]


def _first_sentence_match(candidates: list[str], pattern: re.Pattern[str]) -> list[Span]:
    for sentence in candidates:
        found = pattern.findall(sentence)
        if found:
            return _floats(found)
    return []


def spans_2502(text: str, candidates: list[str]) -> list[Span]:
    return _floats(_RANGE_2502.findall(text)) or _first_numbers(candidates, _NUMBER_2502)


def spans_2509(text: str, candidates: list[str]) -> list[Span]:
    return (
        _floats(_RANGE_2509.findall(text))
        or _first_numbers(candidates, _NUMBER_2502)
        or _floats(_FALLBACK.findall(text))
    )


def spans_2510(text: str, candidates: list[str]) -> list[Span]:
    return (
        _first_sentence_match(candidates, _RANGE_2510)
        or _first_numbers(candidates, _NUMBER_2510)
        or _first_sentence_match(candidates, _FALLBACK)
    )


VERSIONS = {"2502": spans_2502, "2509": spans_2509, "2510": spans_2510}


def extract(answer: str, version: str) -> list[Span]:
    """``extract_time`` of that version: at most one span, swapped when reversed; raises
    :class:`Unreadable` where the reference raises."""
    text = answer.lower().replace(_EXAMPLE, "").replace("to", "-")
    candidates = [s for s in _SENTENCES.split(text) if any(k in s for k in _KEYWORDS)]
    spans = VERSIONS[version](text, candidates)
    if not spans:
        return []
    start, end = spans[0]
    return [(start, end) if end > start else (end, start)]
