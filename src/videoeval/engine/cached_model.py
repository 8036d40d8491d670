"""The one path every model call takes, for the evaluated model and every judge alike: look up
the call cache by content, else ask with retries (backoff, Retry-After), then store the reply."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass

from videoeval.engine.cache import CallCache, call_key
from videoeval.engine.retry import RetryPolicy, with_retries
from videoeval.models.base import Model, ModelError, ModelRequest, ModelResponse


@dataclass(frozen=True)
class CallResult:
    response: ModelResponse
    key: str
    cached: bool
    attempts: int


class CachedModel:
    """A model behind a content-keyed cache and a retry policy; ``concurrency`` (optional) caps
    the calls in flight through this object."""

    def __init__(
        self,
        model: Model,
        cache: CallCache,
        retry: RetryPolicy | None = None,
        rng: random.Random | None = None,
        concurrency: int | None = None,
        refresh: bool = False,
    ) -> None:
        self.model = model
        self.cache = cache
        self.refresh = refresh
        """Ask again whatever the cache holds, and store the new replies over the old."""
        self.retry = retry or RetryPolicy()
        self.rng = rng or random.Random(0)
        self.identity = model.identity()
        self._slots = asyncio.Semaphore(concurrency) if concurrency else None

    def key(self, request: ModelRequest, salt: str = "") -> str:
        return call_key(self.identity, request, salt)

    async def generate(
        self,
        request: ModelRequest,
        salt: str = "",
        on_retry: Callable[[int, ModelError, float], None] | None = None,
        valid: Callable[[ModelResponse], bool] | None = None,
        store: bool = True,
    ) -> CallResult:
        """The reply to ``request`` (from the cache when asked before); raises ``ModelError``
        when every attempt failed. With ``valid``, a reply it rejects is kept as evidence under
        a key of its own, never as the answer: asking again asks the model again. With
        ``store=False`` the caller stores the reply (``store``) once it has logged it."""
        key = self.key(request, salt)
        stored = None if self.refresh else self.cache.get(key)
        if stored is not None:
            return CallResult(stored, key, True, 0)

        async def ask() -> tuple[ModelResponse, int]:
            return await with_retries(
                lambda: self.model.generate(request), self.retry, self.rng, on_retry
            )

        if self._slots is not None:
            async with self._slots:
                response, attempts = await ask()
        else:
            response, attempts = await ask()
        if store:
            stored_as = key if valid is None or valid(response) else f"{key}:invalid"
            await self.store(stored_as, response)
        return CallResult(response, key, False, attempts)

    async def store(self, key: str, response: ModelResponse) -> None:
        # The write waits on SQLite's lock and disk: keep it off the event loop.
        await asyncio.get_running_loop().run_in_executor(None, self.cache.put, key, response)
