"""The sync entry hands back the coroutine's result without formatting it."""

from __future__ import annotations

import asyncio

from videoeval.api.sync import run_sync


class Loud:
    """A result that counts its reprs: Python 3.11's asyncio runner formats the main task
    (and so its result) when it restores the SIGINT handler, inside a try that swallows any
    error; a scored report with a row per sample took most of a second at 100k rows there."""

    formatted = 0

    def __repr__(self) -> str:
        Loud.formatted += 1
        return "Loud()"


async def answer() -> Loud:
    await asyncio.sleep(0)
    return Loud()


def test_result_is_not_formatted() -> None:
    Loud.formatted = 0
    assert isinstance(run_sync(answer()), Loud)
    assert Loud.formatted == 0


def test_inside_a_running_loop() -> None:
    async def outer() -> Loud:
        return run_sync(answer())

    assert isinstance(asyncio.run(outer()), Loud)
