"""One place that turns a backend name and its settings into a :class:`Model`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from videoeval.errors import UsageError
from videoeval.models.base import Model

BACKENDS = ("openai", "gemini", "hf")


def make_model(
    backend: str,
    model: str,
    base_url: str | None,
    api_key_env: str | None,
    timeout: float,
    concurrency: int,
    key_by_server: bool = False,
    local: dict[str, Any] | None = None,
    revision: str | None = None,
) -> Model:
    """A model client; the API key is read from the environment variable ``api_key_env``.
    ``local``: the hf backend's options (devices, dtype, attn_implementation, batch_size).
    ``revision`` names this checkpoint of ``model`` (part of every cache key)."""
    if backend == "openai":
        from videoeval.models.openai_compatible import OpenAICompatible

        if not base_url:
            raise UsageError("--base-url is needed for an OpenAI-compatible server")
        return OpenAICompatible(
            model, base_url, api_key_env, timeout, concurrency, key_by_server, revision
        )
    if backend == "gemini":
        from videoeval.models.gemini import Gemini

        key = api_key_env or "GEMINI_API_KEY"
        return Gemini(model, base_url, key, timeout, concurrency, key_by_server, revision)
    if backend == "hf":
        from videoeval.models.hf_local import HFLocal, parse_devices

        options = dict(local or {})
        options["devices"] = parse_devices(options.get("devices"))
        return HFLocal(model, revision=revision, **options)
    raise UsageError(f"--backend takes one of {', '.join(BACKENDS)}, not {backend!r}")


def cache_root(cache_dir: Path | None) -> Path:
    """The cache folder: the one given, else $VIDEOEVAL_CACHE, else ~/.cache/videoeval."""
    if cache_dir is not None:
        return cache_dir
    return Path(os.environ.get("VIDEOEVAL_CACHE") or Path.home() / ".cache" / "videoeval")
