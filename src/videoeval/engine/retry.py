"""Retries with exponential backoff and full jitter, honouring the server's Retry-After."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from videoeval.models.base import ModelError

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    base_delay: float = 1.0
    max_delay: float = 60.0

    def delay(self, attempt: int, error: ModelError, rng: random.Random) -> float:
        backoff = rng.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))
        if error.retry_after is not None:
            return min(self.max_delay, max(error.retry_after, backoff))
        return backoff


async def with_retries(
    call: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    rng: random.Random | None = None,
    on_retry: Callable[[int, ModelError, float], None] | None = None,
) -> tuple[T, int]:
    """``(result, attempts used)``; the last error is raised when every attempt failed or an
    error is not worth retrying."""
    rng = rng or random.Random()
    for attempt in range(policy.attempts):
        try:
            return await call(), attempt + 1
        except ModelError as error:
            if not error.retryable or attempt == policy.attempts - 1:
                raise
            wait = policy.delay(attempt, error, rng)
            if on_retry:
                on_retry(attempt + 1, error, wait)
            await asyncio.sleep(wait)
    raise AssertionError("unreachable")
