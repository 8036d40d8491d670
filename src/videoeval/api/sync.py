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
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(1, thread_name_prefix="videoeval") as pool:
        return pool.submit(asyncio.run, coroutine).result()
