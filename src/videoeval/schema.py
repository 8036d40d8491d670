"""Typed records that travel between the stages of the pipeline.

Spans are plain ``(start, end)`` tuples of seconds so that rows serialise to JSON as ``[s, e]``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Span = tuple[float, float]

Status = Literal[
    "ok",
    "parse_error",  # the answer text held no span the protocol can read
    "invalid_span",  # a span was given but is not finite
    "missing_prediction",  # the GT query has no prediction at all
    "model_error",
    "video_error",
    "judge_error",
]
FAILURE_STATUSES: tuple[str, ...] = (
    "parse_error",
    "invalid_span",
    "missing_prediction",
    "model_error",
    "video_error",
    "judge_error",
)


class GroundingSample(BaseModel):
    """One ground-truth query: find ``query`` in video ``video_id``."""

    model_config = ConfigDict(frozen=True)

    sample_id: str
    video_id: str
    query: str
    windows: tuple[Span, ...] = Field(min_length=1, description="GT window(s) in seconds")
    duration: float | None = None
    split: str | None = None


class GroundingPrediction(BaseModel):
    """What a prediction file says about one query, before any protocol rule is applied.

    Either ``answer`` (the model's text) or ``spans`` (already-parsed windows, best first)
    is set; some layouts carry both, and the protocol decides which one is read.
    """

    model_config = ConfigDict(frozen=True)

    sample_id: str | None = None
    video_id: str | None = None
    query: str | None = None
    gt_hint: Span | None = Field(
        default=None, description="GT span written into the prediction's key (TimeLens keys)"
    )
    answer: str | None = None
    answer_from_result_file: bool = Field(
        default=False,
        description="text read from an official result file, parsed as its scorer parses it",
    )
    spans: tuple[tuple[float, ...], ...] | None = None
    problem: str | None = Field(default=None, description="why the given spans are unusable")
    origin: str = Field(description="file:line the prediction came from")


class GroundingRow(BaseModel):
    """One scored query, as written to samples.jsonl."""

    sample_id: str
    video_id: str
    query: str
    gt_windows: tuple[Span, ...]
    duration: float | None
    answer: str | None
    parsed: tuple[Span, ...] | None
    scored_span: Span | None
    gt_window_used: Span | None
    iou: float | None
    status: Status
    counted: bool = Field(description="whether the protocol counts this query in N")
    note: str | None = None
    origin: str | None = None


class MetricsReport(BaseModel):
    """The metrics.json contract."""

    benchmark: str
    task: str
    protocol: str
    protocol_reference: str
    n_total: int
    n_scored: int
    n_counted: int
    metrics: dict[str, float]
    ci95: dict[str, tuple[float, float]]
    failures: dict[str, int]
    failure_rule: str
    inputs: dict[str, str | int | None]
    warnings: list[str] = Field(default_factory=list)
    videoeval_version: str
