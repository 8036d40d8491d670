"""The library API: ``score``, ``run``, ``audit`` and ``validate``, each with its typed request
and option groups. Every entry is ``async`` inside (``score_async``, ``run_async``,
``audit_async``); the plain functions run it on the one event loop at the edge
(``api/sync.py``), from any code, inside a running loop too."""

from __future__ import annotations

from videoeval.api.audit import AuditOutcome, AuditRequest, audit, audit_async
from videoeval.api.run import RunOutcome, RunRequest, run, run_async
from videoeval.api.score import ScoreOutcome, ScoreRequest, resolve, score, score_async
from videoeval.engine.run_folder import RunRecord, read_run
from videoeval.options import (
    AuditOptions,
    AutoDQOptions,
    CacheOptions,
    DenseOptions,
    FrameOptions,
    GenerationOptions,
    GroundingOptions,
    JointOptions,
    JudgeOptions,
    LocalModelOptions,
    ModelOptions,
    ScoringOptions,
)

__all__ = [
    "AuditOptions",
    "AuditOutcome",
    "AuditRequest",
    "AutoDQOptions",
    "CacheOptions",
    "DenseOptions",
    "FrameOptions",
    "GenerationOptions",
    "GroundingOptions",
    "JointOptions",
    "JudgeOptions",
    "LocalModelOptions",
    "ModelOptions",
    "RunOutcome",
    "RunRecord",
    "RunRequest",
    "ScoreOutcome",
    "ScoreRequest",
    "ScoringOptions",
    "audit",
    "audit_async",
    "read_run",
    "resolve",
    "run",
    "run_async",
    "score",
    "score_async",
]  # fmt: skip
