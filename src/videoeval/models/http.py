"""Shared HTTP plumbing: one pooled async client per backend, errors classified for retrying."""

from __future__ import annotations

import email.utils
import math
import os
import time
from typing import Any

import httpx

from videoeval.models.base import ModelError

RETRYABLE_STATUS = {408, 409, 425, 429, 500, 502, 503, 504, 529}


def retry_after_seconds(response: httpx.Response) -> float | None:
    """``Retry-After`` as seconds, whether given as a number or an HTTP date."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


CONNECTIONS_PER_POOL = 8


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

    async def post(self, url: str, body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
        index = min(range(len(self._clients)), key=self._in_flight.__getitem__)
        self._in_flight[index] += 1
        try:
            return await self._clients[index].post(url, json=body, headers=headers)
        finally:
            self._in_flight[index] -= 1

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


async def post_json(
    client: ClientPool, url: str, body: dict[str, Any], headers: dict[str, str]
) -> dict[str, Any]:
    try:
        response = await client.post(url, body, headers)
    except httpx.TimeoutException as exc:
        raise ModelError(
            f"timed out after {client.timeout}s ({type(exc).__name__})", True
        ) from None
    except httpx.TransportError as exc:
        raise ModelError(f"connection failed: {type(exc).__name__}: {exc}", True) from None
    if response.status_code >= 400:
        snippet = response.text[:300].replace("\n", " ")
        raise ModelError(
            f"HTTP {response.status_code}: {snippet}",
            retryable=response.status_code in RETRYABLE_STATUS,
            status=response.status_code,
            retry_after=retry_after_seconds(response),
        )
    try:
        data = response.json()
    except ValueError:
        raise ModelError(
            f"the server answered {response.status_code} with something that is not JSON: "
            f"{response.text[:200]!r}",
            retryable=True,
        ) from None
    if not isinstance(data, dict):
        raise ModelError(f"expected a JSON object, got {type(data).__name__}", retryable=True)
    return data
