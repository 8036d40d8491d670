"""The one event loop at the edge: every public entry is ``async`` inside, and its sync
wrapper runs it here. Called from a running loop (a notebook cell, an async service), the
coroutine runs on a worker thread with a loop of its own instead of failing."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _run(coroutine)
    with ThreadPoolExecutor(1, thread_name_prefix="videoeval") as pool:
        return pool.submit(_run, coroutine).result()


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` with the result handed back outside the task: Python 3.11's runner
    formats ``repr(task)`` while restoring the SIGINT handler, and a task's repr includes its
    result (a scored report with a row per sample: most of a second at 100k rows)."""
    held: list[T] = []

    async def main() -> None:
        held.append(await coroutine)

    asyncio.run(main())
    return held[0]
