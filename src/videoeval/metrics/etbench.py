"""E.T. Bench dense video captioning (DVC) and step localisation and captioning (SLC), as its
``evaluation/compute_metrics.py`` scores them (PolyU-ChenLab/ETBench; the script ships with the
dataset, copies read by content).

Answers are parsed (``parse_answer``) into timed captions; a sample whose answer gives no time is
Failed and leaves both the GT and the predictions. Per (task, source): precision and recall at
tIoU 0.1/0.3/0.5/0.7 (strict ``>``, densevid's tIoU) averaged over the parsed videos, both
multiplied by ``scale`` = parsed videos / samples before F1; F1 = mean over thresholds. Sim: every
prediction paired with each GT caption it overlaps (``>=``) or with a random 10-20 letter string,
both PTB-tokenised, cosine similarity of all-MiniLM-L6-v2 embeddings, mean per video, over parsed
videos, over thresholds; Sim is not scaled. Tasks average their sources.
"""

from __future__ import annotations

import re

from videoeval.parsing.numbers import NUMBER_DOTS

THRESHOLDS = (0.1, 0.3, 0.5, 0.7)
_RANGE = re.compile(rf"({NUMBER_DOTS})\s*-\s*(\d+\.*\d*)")
_RANGE_TEXT = re.compile(rf"({NUMBER_DOTS}\s*-\s*\d+\.*\d*)")
_START = re.compile(
    r"(?:start(?:ing)? time: (\d+\.*\d*)(?:s| seconds)?)", re.DOTALL | re.IGNORECASE
)
_END = re.compile(r"(?:end(?:ing)? time: (\d+\.*\d*)(?:s| seconds)?)", re.DOTALL | re.IGNORECASE)
_START_END = re.compile(rf"start time ({NUMBER_DOTS}), end time (\d+\.*\d*)")
_CLOCK = re.compile(rf"{NUMBER_DOTS}:\d+\.*\d*")
_NUMBER = re.compile(r"\d+\.*\d*(?!\.)")
RADIUS = 20


class _Failed(Exception):
    pass


def _from_paragraph(text: str) -> tuple[list[list[float]], list[str]]:
    paragraph = text.lower()
    times: list[list[float]] = []
    captions: list[str] = []
    found = _RANGE.findall(paragraph)
    if found:
        times = [[float(s), float(e)] for s, e in found]
        rest = paragraph
        # Replaces inside longer numbers too, as the script; a piece seen before has nothing
        # left to replace ("\n" never forms a new one), so each is replaced once.
        for piece in dict.fromkeys(_RANGE_TEXT.findall(paragraph)):
            rest = rest.replace(piece, "\n")
        captions = rest.replace("seconds", "").split("\n")
    if not times:
        starts, ends = _START.findall(paragraph), _END.findall(paragraph)
        if starts and ends:
            times = [[float(s), float(e)] for s, e in zip(starts, ends, strict=False)]
            captions = re.findall(r"description: (.*)", paragraph) or re.findall(
                r"\*\s*(.*)", paragraph
            )
    if not times and _START_END.findall(paragraph):
        raise _Failed  # the script asserts here: 'start time X, end time Y' always fails
    captions = [c.strip().strip(", ").rstrip() for c in captions if len(c) > 5]
    keep = min(len(times), len(captions))
    return times[:keep], captions[:keep]


def _time_part(part: str) -> list[str]:
    found = _RANGE_TEXT.findall(part)
    if not found:
        if part.count(":") == 1:
            minutes, seconds = _CLOCK.findall(part)[0].split(":")
            t = int(minutes) * 60 + int(seconds)
            found = [f"{t - RADIUS} - {t + RADIUS}" if t > RADIUS else f"{t} - {t + 2 * RADIUS}"]
        elif part.count(":") == 2:
            start, end = _CLOCK.findall(part)
            s = int(start.split(":")[0]) * 60 + int(start.split(":")[1])
            e = int(end.split(":")[0]) * 60 + int(end.split(":")[1])
            found = [f"{s} - {e}"]
    if not found:
        numbers = _NUMBER.findall(part)
        if len(numbers) == 1:
            value = float(numbers[0])
            found = [
                f"{value - RADIUS} - {value + RADIUS}"
                if value > RADIUS
                else f"{value} - {value + 2 * RADIUS}"
            ]
        elif len(numbers) == 2:
            found = [f"{numbers[0]} - {numbers[1]}"]
    return found


def _fallback(answer: str) -> tuple[list[list[float]], list[str]]:
    """Only when nothing else parsed; keeps the first event it can read, as the script does."""
    if "\n" in answer:
        pieces = [c for c in answer.split("\n") if len(c) > 7]
    else:
        pieces = [c + "." for c in answer.split(".") if len(c) > 7]
    for piece in pieces:
        try:
            parts = [p.strip(",") for p in piece.split("seconds")]
            found = _time_part(parts[0])
            if not found:
                continue
            bounds = found[0].split("-")
            start, end = round(float(bounds[0].strip()), 2), round(float(bounds[1].strip()), 2)
            return [[start, end]], [parts[-1].strip()]
        except (ValueError, IndexError):
            continue
    return [], []


def parse_answer(answer: str) -> tuple[list[list[float]], list[str]] | None:
    """Timed captions from a model's answer, or ``None`` when the script would call it Failed.
    An answer longer than ``limits``' answer_chars is not parsed (its pieces are replaced one
    by one over the whole text, as the script does: quadratic in the answer's length)."""
    from videoeval.limits import limit

    if len(answer) > limit("answer_chars"):
        return None
    try:
        times, captions = _from_paragraph(answer)
    except (_Failed, ValueError, IndexError):
        return None
    if not times:
        times, captions = _fallback(answer)
    if not times:
        return None
    return [[min(t), max(t)] for t in times], captions
