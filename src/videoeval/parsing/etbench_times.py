"""How E.T. Bench's ``evaluation/compute_metrics.py`` reads times from an answer (its
``tvg_format``, used by TVG, EPM, TAL and EVS, and the number VHD reads), quirks kept:

1. the lower-cased answer is split into sentences at "!", "?" and newlines; sentences holding
   one of starts / ends / happens in / start time / end time / start / end / happen are kept;
2. every "number - number" of the whole answer (a number: digits, dots, digits) is a pair;
3. else every "number to number" (the word with a space on each side);
4. else the first integer or decimal of each kept sentence, paired in order (an odd last one
   dropped);
5. else the same with H:MM:SS / HH:MM:SS clocks;
6. each pair ordered start <= end. No pair: the sample fails.
"""

from __future__ import annotations

import re

_SENTENCES = re.compile(r"[!?\n]")
_KEYWORDS = ("starts", "ends", "happens in", "start time", "end time", "start", "end", "happen")
_DASH = re.compile(r"(\d+\.*\d*)\s*-\s*(\d+\.*\d*)")
_TO = re.compile(r"(\d+\.*\d*)\s* to \s*(\d+\.*\d*)")
_NUMBER = re.compile(r"\b(\d+\.\d+\b|\b\d+)\b")
_CLOCK = re.compile(r"\b((\d{1,2}:\d{2}:\d{2}))\b")
_SIGNED = re.compile(r"[-+]?\d*\.\d+|[-+]?\d+")


class UnreadableNumber(ValueError):
    """A "number" the reference's regex matched but ``float`` refuses ("1..2"): the reference
    stops there; here the sample fails and says why."""


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise UnreadableNumber(f"{text!r} is matched as a number but is none") from None


def _paired(values: list[float]) -> list[tuple[float, float]]:
    values = values[: len(values) // 2 * 2]
    return [(values[i], values[i + 1]) for i in range(0, len(values), 2)]


def etbench_spans(answer: str) -> list[tuple[float, float]] | None:
    """The spans ``tvg_format`` reads, or ``None`` (the sample failed)."""
    text = answer.lower()
    kept = [s for s in _SENTENCES.split(text) if any(k in s for k in _KEYWORDS)]
    pairs = [(_float(a), _float(b)) for a, b in _DASH.findall(text)]
    if not pairs:
        pairs = [(_float(a), _float(b)) for a, b in _TO.findall(text)]
    if not pairs:
        firsts = [_NUMBER.findall(s) for s in kept]
        pairs = _paired([float(found[0]) for found in firsts if found])
    if not pairs:
        clocks = []
        for sentence in kept:
            found = _CLOCK.findall(sentence)
            if found:
                h, m, s = (int(v) for v in found[0][0].split(":"))
                clocks.append(float(h * 3600 + m * 60 + s))
        pairs = _paired(clocks)
    spans = [(a, b) if b > a else (b, a) for a, b in pairs]
    return spans or None


def vhd_time(answer: str) -> float | None:
    """VHD: the first signed integer or decimal anywhere in the answer (as written)."""
    found = _SIGNED.search(answer)
    return float(found.group(0)) if found else None
