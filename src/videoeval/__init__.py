"""videoeval: evaluate video language models on what happened and when."""

from typing import Any

__version__ = "0.1.0"
"""The one place the version is written (pyproject.toml reads it from here)."""


def __getattr__(name: str) -> Any:
    # The library API, imported on first use so that `import videoeval` stays light.
    if name in ("score", "ScoreRequest", "ScoreOutcome"):
        from videoeval import api

        return getattr(api, name)
    if name in ("run", "RunRequest", "RunOutcome"):
        from videoeval import api_run

        return getattr(api_run, name)
    if name in ("audit", "AuditRequest", "AuditOutcome"):
        from videoeval import api_audit

        return getattr(api_audit, name)
    raise AttributeError(f"module 'videoeval' has no attribute {name!r}")


__all__ = [
    "AuditOutcome", "AuditRequest", "RunOutcome", "RunRequest", "ScoreOutcome", "ScoreRequest",
    "__version__", "audit", "run", "score",
]  # fmt: skip
