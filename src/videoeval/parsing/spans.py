"""Text-to-span parsers, one per reference implementation, quirks included.

Every parser takes the model's raw answer and returns a :class:`ParsedSpans`; none raises. Where
the reference itself would crash on an input, the result is empty and ``note`` says so.

References (read at these commits):
- ``timelens``: TencentARC/TimeLens ``timelens/utils.py::extract_time`` (copies at
  yiqiu0215/TimeLoc @ 24595212, liuxiang09/TimeLens @ c417d6f1; upstream evaluation @ df357404).
- ``timechat``: RenShuhuai-Andy/TimeChat @ a918705f ``utils/format_tvg.py::extract_time``.
- ``lmms-eval``: EvolvingLMMs-Lab/lmms-eval ``lmms_eval/tasks/charades_sta/utils.py`` as rewritten
  by PR #1323 (identical copy: MicroAGI-Labs/lmms-eval @ 75e3a364).
- ``vtimellm``: huangb23/VTimeLLM @ 673312a8 ``vtimellm/eval/eval.py::iou``.
- ``lmms-eval-tvg-*``: lmms-eval's ``tasks/charades_sta/eval_tvg.py`` in each of its versions
  (``parsing/lmms_eval_tvg.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from videoeval.parsing import lmms_eval_tvg
from videoeval.parsing.numbers import NUMBER_DOT, NUMBER_DOTS, NUMBER_FRACTION
from videoeval.schema import Span


class ParsedSpans(NamedTuple):
    spans: list[Span]
    note: str | None = None


# --- timelens ------------------------------------------------------------------------------
# Stage 1: clock times; stage 2: "a - b" else "a to b"; stage 3: bare numbers. Each stage runs
# only when the previous one produced no pair, and re-reads the whole lower-cased text.
_TL_CLOCK = re.compile(r"\b(\d{1,2}:\d{2}:\d{2}(?:\.\d+)?|\d{1,2}:\d{2}(?:\.\d+)?)\b")
_TL_DASH = re.compile(rf"({NUMBER_DOT})\s*-\s*(\d+\.?\d*)")
_TL_TO = re.compile(rf"({NUMBER_DOT})\s+to\s+(\d+\.?\d*)")
_TL_NUMBER = re.compile(r"\b(\d+\.\d+|\d+)\b")


def _clock_seconds_int_hm(text: str) -> float:
    # Hours and minutes through int(), seconds through float(), as the reference does.
    parts = text.split(":")
    if len(parts) == 3:
        return float(int(parts[0]) * 3600 + int(parts[1]) * 60 + float(parts[2]))
    return float(int(parts[0]) * 60 + float(parts[1]))


def _pairs(values: list[float]) -> list[Span]:
    return [(values[i], values[i + 1]) for i in range(0, len(values) // 2 * 2, 2)]


def parse_timelens(answer: str) -> ParsedSpans:
    text = answer.lower()
    # The substring checks only skip regexes that cannot match; results are unchanged.
    if ":" in text:
        clocks = _TL_CLOCK.findall(text)
        clocks = clocks[: len(clocks) // 2 * 2]
        if clocks:
            return ParsedSpans(_pairs([_clock_seconds_int_hm(c) for c in clocks]))
    for pattern, marker in ((_TL_DASH, "-"), (_TL_TO, "to")):
        matches = pattern.findall(text) if marker in text else None
        if matches:
            return ParsedSpans([(float(s), float(e)) for s, e in matches])
    return ParsedSpans(_pairs([float(n) for n in _TL_NUMBER.findall(text)]))


# --- timelens training ----------------------------------------------------------------------
_THINK_ANSWER = re.compile(r"<think>.*?</think>\s*<answer>(.*?)</answer>", re.DOTALL)


def parse_timelens_train(answer: str) -> ParsedSpans:
    """TimeLens's training parser (``training/utils/parser.py``, TencentARC/TimeLens @ 5d90c06),
    which its GRPO reward and its data filter use: the ``<answer>`` of a ``<think>...</think>
    <answer>...</answer>`` reply (else the whole text), every "to" read as "-" (inside words
    too), then the evaluation parser's stages. Not the evaluation's parser: "from 1 to 2"
    reads the same, "towel 3 - 5" does not."""
    found = _THINK_ANSWER.match(answer)
    text = found.group(1) if found else answer
    return parse_timelens(text.lower().replace("to", "-"))


# --- timechat ------------------------------------------------------------------------------
_TC_KEYWORDS = ("starts", "ends", "happens in", "start time", "end time", "start", "end", "happen")
_TC_RANGE = re.compile(rf"({NUMBER_DOTS})\s*-\s*(\d+\.*\d*)")
_TC_NUMBER = re.compile(r"\b(\d+\.\d+\b|\b\d+)\b")
_SENTENCE_SPLIT = re.compile(r"[!?\n]")


def parse_timechat(answer: str) -> ParsedSpans:
    """TimeChat's formatter. Quirks kept on purpose:

    - the line meant to remove the prompt's echoed example discards its result, so an echoed
      "20.8 - 30.0" is read as the answer;
    - "to" is never read as a separator;
    - the range regex runs on the whole text, but the fallback takes only the first number of
      each keyword sentence, and sentences split on ``! ? newline`` only (not on periods);
    - its clock-time stage can never produce a pair (shown in the tests), so it is left out;
    - ``1..2 - 3`` makes ``float('1..2')`` raise in the reference: here an empty result + note;
    - reversed pairs are swapped and only the first span is kept.
    """
    text = answer.lower()
    matches = _TC_RANGE.findall(text)
    spans: list[Span] = []
    if matches:
        try:
            spans = [(float(s), float(e)) for s, e in matches]
        except ValueError as exc:
            return ParsedSpans([], f"the reference formatter raises here ({exc})")
    if not spans:
        candidates = [s for s in _SENTENCE_SPLIT.split(text) if any(k in s for k in _TC_KEYWORDS)]
        firsts = []
        for sentence in candidates:
            numbers = _TC_NUMBER.findall(sentence)
            if numbers:
                firsts.append(float(numbers[0]))
        spans = _pairs(firsts)
    if not spans:
        return ParsedSpans([])
    start, end = spans[0]
    return ParsedSpans([(start, end) if end > start else (end, start)])


# --- lmms-eval -----------------------------------------------------------------------------
_LM_PROMPT_EXAMPLE = "a specific example is : 20.8 - 30.0 seconds"
_LM_CLOCK_RANGE = re.compile(r"\b(\d{1,2}:\d{2}(?::\d{2})?)\s*[–-]\s*(\d{1,2}:\d{2}(?::\d{2})?)\b")
_LM_RANGE = re.compile(rf"({NUMBER_FRACTION})\s*[–-]\s*(\d+(?:\.\d+)?)")
_LM_NUMBER = re.compile(r"\b(\d+(?:\.\d+)?)\b")
_LM_CLOCK = re.compile(r"\b(\d{1,2}:\d{2}(?::\d{2})?)\b")
# The reference's "\s*s?\s*" written as "(?:\s*s)?\s*": the same text, matched in linear time
# on a long run of spaces (the reference's form tries every split of the run).
_LM_FALLBACK = re.compile(rf"({NUMBER_FRACTION})(?:\s*s)?\s*[–-]\s*(\d+(?:\.\d+)?)(?:\s*s)?")


def _clock_seconds_float(text: str) -> float:
    parts = [float(p) for p in text.split(":")]
    if len(parts) == 3:
        return parts[0] * 3600 + parts[1] * 60 + parts[2]
    return parts[0] * 60 + parts[1]


def parse_lmms_eval(answer: str) -> ParsedSpans:
    """lmms-eval's charades_sta parser. Quirks kept on purpose:

    - every "to" becomes "-" before parsing, inside words too ("towel" -> "-wel");
    - ranges are looked for only in keyword sentences (all sentences when none has a keyword),
      in the first sentence that has one;
    - clock ranges first, then number ranges, then all clock times paired, then the first
      number of each sentence paired, then a range with optional "s" units;
    - the first span is swapped when reversed; it is scored only when exactly one was found.
    """
    text = answer.lower().replace(_LM_PROMPT_EXAMPLE, "").replace("to", "-")
    sentences = _SENTENCE_SPLIT.split(text)
    candidates = [s for s in sentences if any(k in s for k in _TC_KEYWORDS)] or sentences
    spans: list[Span] = []
    for sentence in candidates:
        found = _LM_CLOCK_RANGE.findall(sentence)
        if found:
            spans = [(_clock_seconds_float(s), _clock_seconds_float(e)) for s, e in found]
            break
    if not spans:
        for sentence in candidates:
            found = _LM_RANGE.findall(sentence)
            if found:
                spans = [(float(s), float(e)) for s, e in found]
                break
    if not spans:
        clocks = [_clock_seconds_float(t) for s in candidates for t in _LM_CLOCK.findall(s)]
        spans = _pairs(clocks)
    if not spans:
        firsts = []
        for sentence in candidates:
            numbers = _LM_NUMBER.findall(sentence)
            if numbers:
                firsts.append(float(numbers[0]))
        spans = _pairs(firsts)
    if not spans:
        for sentence in candidates:
            found = _LM_FALLBACK.findall(sentence)
            if found:
                spans = [(float(s), float(e)) for s, e in found]
                break
    if not spans:
        return ParsedSpans([])
    start, end = spans[0]
    return ParsedSpans([(start, end) if end > start else (end, start)])


# --- vtimellm ------------------------------------------------------------------------------
_VT_INDICES = re.compile(r"(\d{2}) (to|and) (\d{2})")


def parse_vtimellm(answer: str) -> ParsedSpans:
    """VTimeLLM answers in frame indices 00-99 of 100 uniform frames ("from 17 to 34").

    Returns the span in *normalised* time (index / 100 for both bounds, no +1 on the end, as the
    grounding evaluation does); the scorer compares it with GT / duration. Case-sensitive and
    not anchored: "from 100 to 200" reads "00 to 20", "5 to 30" reads nothing.
    """
    match = _VT_INDICES.search(answer)
    if match is None:
        return ParsedSpans([])
    return ParsedSpans([(float(match.group(1)) / 100, float(match.group(3)) / 100)])


def _lmms_eval_tvg(version: str) -> Callable[[str], ParsedSpans]:
    def parse(answer: str) -> ParsedSpans:
        try:
            return ParsedSpans(lmms_eval_tvg.extract(answer, version))
        except lmms_eval_tvg.Unreadable as exc:
            return ParsedSpans([], f"the reference eval_tvg.py raises here ({exc})")

    return parse


PARSERS: dict[str, Callable[[str], ParsedSpans]] = {
    "timelens": parse_timelens,
    "timelens-train": parse_timelens_train,
    "timechat": parse_timechat,
    "lmms-eval": parse_lmms_eval,
    "vtimellm": parse_vtimellm,
    **{f"lmms-eval-tvg-{v}": _lmms_eval_tvg(v) for v in lmms_eval_tvg.VERSIONS},
}


READS: dict[str, str] = {
    "timelens": "clock times, else 'a - b', else 'a to b', else bare numbers paired",
    "timelens-train": "the <answer> part; every 'to' read as '-'; then as timelens",
    "timechat": "'a - b' anywhere, else the first number of each sentence with a keyword "
    "(start, end, happen...); 'to' is no separator",
    "lmms-eval": "'a - b' (every 'to' read as '-') in keyword sentences, all sentences when none "
    "has a keyword",
    "vtimellm": "'NN to NN' or 'NN and NN', frame indices 00-99",
    "lmms-eval-tvg-2510": "'a - b' (every 'to' read as '-') in keyword sentences only",
    "lmms-eval-tvg-2509": "'a - b' (every 'to' read as '-') anywhere, else keyword sentences' "
    "first numbers",
    "lmms-eval-tvg-2502": "'a - b' (every 'to' read as '-', no en dash) anywhere, else keyword "
    "sentences' first numbers",
}
"""What each parser reads, for the note of an answer it could not read."""


def format_seconds(value: float) -> str:
    """Seconds as plain decimals (never exponent notation, which no reference parser reads)."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text or "0"


def format_span(span: Span) -> str:
    """The canonical answer sentence for a span; the timelens, timechat and lmms-eval parsers
    read it back exactly (up to microseconds)."""
    return f"The event happens in {format_seconds(span[0])} - {format_seconds(span[1])} seconds."
