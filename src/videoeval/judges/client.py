"""A judge is a model like any other: same interface, same cache, same retries. On top, this
asks again (with a new cache key) when a reply breaks the expected schema."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

from videoeval.engine.cache import CallCache
from videoeval.engine.cached_model import CachedModel
from videoeval.engine.retry import RetryPolicy
from videoeval.judges.replies import Reader, ReplyError, TextReader, parse_dict
from videoeval.models.base import (
    GenerationSettings,
    Model,
    ModelError,
    ModelRequest,
    VideoFrames,
)

T = TypeVar("T")
Read = Callable[[dict[str, Any]], T] | TextReader[T]


def _parse(read: Any, text: str) -> Any:
    """The reply as its reader takes it: the text itself, or the dictionary in it."""
    return text if isinstance(read, TextReader) else parse_dict(text)


class JudgeFailure(Exception):
    """Every attempt failed: the server kept erring, or every reply broke the schema."""


class _SchemaRefused(Exception):
    """The server rejected a request for its response schema."""


_SCHEMA_WORDS = re.compile(r"response_format|json_schema|schema|guided|structured|mime", re.I)


def _refuses_schema(error: ModelError) -> bool:
    """A 400/422 that names the structured-output request (not, say, a too-long prompt)."""
    return error.status in (400, 422) and bool(_SCHEMA_WORDS.search(str(error)))


@dataclass(frozen=True)
class JudgeAnswer(Generic[T]):
    value: T
    cache_key: str
    attempts: int
    cached: bool


@dataclass
class JudgeStats:
    calls: int = 0
    cached: int = 0
    schema_retries: int = 0
    failures: int = 0
    served: set[str] = field(default_factory=set)
    """Model versions the server said answered (its reply's ``model``), which may be more
    precise than the name asked for."""


class JudgeClient:
    """Structured asking on top of :class:`CachedModel`: a reply that breaks the schema is
    asked again under a new cache key."""

    def __init__(
        self,
        model: Model,
        cache: CallCache,
        settings: GenerationSettings,
        retry: RetryPolicy | None = None,
        schema_attempts: int = 3,
        concurrency: int = 32,
        seed: int = 0,
        structured: bool = True,
    ) -> None:
        self.model = model
        self.cache = cache
        self.settings = settings
        self.schema_attempts = schema_attempts
        self.structured = structured
        """Ask the server to follow the reader's JSON schema (off: replies are only repaired);
        switched off for the rest of the run when the server refuses schemas."""
        self.structured_refused: str | None = None
        self.identity = model.identity()
        self.stats = JudgeStats()
        self.calls = CachedModel(model, cache, retry, random.Random(seed), concurrency)

    async def ask(
        self,
        prompt: str,
        read: Read[T],
        salt: str = "",
        video: VideoFrames | None = None,
        settings: GenerationSettings | None = None,
        system: str | None = None,
    ) -> JudgeAnswer[T]:
        """``read`` turns the reply's dictionary into a value or raises ``ReplyError``;
        ``video`` makes it a judge that sees the frames; ``settings`` replace the client's for
        this question (an audit run's own seed); ``system`` is the system message the
        reference's judge was given. A :class:`TextReader` reads the reply's text as it is. A
        reader with a schema asks the server to follow it (structured output); a server that
        refuses schemas is asked without."""
        schema = read.schema if self.structured and isinstance(read, Reader) else None
        request = ModelRequest(prompt, video, system, settings=settings or self.settings,
                               response_schema=schema)  # fmt: skip
        try:
            return await self._ask(request, read, salt)
        except _SchemaRefused as refused:
            self.structured = False
            self.structured_refused = str(refused)
            return await self.ask(prompt, read, salt, video, settings, system)

    def structured_output(self) -> str:
        """What metrics.json says of structured output."""
        if self.structured_refused:
            return f"refused by the server ({self.structured_refused}); replies repaired"
        return "json_schema (the server follows the reply's schema)" if self.structured else "off"

    async def _ask(self, request: ModelRequest, read: Read[T], salt: str) -> JudgeAnswer[T]:
        problems = []

        def valid(response: Any) -> bool:
            try:
                read(_parse(read, response.text))
            except ReplyError:
                return False
            return True

        salts = [
            f"{salt}|try{attempt}" if attempt else salt for attempt in range(self.schema_attempts)
        ]
        # A valid reply of an earlier scoring, whichever attempt gave it, asked with the schema
        # or (an earlier version, or a server that refused schemas) without: re-scoring asks
        # nothing.
        earlier = [request]
        if request.response_schema is not None:
            earlier.append(replace(request, response_schema=None))
        for asked in [] if self.calls.refresh else earlier:
            for attempt, attempt_salt in enumerate(salts):
                key = self.calls.key(asked, attempt_salt)
                stored = self.cache.get(key)
                if stored is not None and valid(stored):
                    self.stats.cached += 1
                    if stored.model:
                        self.stats.served.add(stored.model)
                    return JudgeAnswer(read(_parse(read, stored.text)), key, attempt + 1, True)
        for attempt in range(self.schema_attempts):
            try:
                result = await self.calls.generate(request, salts[attempt], valid=valid)
            except ModelError as exc:
                if request.response_schema is not None and _refuses_schema(exc):
                    raise _SchemaRefused(str(exc)[:160]) from None
                self.stats.failures += 1
                raise JudgeFailure(f"judge call failed: {exc}") from None
            if result.cached:
                self.stats.cached += 1
            else:
                self.stats.calls += 1
            if result.response.model:
                self.stats.served.add(result.response.model)
            try:
                value = read(_parse(read, result.response.text))
                return JudgeAnswer(value, result.key, attempt + 1, result.cached)
            except ReplyError as exc:
                problems.append(str(exc))
                self.stats.schema_retries += 1
        self.stats.failures += 1
        raise JudgeFailure(f"{self.schema_attempts} replies broke the schema; last: {problems[-1]}")
