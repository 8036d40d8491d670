"""Shared HTTP plumbing: one pooled async client per backend, errors classified for retrying."""

from __future__ import annotations

import email.utils
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


def make_client(timeout: float, concurrency: int) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    return httpx.AsyncClient(timeout=httpx.Timeout(timeout), limits=limits)


async def post_json(
    client: httpx.AsyncClient, url: str, body: dict[str, Any], headers: dict[str, str]
) -> dict[str, Any]:
    try:
        response = await client.post(url, json=body, headers=headers)
    except httpx.TimeoutException as exc:
        raise ModelError(
            f"timed out after {client.timeout.read}s ({type(exc).__name__})", True
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
