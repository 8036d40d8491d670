"""``--subset``: score only the clips a list names (an audit's clean subset, or ids)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from videoeval.errors import UsageError

T = TypeVar("T")


def subset_ids(path: Path, benchmark_id: str) -> set[str]:
    """The ids the subset file lists; a file listing none is an error."""
    from videoeval.scoring.audit_export import read_subset

    ids = read_subset(path, benchmark_id)
    if not ids:
        raise UsageError(f"--subset {path.name} lists no ids")
    return ids


def only_listed(
    path: Path,
    benchmark_id: str,
    items: list[T],
    ids_of: Callable[[T], Iterable[str]],
    keep: set[str],
) -> list[T]:
    """The items with an id in ``keep``; none at all is an error, never an empty score (an
    audit of another benchmark, or ids of another form)."""
    kept = [item for item in items if any(i in keep for i in ids_of(item))]
    if not kept:
        raise UsageError(f"--subset {path.name} names none of the {len(items)} "
                         f"samples of {benchmark_id}")  # fmt: skip
    return kept
