"""videoeval: evaluate video language models on what happened and when."""

from typing import Any

from videoeval.version import __version__

_API = (
    "AuditOptions", "AuditOutcome", "AuditRequest", "AutoDQOptions", "CacheOptions",
    "DenseOptions", "FrameOptions", "GenerationOptions", "LocalModelOptions", "ModelOptions",
    "GroundingOptions", "JointOptions", "JudgeOptions", "RunOutcome", "RunRequest",
    "ScoreOutcome", "ScoreRequest", "ScoringOptions", "audit", "audit_async", "run",
    "run_async", "score", "score_async",
)  # fmt: skip


_SUITE = {"read_suite": "videoeval.suite.file", "run_suite": "videoeval.suite.runner",
          "run_suite_async": "videoeval.suite.runner"}  # fmt: skip


def __getattr__(name: str) -> Any:
    # The library API, imported on first use so that `import videoeval` stays light.
    if name in _API:
        from videoeval import api

        return getattr(api, name)
    if name in _SUITE:
        from importlib import import_module

        return getattr(import_module(_SUITE[name]), name)
    raise AttributeError(f"module 'videoeval' has no attribute {name!r}")


__all__ = ["__version__", *_API, *_SUITE]
