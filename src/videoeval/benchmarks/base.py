"""What every benchmark module declares, and the shared helpers its loader uses."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from videoeval import jsonio
from videoeval.errors import InputError, UsageError
from videoeval.schema import CaptionSample, GroundingSample, Span

VIDEO_SUFFIXES = (".mp4", ".mkv", ".webm", ".avi", ".mov", ".m4v")


@dataclass
class LoadResult:
    """Samples read from an annotation file, plus what had to be skipped and why."""

    samples: list[Any]
    """``GroundingSample`` for grounding benchmarks, ``CaptionSample`` for captioning ones."""
    skipped: list[str] = field(default_factory=list)


Loader = Callable[[Path], LoadResult]
TaskKind = str
"""A task's name (``protocols/tasks.py``): grounding, captioning, dense_captioning, audit."""


@dataclass(frozen=True)
class View:
    """One way to evaluate a benchmark: the task, how to read its annotations for that task,
    the protocol used when none is named, and the prompt ``run`` asks with."""

    task: TaskKind
    load: Loader
    default_protocol: str
    annotation_hint: str
    prompt: str | None = None
    """Packaged prompt file for ``run`` (``None``: this view is scored, not run)."""
    prompt_field: str | None = None
    """Each sample asks its own question, from this field of the benchmark file (E.T. Bench's
    ``q``): ``run`` sends it as the prompt."""
    annotations_in_predictions: bool = False
    """The prediction file carries the GT (E.T. Bench): no ``--annotations`` needed."""
    offline_protocol: str | None = None
    """The protocol used when the default one needs a judge and none is given."""


@dataclass(frozen=True)
class Benchmark:
    """A benchmark: its id, its views (the first is the default) and its own facts."""

    id: str
    title: str
    views: tuple[View, ...]
    facts: dict[str, Any] = field(default_factory=dict)
    """Benchmark-specific constants read by protocols (VideoMind's rounding unit, AutoDQ's
    aspects); nothing outside a benchmark module branches on a benchmark id."""
    notes: str = ""

    @property
    def default_view(self) -> View:
        return self.views[0]

    @property
    def task(self) -> TaskKind:
        return self.default_view.task

    @property
    def load(self) -> Loader:
        return self.default_view.load

    @property
    def default_protocol(self) -> str:
        return self.default_view.default_protocol

    @property
    def annotation_hint(self) -> str:
        return self.default_view.annotation_hint

    @property
    def tasks(self) -> tuple[TaskKind, ...]:
        return tuple(v.task for v in self.views)

    def view(self, task: str) -> View:
        for view in self.views:
            if view.task == task:
                return view
        raise UsageError(f"{self.id} has no {task} view; its views: {', '.join(self.tasks)}")


def strip_video_suffix(video_id: str) -> str:
    """``3MSZA.mp4`` and ``3MSZA`` name the same video."""
    dot = video_id.rfind(".")
    if dot > 0 and video_id[dot:].lower() in VIDEO_SUFFIXES:
        return video_id[:dot]
    return video_id


def read_text(path: Path) -> str:
    """A UTF-8 text file (a byte-order mark at its start dropped: some editors write one, and
    it would spoil the first JSON line or CSV header), or an :class:`InputError` that names it
    and says what is wrong."""
    from videoeval.limits import limit

    try:
        size = path.stat().st_size
    except OSError:
        size = 0  # not there or not a file: the read below says which
    if size > limit("input_mb") * 2**20:
        raise InputError(
            path, f"is {size / 2**20:,.0f} MB, more than the limit of {limit('input_mb'):,} MB "
            "(set VIDEOEVAL_MAX_INPUT_MB to raise it)",
        )  # fmt: skip
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except IsADirectoryError:
        raise InputError(path, "is a folder, not a file") from None
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not UTF-8 text ({exc.reason})") from None


def text_lines(text: str) -> list[str]:
    """Lines split at "\\n" only (a trailing "\\r" dropped). ``str.splitlines`` also splits at
    U+0085, U+2028 and other separators that JSON strings carry unescaped, which would cut a
    JSON line in two."""
    return [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]


def entry_problem(exc: Exception) -> str:
    """What was wrong with one annotation entry, from the error its reading raised."""
    return f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)


def read_json(path: Path) -> Any:
    return parse_json(path, read_text(path))


JSON_ERRORS = (ValueError, RecursionError)
"""What ``json.loads`` raises on bad text: a syntax error, an integer past 4300 digits, brackets
nested past the recursion limit."""


def json_problem(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return exc.msg
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return str(exc)[:120]


def parse_json(path: Path, text: str) -> Any:
    try:
        return jsonio.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            path, f"not valid JSON ({exc.msg}, column {exc.colno})", exc.lineno
        ) from None
    except JSON_ERRORS as exc:
        raise InputError(path, f"not valid JSON ({json_problem(exc)})") from None


def iter_jsonl(path: Path, skipped: list[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line_number, object)``; malformed lines are noted in ``skipped``, not fatal."""
    for number, line in enumerate(text_lines(read_text(path)), start=1):
        if not line.strip():
            continue
        try:
            obj = jsonio.loads(line)
        except JSON_ERRORS as exc:
            skipped.append(f"{path}:{number}: not valid JSON ({json_problem(exc)})")
            continue
        if not isinstance(obj, dict):
            skipped.append(f"{path}:{number}: expected a JSON object, got {type(obj).__name__}")
            continue
        yield number, obj


def as_window(value: Any) -> Span:
    """A GT window ``[start, end]`` as floats; raises ValueError with the reason."""
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ValueError(f"a window must be [start, end], got {value!r}")
    start, end = float(value[0]), float(value[1])
    if not (math.isfinite(start) and math.isfinite(end)):
        raise ValueError(f"window {value!r} is not finite")
    return (start, end)


def as_duration(value: Any) -> float | None:
    if value is None:
        return None
    duration = float(value)
    if not math.isfinite(duration) or duration < 0:
        raise ValueError(f"duration {value!r} is not a finite non-negative number")
    return duration


def finish(
    path: Path,
    samples: list[GroundingSample] | list[CaptionSample],
    skipped: list[str],
    expected: str,
) -> LoadResult:
    if not samples:
        detail = f" ({len(skipped)} entries skipped; first: {skipped[0]})" if skipped else ""
        raise InputError(path, f"no usable samples; expected {expected}{detail}")
    return LoadResult(samples=samples, skipped=skipped)


def annotation_digest(path: Path) -> str:
    """SHA-256 of an annotation file; of a folder of them (VideoHallucer, TOMATO, MVBench,
    Vinoground), over the name and bytes of each annotation file directly in it (.json, .jsonl,
    .csv: what the loaders read, not the videos or outputs kept beside), in name order. Raises
    OSError."""
    import hashlib

    if not path.is_dir():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    digest = hashlib.sha256()
    kept = (".json", ".jsonl", ".csv")
    for file in sorted(p for p in path.iterdir() if p.is_file() and p.suffix in kept):
        digest.update(file.name.encode() + b"\0")
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def nonempty(result: LoadResult, path: Path, what: str) -> LoadResult:
    """``result``, or an :class:`InputError` saying the file holds no ``what`` (with the first
    entry that could not be read, if any)."""
    if not result.samples:
        first = f": {result.skipped[0]}" if result.skipped else ""
        raise InputError(path, f"holds no {what}{first}")
    return result


OPTION_LETTERS = "ABCDEFG"
"""Options lettered by their position (TOMATO has up to 7)."""


def annotation_files(path: Path, keep: Callable[[Path], bool], holds: str) -> list[Path]:
    """``[path]`` for a file; for a folder, its ``.json`` files that ``keep`` accepts, in name
    order (an :class:`InputError` naming what it should hold when there is none)."""
    if not path.is_dir():
        return [path]
    files = sorted(p for p in path.glob("*.json") if keep(p))
    if not files:
        raise InputError(path, f"holds none of {holds}")
    return files


def load_each(
    files: list[Path], load_one: Callable[[Path, LoadResult], None], path: Path, what: str
) -> LoadResult:
    """``load_one`` of every file into one result, refused when it holds no ``what``."""
    result = LoadResult(samples=[])
    for file in files:
        load_one(file, result)
    return nonempty(result, path, what)
