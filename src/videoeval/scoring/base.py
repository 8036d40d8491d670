"""The one scorer interface: a :class:`ScoreContext` in, a :class:`Scored` out.

Every protocol's scorer is ``async def score(ctx: ScoreContext) -> Scored``: it reads the
benchmark view's samples, the predictions (a file, or a run folder's answers), its typed
config and the option groups its protocol reads, and returns typed rows with the figures and
what the bootstrap resamples. :func:`videoeval.scoring.report.build_report` turns that into the
metrics.json report; nothing else does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

if TYPE_CHECKING:
    from videoeval.benchmarks.base import Benchmark, View
    from videoeval.engine.run_folder import RunRecord
    from videoeval.options import (
        AuditOptions,
        AutoDQOptions,
        DenseOptions,
        GroundingOptions,
        JointOptions,
        JudgeOptions,
        ScoringOptions,
    )
    from videoeval.protocols import ProtocolInfo

C = TypeVar("C")


class Intervals(Protocol):
    """95% intervals of the figures: called with the resample count and the seed."""

    def __call__(self, resamples: int, seed: int) -> Mapping[str, tuple[float, float]]: ...


@dataclass
class Scored:
    """What a scorer found; :func:`build_report` makes the report from it."""

    rows: list[Any]
    """One typed row per scored unit (query, clip, video, sample), each with ``sample_id``,
    ``video_id``, ``status`` and ``note`` (``schema.Row``)."""
    metrics: dict[str, float]
    n_total: int
    n_scored: int
    n_counted: int
    failure_rule: str
    intervals: Intervals | None = None
    """Bootstrap CIs from the per-unit values (``metrics.bootstrap``)."""
    failures: dict[str, int] | None = None
    """Failures by status; ``None``: counted from the rows' statuses."""
    inputs: dict[str, str | int | None] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    by_category: dict[str, dict[str, float]] | None = None
    buckets: dict[str, dict[str, dict[str, float]]] | None = None
    judge: dict[str, Any] | None = None
    layout: str = "-"
    """The prediction layout read (printed, and written into inputs by the scorer)."""
    files: dict[str, list[Any]] = field(default_factory=dict)
    """Further row files beside samples.jsonl (verdicts, judgements)."""
    outcomes: Any = None
    """What the scorer keeps for a caller beyond the report (the audit's clip outcomes)."""


@dataclass
class ScoreContext(Generic[C]):
    """Everything a scorer reads. ``samples`` come from the view's loader (cut to a run's
    ``--limit`` and to ``--subset``); predictions are read by the scorer from ``predictions``
    (a file) or ``run`` (a run folder's answers), in a layout of the view's task."""

    benchmark: Benchmark
    view: View
    protocol: ProtocolInfo
    config: C
    annotations: Path | None
    samples: list[Any]
    skipped: list[str]
    predictions: Path | None
    run: RunRecord | None
    scoring: ScoringOptions
    grounding: GroundingOptions | None = None
    dense: DenseOptions | None = None
    judge: JudgeOptions | None = None
    autodq: AutoDQOptions | None = None
    joint: JointOptions | None = None
    audit: AuditOptions | None = None
    subset: set[str] | None = None
    """The ids ``--subset`` keeps (the samples are already cut to them)."""
    on_progress: Callable[[], None] | None = None
    """Called once per judged unit (a progress bar)."""

    def progress(self) -> None:
        if self.on_progress is not None:
            self.on_progress()

    @property
    def source_name(self) -> str:
        """How the predictions are named in the report's inputs."""
        if self.run is not None:
            return "responses.jsonl"
        return self.predictions.name if self.predictions is not None else "-"


Scorer = Callable[[ScoreContext[Any]], Any]
"""``async def score(ctx) -> Scored`` (awaited by ``videoeval.api``)."""
