"""Grounding rewards, each named by its source.

- ``timelens-train`` (the default): TimeLens's GRPO reward, ``training/train/reward_funcs.py::
  tiou_reward`` (TencentARC/TimeLens @ 5d90c06): its training parser (``parse_timelens_train``:
  the ``<answer>`` part, "to" read as "-"), the first span, 0 when there is none or its start is
  not before its end, else the unrounded IoU with the first GT span. Its data filter scores
  difficulty the same way.
- ``<protocol>-eval`` (``timelens-eval``, ``timechat-eval``, ...; a bare protocol name means the
  same): the IoU that ``videoeval score`` writes under that evaluation protocol, by its own path
  (``scoring.grounding.score_sample``: parser, fallbacks, rounding, IoU). TimeLens's evaluation
  rounds answers to whole seconds: "0.4 - 0.6" against [0, 1] earns 1.0 there and 0.2 in
  training.

Three forms: plain functions; TRL reward functions (``(completions, **columns) -> list[float]``,
for ``GRPOTrainer(reward_funcs=[...])``); and ms-swift ORM classes in
``videoeval.training.swift_plugin`` (``--external_plugins``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from videoeval.errors import UsageError
from videoeval.metrics.grounding import iou
from videoeval.parsing.spans import parse_timelens_train
from videoeval.protocols.grounding import PROTOCOLS, get_protocol
from videoeval.schema import GroundingPrediction, GroundingSample
from videoeval.scoring.grounding import score_sample

TRAIN_REWARDS = ("timelens-train",)
DEFAULT_REWARD = "timelens-train"


def reward_names() -> list[str]:
    return [*TRAIN_REWARDS, *(f"{name}-eval" for name in PROTOCOLS)]


def check_reward(reward: str) -> str:
    """The evaluation protocol a reward name stands for (``""`` for a training reward)."""
    if reward in TRAIN_REWARDS:
        return ""
    if reward in PROTOCOLS:  # a bare protocol name ("lmms-eval" is one)
        return reward
    name = reward.removesuffix("-eval")
    if name not in PROTOCOLS:
        raise UsageError(f"reward {reward!r} is not one of {', '.join(reward_names())}")
    return name


@dataclass(frozen=True)
class GroundingReward:
    iou: float
    """The reward: the IoU under the named rule (0 for an answer it cannot read)."""
    formatted: bool
    """A span was read from the answer itself."""
    status: str


def score_answer(
    answer: str,
    span: Sequence[float] | Sequence[Sequence[float]],
    duration: float | None = None,
    reward: str = DEFAULT_REWARD,
    benchmark: str = "timelens-charades",
) -> GroundingReward:
    """``answer`` scored against the GT ``span`` (or spans: the first is used by training
    rewards, all by protocols that take the best) under ``reward`` (``benchmark`` matters only
    to evaluation protocols whose rounding is a benchmark fact, such as VideoMind's)."""
    first = span[0]
    spans = [span] if isinstance(first, (int, float)) else list(span)
    windows = tuple((float(s[0]), float(s[1])) for s in spans)  # type: ignore[index]
    sample = GroundingSample("reward", "video", "", windows, duration)
    return sample_reward(sample, answer, reward, benchmark)


def sample_reward(
    sample: GroundingSample, answer: str, reward: str, benchmark: str
) -> GroundingReward:
    """``answer`` to a benchmark's own query (its GT windows, its duration)."""
    protocol = check_reward(reward)
    if not protocol:
        return _timelens_train(answer, sample.windows[0])
    prediction = GroundingPrediction(origin="reward", sample_id=sample.sample_id, answer=answer)
    row = score_sample(sample, prediction, get_protocol(protocol), benchmark, "miss").row
    return GroundingReward(row.iou or 0.0, row.status == "ok", row.status)


def _timelens_train(answer: str, gt: tuple[float, float]) -> GroundingReward:
    spans = parse_timelens_train(answer).spans
    if not spans:
        return GroundingReward(0.0, False, "parse_error")
    start, end = spans[0]
    if start >= end:
        return GroundingReward(0.0, True, "invalid_span")
    return GroundingReward(iou((start, end), gt), True, "ok")


def iou_reward(
    answer: str,
    span: Sequence[float],
    duration: float | None = None,
    reward: str = DEFAULT_REWARD,
    benchmark: str = "timelens-charades",
) -> float:
    return score_answer(answer, span, duration, reward, benchmark).iou


def format_reward(answer: str, reward: str = DEFAULT_REWARD) -> float:
    """1.0 when the reward's parser reads a span from the answer, else 0.0."""
    return 1.0 if score_answer(answer, (0.0, 1.0), None, reward).formatted else 0.0


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
    reward: str = DEFAULT_REWARD,
    span_column: str = "span",
    duration_column: str = "duration",
    benchmark: str = "timelens-charades",
) -> Callable[..., list[float]]:
    """A TRL reward function: ``kind`` 'iou' (needs the GT span column) or 'format'."""
    check_reward(reward)  # an unknown name fails here, not mid-training
    if kind not in ("iou", "format"):
        raise ValueError(f"kind is 'iou' or 'format', not {kind!r}")

    def function(completions: list[Any], **columns: Any) -> list[float]:
        texts = [completion_text(c) for c in completions]
        if kind == "format":
            return [format_reward(t, reward) for t in texts]
        if span_column not in columns:
            raise KeyError(f"the dataset has no {span_column!r} column (the GT span)")
        spans = columns[span_column]
        durations = columns.get(duration_column) or [None] * len(texts)
        return [iou_reward(t, s, d, reward, benchmark)
                for t, s, d in zip(texts, spans, durations, strict=True)]  # fmt: skip

    function.__name__ = f"videoeval_{kind}_{reward.replace('-', '_')}"
    return function
