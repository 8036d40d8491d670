"""Tarsier2's event-grounded captions: ``<frame: i-j> sentence <frame: k-l> sentence ...``, where
``i-j`` are 1-based positions in the clip's sampled frame list (Tarsier2 report, Figure 4: "the
following event is inferred from frames i to j").

Frame positions become seconds through the recorded frame list: an event over frames ``i..j``
covers ``[time of frame i, time of frame j + 1)``, the next sampled frame's time (the video's
end after the last frame), so a one-frame event still has a length. Writing goes the other way:
an event ``[start, end)`` names the sampled frames whose times fall inside it (the nearest frame
when none does).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

MARK = re.compile(r"<\s*frame\s*:\s*(\d+)\s*-\s*(\d+)\s*>", re.IGNORECASE)


def parse_frame_grounded(text: str) -> list[tuple[int, int, str]]:
    """``(i, j, sentence)`` per marker, in order; text before the first marker is not an event.
    A marker with ``i > j`` or ``i < 1`` raises ``ValueError``."""
    marks = list(MARK.finditer(text))
    events = []
    for n, mark in enumerate(marks):
        first, last = int(mark.group(1)), int(mark.group(2))
        if first < 1 or last < first:
            raise ValueError(f"bad frame range <frame: {first}-{last}>")
        end = marks[n + 1].start() if n + 1 < len(marks) else len(text)
        events.append((first, last, text[mark.end() : end].strip()))
    return events


def frames_to_seconds(
    events: Sequence[tuple[int, int, str]], times: Sequence[float], duration: float
) -> list[tuple[float, float, str]]:
    """Frame ranges as time spans over the sampled frames' ``times`` (seconds)."""
    out = []
    for first, last, sentence in events:
        if last > len(times):
            raise ValueError(f"<frame: {first}-{last}> names frame {last} of {len(times)}")
        end = times[last] if last < len(times) else duration
        out.append((float(times[first - 1]), float(max(end, times[last - 1])), sentence))
    return out


def seconds_to_frames(
    events: Sequence[tuple[float, float, str]], times: Sequence[float]
) -> list[tuple[int, int, str]]:
    """Time spans as 1-based frame ranges of the sampled frames' ``times``."""
    out = []
    for start, end, sentence in events:
        inside = [k for k, t in enumerate(times) if start - 1e-9 <= t < end - 1e-9]
        if not inside:
            k = bisect.bisect_left(list(times), start)
            nearest = min((c for c in (k - 1, k) if 0 <= c < len(times)),
                          key=lambda c: abs(times[c] - start))  # fmt: skip
            inside = [nearest]
        out.append((inside[0] + 1, inside[-1] + 1, sentence))
    return out


def write_frame_grounded(events: Sequence[tuple[int, int, str]]) -> str:
    return " ".join(f"<frame: {first}-{last}> {sentence}" for first, last, sentence in events)
