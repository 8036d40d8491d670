"""Shared HTTP plumbing: one pooled async client per backend, errors classified for retrying."""

from __future__ import annotations

import asyncio
import email.utils
import json
import math
import os
import threading
import time
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import httpx

from videoeval.models.base import ModelError

RETRYABLE_STATUS = {408, 409, 425, 429, 500, 502, 503, 504, 529}


def retry_after_seconds(response: httpx.Response) -> float | None:
    """``Retry-After`` as seconds, whether given as a number or an HTTP date."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None  # "soon-ish": no wish the engine can read; its own backoff applies
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None
    return max(0.0, seconds) if math.isfinite(seconds) else None


CONNECTIONS_PER_POOL = 8
MAX_RESPONSE_BYTES = 32 * 1024 * 1024
"""A model's reply is a few kilobytes; a server streaming more is broken or hostile."""


class TooLarge(Exception):
    pass


class ClientPool:
    """Several small httpx clients instead of one large one.

    httpcore matches queued requests to connections in time that grows with both, which at 64
    connections costs more CPU than the requests themselves (see bench/throughput.py). Each
    request goes to the client with the fewest requests in flight.
    """

    def __init__(self, timeout: float, concurrency: int) -> None:
        count = max(1, math.ceil(concurrency / CONNECTIONS_PER_POOL))
        per = math.ceil(concurrency / count)
        limits = httpx.Limits(max_connections=per, max_keepalive_connections=per)
        self.timeout = timeout
        self._clients = [
            httpx.AsyncClient(timeout=httpx.Timeout(timeout), limits=limits) for _ in range(count)
        ]
        self._in_flight = [0] * count

    async def get(self, url: str, headers: dict[str, str]) -> httpx.Response:
        return await self._clients[0].get(url, headers=headers)

    async def post(self, url: str, body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
        """POST within one total deadline (httpx's timeout restarts with every byte, so a
        server dripping bytes would hold a request forever), reading at most
        ``MAX_RESPONSE_BYTES`` of the reply."""
        index = min(range(len(self._clients)), key=self._in_flight.__getitem__)
        self._in_flight[index] += 1
        try:
            return await asyncio.wait_for(self._post(index, url, body, headers), self.timeout)
        finally:
            self._in_flight[index] -= 1

    async def _post(
        self, index: int, url: str, body: dict[str, Any], headers: dict[str, str]
    ) -> httpx.Response:
        client = self._clients[index]
        async with client.stream("POST", url, json=body, headers=headers) as response:
            size, chunks = 0, []
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > MAX_RESPONSE_BYTES:
                    raise TooLarge
                chunks.append(chunk)
        return httpx.Response(
            response.status_code, headers=response.headers, content=b"".join(chunks),
            request=response.request,
        )  # fmt: skip

    async def aclose(self) -> None:
        for client in self._clients:
            await client.aclose()


def make_client(timeout: float, concurrency: int) -> ClientPool:
    return ClientPool(timeout, concurrency)


def check_key_variable(name: str | None) -> None:
    """Fail at start-up, not at the first call, when the named key variable is empty. The key
    itself is read at call time and never stored on the model object."""
    if name and not os.environ.get(name):
        raise ValueError(f"environment variable {name} is not set (it should hold the key)")


def redact(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` with every secret (an API key a server echoes back) replaced."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[redacted]")
    return text


def model_identity(
    backend: str, model: str, base_url: str, key_by_server: bool, revision: str | None = None
) -> dict[str, str]:
    """Backend and model (and the revision the user named): what decides the answers. The
    server's address is left out (moving a server to another port must not re-ask every cached
    call) unless ``key_by_server``. A retrained checkpoint served again under the same name is
    told apart only by its ``revision``: the server's model list cannot say (see ``served``)."""
    identity = {"backend": backend, "model": model}
    if revision:
        identity["revision"] = revision
    if key_by_server:
        identity["base_url"] = safe_url(base_url)
    return identity


def safe_url(url: str) -> str:
    """``url`` without credentials: user:password@ and key/token query values are dropped, so
    that nothing secret reaches run.json, metrics.json or a cache key."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    query = "&".join(
        f"{name}=[redacted]"
        if name.lower() in ("key", "api_key", "apikey", "token")
        else f"{name}={value}"
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


async def post_json(
    client: ClientPool,
    url: str,
    body: dict[str, Any],
    headers: dict[str, str],
    secrets: tuple[str, ...] = (),
) -> dict[str, Any]:
    try:
        response = await client.post(url, body, headers)
    except TimeoutError:
        raise ModelError(
            f"timed out: no complete reply within {client.timeout}s (the total deadline)", True
        ) from None
    except TooLarge:
        raise ModelError(
            f"the reply is larger than {MAX_RESPONSE_BYTES // 2**20} MB: not read", False
        ) from None
    except httpx.ConnectTimeout as exc:
        raise ModelError(
            f"could not connect within {client.timeout}s ({type(exc).__name__})", True,
            unreachable=True,
        ) from None  # fmt: skip
    except httpx.TimeoutException as exc:
        raise ModelError(
            f"timed out after {client.timeout}s ({type(exc).__name__})", True
        ) from None
    except httpx.ConnectError as exc:
        message = redact(f"connection failed: {type(exc).__name__}: {exc}", secrets)
        raise ModelError(message, True, unreachable=True) from None
    except httpx.TransportError as exc:
        message = redact(f"connection failed: {type(exc).__name__}: {exc}", secrets)
        raise ModelError(message, True) from None
    if response.status_code >= 400:
        snippet = redact(response.text[:300].replace("\n", " "), secrets)
        raise ModelError(
            f"HTTP {response.status_code}: {snippet}",
            retryable=response.status_code in RETRYABLE_STATUS,
            status=response.status_code,
            retry_after=retry_after_seconds(response),
            unreachable=response.status_code in (401, 403, 404),
        )
    try:
        data = response.json()
    except ValueError:
        raise ModelError(
            f"the server answered {response.status_code} with something that is not JSON: "
            f"{redact(response.text[:200], secrets)!r}",
            retryable=True,
        ) from None
    if not isinstance(data, dict):
        raise ModelError(f"expected a JSON object, got {type(data).__name__}", retryable=True)
    return data


CHECK_MAX_BYTES = 8 * 1024 * 1024
"""A model list is kilobytes; a larger one is not read."""
CHECK_DEADLINE = 30.0
"""The pre-run check's total deadline at most (a shorter request --timeout applies)."""


def check_endpoint(
    url: str, headers: dict[str, str], secrets: tuple[str, ...], deadline: float = CHECK_DEADLINE
) -> tuple[int, Any]:
    """``(status, JSON body or None)`` of a GET, for the pre-run check, within one total
    ``deadline`` however slowly the server sends, reading at most ``CHECK_MAX_BYTES``; raises
    ``ModelError`` (``unreachable``) when nothing answers in time."""
    outcome: list[Any] = []
    client = httpx.Client(timeout=httpx.Timeout(deadline))
    started = time.monotonic()

    def fetch() -> None:
        try:
            with client.stream("GET", url, headers=headers) as response:
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > CHECK_MAX_BYTES:
                        outcome.append((response.status_code, None))
                        return
                    if time.monotonic() - started > deadline:
                        raise httpx.ReadTimeout("the total deadline passed")
                    chunks.append(chunk)
                outcome.append((response.status_code, _json_or_none(b"".join(chunks))))
        except (httpx.HTTPError, OSError, ValueError) as exc:
            outcome.append(exc)

    worker = threading.Thread(target=fetch, name="server-check", daemon=True)
    worker.start()
    worker.join(deadline + 1.0)
    if worker.is_alive():  # the headers themselves dripped: stop waiting, close the socket
        client.close()
        raise ModelError(
            f"{safe_url(url)} did not answer within {deadline:g}s (the check's total deadline)",
            False, unreachable=True,
        )  # fmt: skip
    client.close()
    result = outcome[0] if outcome else ModelError("no answer", False, unreachable=True)
    if isinstance(result, Exception):
        message = redact(
            f"cannot reach {safe_url(url)}: {type(result).__name__}: {result}", secrets
        )
        raise ModelError(message, False, unreachable=True)
    return result


def _json_or_none(data: bytes) -> Any:
    try:
        return json.loads(data)
    except (ValueError, RecursionError):  # not JSON, an integer past 4300 digits, nested deeply
        return None
