"""``videoeval data check``: is this annotation file the benchmark's published test set? Its
checksum against the copies the loaders and parity tests were validated on, and each view's
sample count against the count the benchmark's paper or scorer reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from videoeval.benchmarks import get_benchmark
from videoeval.benchmarks.base import annotation_digest
from videoeval.errors import InputError, UsageError


@dataclass
class ViewCount:
    task: str
    samples: int | None
    skipped: int
    published: tuple[int, ...]
    problem: str | None = None

    @property
    def matches(self) -> bool | None:
        if not self.published or self.samples is None:
            return None
        return self.samples in self.published


@dataclass
class DataCheck:
    benchmark: str
    file: str
    sha256: str
    known_as: str | None
    views: list[ViewCount] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """A validated copy, or every view that has a published count matches it."""
        if self.known_as is not None:
            return True
        counted = [v.matches for v in self.views if v.matches is not None]
        return bool(counted) and all(counted)


def check_file(benchmark_id: str, path: Path, task: str | None = None) -> DataCheck:
    try:
        benchmark = get_benchmark(benchmark_id)
    except KeyError as exc:
        raise UsageError(str(exc.args[0])) from None
    try:
        digest = annotation_digest(path)
    except OSError as exc:
        raise InputError(path, f"cannot be read ({exc.strerror or exc})") from None
    known = {f["sha256"]: f["copy"] for f in benchmark.facts.get("known_files", [])}
    result = DataCheck(benchmark.id, path.name, digest, known.get(digest))
    published = benchmark.facts.get("published_samples", {})
    views = [benchmark.view(task)] if task else list(benchmark.views)
    for view in views:
        counts = tuple(published.get(view.task, ()))
        try:
            loaded = view.load(path)
        except InputError as exc:
            result.views.append(ViewCount(view.task, None, 0, counts, str(exc)))
            continue
        result.views.append(ViewCount(view.task, len(loaded.samples), len(loaded.skipped), counts))
    return result
