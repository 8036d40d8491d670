"""Progress on stderr: a live bar in a terminal, plain lines elsewhere (a Slurm or nohup log
stays empty with a live bar, which only draws on terminals)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from videoeval.cli.common import err

LINE_EVERY_SECONDS = 15.0


@contextmanager
def progress(label: str, total: int | None) -> Iterator[Callable[[str], None]]:
    """Yields ``advance(note)``: one unit done (``note``: failures so far, say)."""
    if err.is_terminal:
        columns = (
            TextColumn(f"[bold]{label}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[note]}"), TimeRemainingColumn(),
        )  # fmt: skip
        with Progress(*columns, console=err) as bar:
            task = bar.add_task(label, total=total, note="")

            def step_bar(note: str = "") -> None:
                bar.update(task, advance=1, note=note)

            yield step_bar
        return
    started = last = time.monotonic()
    done = 0
    step = max(1, (total or 0) // 20)

    def advance(note: str = "") -> None:
        nonlocal done, last
        done += 1
        now = time.monotonic()
        if done % step and now - last < LINE_EVERY_SECONDS and done != total:
            return
        last = now
        rate = done / max(now - started, 1e-9)
        of = f"/{total}" if total else ""
        err.print(f"{label}: {done}{of} ({rate:.1f}/s) {note}".rstrip(), markup=False,
                  highlight=False, soft_wrap=True)  # fmt: skip

    yield advance
