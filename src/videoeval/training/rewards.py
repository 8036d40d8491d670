"""Grounding rewards that score an answer exactly as evaluation does.

A GRPO reward that parses answers its own way drifts from the evaluation's parser: the model
learns a format the benchmark scores differently. These rewards run the evaluation's own path
(``scoring.grounding.score_sample`` with a named protocol: its parser, fallbacks, rounding and
IoU), so ``iou_reward(answer, span)`` is, by construction, the IoU that ``videoeval score``
writes in that answer's row.

Three forms: plain functions; TRL reward functions (``(completions, **columns) ->
list[float]``, for ``GRPOTrainer(reward_funcs=[...])``); and ms-swift ORM classes in
``videoeval.training.swift_plugin`` (``--external_plugins``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from videoeval.protocols.grounding import get_protocol
from videoeval.schema import GroundingPrediction, GroundingSample
from videoeval.scoring.grounding import score_sample


@dataclass(frozen=True)
class GroundingReward:
    iou: float
    """The IoU the protocol scores this answer with (0 for an answer it cannot read, or its
    fallback span's IoU where the protocol has one, as lmms-eval does)."""
    formatted: bool
    """The protocol read a span from the answer itself (status ``ok``)."""
    status: str


def score_answer(
    answer: str,
    span: Sequence[float],
    duration: float | None = None,
    protocol: str = "timelens",
    benchmark: str = "timelens-charades",
) -> GroundingReward:
    """``answer`` scored against the GT ``span`` under ``protocol`` (``benchmark`` only
    matters for protocols whose rounding is a benchmark fact, such as VideoMind's)."""
    sample = GroundingSample("reward", "video", "", ((float(span[0]), float(span[1])),), duration)
    return sample_reward(sample, answer, protocol, benchmark)


def sample_reward(
    sample: GroundingSample, answer: str, protocol: str, benchmark: str
) -> GroundingReward:
    """``answer`` to a benchmark's own query (all its GT windows, its duration)."""
    prediction = GroundingPrediction(origin="reward", sample_id=sample.sample_id, answer=answer)
    row = score_sample(sample, prediction, get_protocol(protocol), benchmark, "miss").row
    return GroundingReward(row.iou or 0.0, row.status == "ok", row.status)


def iou_reward(
    answer: str,
    span: Sequence[float],
    duration: float | None = None,
    protocol: str = "timelens",
    benchmark: str = "timelens-charades",
) -> float:
    return score_answer(answer, span, duration, protocol, benchmark).iou


def format_reward(answer: str, protocol: str = "timelens") -> float:
    """1.0 when the protocol's parser reads a span from the answer, else 0.0."""
    return 1.0 if score_answer(answer, (0.0, 1.0), None, protocol).formatted else 0.0


def completion_text(completion: Any) -> str:
    """TRL gives plain strings, or (conversational data) a list of messages whose last one
    is the model's; its content may be a string or a list of typed parts."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, dict):
        completion = [completion]
    if isinstance(completion, list) and completion:
        content = completion[-1].get("content", "")
        if isinstance(content, list):
            return "".join(p.get("text", "") for p in content if isinstance(p, dict))
        return str(content)
    return ""


def trl_reward(
    kind: str = "iou",
    protocol: str = "timelens",
    span_column: str = "span",
    duration_column: str = "duration",
    benchmark: str = "timelens-charades",
) -> Callable[..., list[float]]:
    """A TRL reward function: ``kind`` 'iou' (needs the GT span column) or 'format'."""
    get_protocol(protocol)  # an unknown name fails here, not mid-training
    if kind not in ("iou", "format"):
        raise ValueError(f"kind is 'iou' or 'format', not {kind!r}")

    def reward(completions: list[Any], **columns: Any) -> list[float]:
        texts = [completion_text(c) for c in completions]
        if kind == "format":
            return [format_reward(t, protocol) for t in texts]
        if span_column not in columns:
            raise KeyError(f"the dataset has no {span_column!r} column (the GT span)")
        spans = columns[span_column]
        durations = columns.get(duration_column) or [None] * len(texts)
        return [iou_reward(t, s, d, protocol, benchmark)
                for t, s, d in zip(texts, spans, durations, strict=True)]  # fmt: skip

    reward.__name__ = f"videoeval_{kind}_{protocol.replace('-', '_')}"
    return reward
