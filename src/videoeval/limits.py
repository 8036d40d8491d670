"""The most work one number or one file may ask for. A typo (``--nframes 1000000000``) or a
hostile file must end with a clear refusal, not hours of decoding or gigabytes of memory. Each
limit is read when it is checked and can be raised by its environment variable."""

from __future__ import annotations

import os

from videoeval.errors import UsageError

LIMITS: dict[str, tuple[str, int, str]] = {
    "frames": ("VIDEOEVAL_MAX_FRAMES", 1024, "frames per request (--nframes, --max-frames, a "
               "preset's, --judge-frames, --audit-frames)"),
    "frame_pixels": ("VIDEOEVAL_MAX_FRAME_PIXELS", 3840 * 2160, "pixels of a decoded frame when "
                     "no pixel budget is given (larger frames are scaled down to it, noted)"),
    "bootstrap": ("VIDEOEVAL_MAX_BOOTSTRAP", 100_000, "bootstrap resamples (--bootstrap)"),
    "answer_chars": ("VIDEOEVAL_MAX_ANSWER_CHARS", 100_000, "characters of one model answer "
                     "kept and parsed (a longer one is answer_too_long)"),
    "input_mb": ("VIDEOEVAL_MAX_INPUT_MB", 256, "megabytes of one annotation or prediction file"),
}  # fmt: skip


def limit(name: str) -> int:
    variable, default, _ = LIMITS[name]
    value = os.environ.get(variable)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise UsageError(f"{variable}={value!r} is not a whole number") from None
    if number < 1:
        raise UsageError(f"{variable}={value!r} must be at least 1")
    return number


def check(name: str, value: int | float | None, what: str) -> None:
    """Refuse ``value`` above the limit ``name``, saying how to raise it."""
    if value is None:
        return
    bound = limit(name)
    if value > bound:
        variable = LIMITS[name][0]
        raise UsageError(f"{what} {value:g} is more than the limit of {bound:,} (set "
                         f"{variable} to raise it)")  # fmt: skip
