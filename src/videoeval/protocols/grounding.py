"""The grounding protocols: every reference scorer's conventions, written down as data.

One implementation (:mod:`videoeval.scoring.grounding`) reads these fields; no protocol has code
of its own beyond its answer parser. Each field says which step of the reference it mirrors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from videoeval.metrics.grounding import THRESHOLDS


@dataclass(frozen=True)
class GroundingProtocol:
    name: str
    title: str
    reference: str
    parser: str
    """Key into ``videoeval.parsing.spans.PARSERS``; used for answers given as text."""
    description: str
    text_fallback: Literal["after_video", "whole_video", "none"] = "none"
    """Span used when the text holds none: ``[d+10, d+20]`` (TimeLens inference), ``[0, d]``
    (VideoMind's failed grounder), or nothing (the query scores IoU 0)."""
    text_round_unit: float | None = None
    """Inference-time rounding of every parsed pair (and the fallback), half to even."""
    clamp_to_duration: bool = False
    round_units: dict[str, float] = field(default_factory=dict)
    """Per-benchmark rounding unit applied after clamping (VideoMind's dataset ``UNIT``)."""
    default_round_unit: float | None = None
    swap_reversed: bool = False
    """Swap a reversed span before scoring (applies to given spans; parsers that swap do so)."""
    float32: bool = False
    """Compute in float32 like a torch pipeline (VideoMind)."""
    normalised_text_time: bool = False
    """Text answers are positions in [0, 1] and GT is divided by the duration (VTimeLLM)."""
    gt_window: Literal["first", "best"] = "first"
    iou_decimals: int | None = None
    missing: Literal["exclude", "miss"] = "exclude"
    """A GT query without prediction is left out of N (the reference scores the file it is given)
    or counted as IoU 0."""
    dedupe_keys: bool = False
    """Queries with the same (video, query, GT span) collapse into one, as result dicts keyed
    that way do (TimeLens, lmms-eval)."""
    thresholds: tuple[float, ...] = THRESHOLDS
    with_miou: bool = True
    with_map: bool = False
    metric_decimals: int | None = None

    def round_unit_for(self, benchmark_id: str) -> float | None:
        return self.round_units.get(benchmark_id, self.default_round_unit)


TIMELENS = GroundingProtocol(
    name="timelens",
    title="TimeLens-Bench official",
    reference=(
        "TencentARC/TimeLens evaluation/eval_dataloader.py + evaluation/compute_metrics.py + "
        "timelens/utils.py (upstream @ df357404; scorer files read in yiqiu0215/TimeLoc @ "
        "55bf9d48 / 24595212, identical in three forks)"
    ),
    parser="timelens",
    description=(
        "Three-stage parser (clock times; 'a - b' else 'a to b'; bare numbers), first pair only. "
        "Text answers go through the inference script: no pair -> [duration+10, duration+20], "
        "then every bound rounded to whole seconds half-to-even. Spans already in a result file "
        "('timestamps') are used as given; a result file with only 'answers' is parsed as "
        "compute_metrics.py does (no rounding). Reversed spans score 0. Duplicate "
        "(video, query, GT span) keys collapse, the last prediction wins. N = result keys."
    ),
    text_fallback="after_video",
    text_round_unit=1.0,
    dedupe_keys=True,
)

TIMECHAT = GroundingProtocol(
    name="timechat",
    title="TimeChat eval_tvg.py --sample",
    reference=(
        "RenShuhuai-Andy/TimeChat @ a918705f metrics/tvg/eval_tvg.py (scorer) + "
        "utils/format_tvg.py (answer formatter)"
    ),
    parser="timechat",
    description=(
        "TimeChat's formatter parses text (whole-text 'a - b' first, then the first number of "
        "each keyword sentence; swaps reversed pairs; keeps one). The scorer uses the first span "
        "as given, counts an empty prediction as a miss and reports no mIoU. N = predicted ids "
        "(eval_tvg.py --sample)."
    ),
    with_miou=False,
)

LMMS_EVAL = GroundingProtocol(
    name="lmms-eval",
    title="lmms-eval charades_sta",
    reference=(
        "EvolvingLMMs-Lab/lmms-eval lmms_eval/tasks/charades_sta/utils.py after PR #1323 "
        "(identical copy read at MicroAGI-Labs/lmms-eval @ 75e3a364)"
    ),
    parser="lmms-eval",
    description=(
        "Every 'to' becomes '-' (inside words too), ranges are searched in keyword sentences, "
        "the first span is swapped when reversed and scored only if exactly one was found, "
        "otherwise IoU 0. Results are keyed by video>>>caption>>>span, so duplicates collapse."
    ),
    swap_reversed=True,
    dedupe_keys=True,
)

VIDEOMIND = GroundingProtocol(
    name="videomind",
    title="VideoMind eval_auto.py",
    reference=(
        "yeliudev/VideoMind videomind/eval/infer_auto.py + eval_auto.py (read at cn-ryh/VideoMind "
        "@ 47ef9e85 / 44311f33), IoU from yeliudev/nncore @ 53107bfb nncore/ops/temporal.py"
    ),
    parser="timelens",
    description=(
        "Spans are clamped to [0, duration], rounded to the dataset UNIT (Charades 0.1, "
        "ActivityNet 0.01, QVHighlights 2.0; default 0.001) half-to-even in float32, then "
        "swapped when reversed. A failed answer becomes [0, duration] and stays in N. Top-1 is "
        "scored against the best GT window. VideoMind's grounder regresses spans instead of "
        "writing them, so text answers are read with the timelens parser (our choice)."
    ),
    text_fallback="whole_video",
    clamp_to_duration=True,
    round_units={
        "charades-sta": 0.1,
        "timelens-charades": 0.1,
        "activitynet-captions": 0.01,
        "timelens-activitynet": 0.01,
        "qvhighlights": 2.0,
        "timelens-qvhighlights": 2.0,
    },
    default_round_unit=0.001,
    swap_reversed=True,
    float32=True,
    gt_window="best",
    metric_decimals=2,
)

VTIMELLM = GroundingProtocol(
    name="vtimellm",
    title="VTimeLLM eval.py + metric.py",
    reference="huangb23/VTimeLLM @ 673312a8 vtimellm/eval/eval.py + vtimellm/eval/metric.py",
    parser="vtimellm",
    description=(
        "Answers name frame indices 00-99 of 100 uniform frames ('from 17 to 34'); the first "
        "match of 'NN to|and NN' is divided by 100 and compared with GT / duration. The IoU is "
        "rounded to 2 decimals before thresholds and mean. No match scores IoU 0. Spans given in "
        "seconds are compared in seconds."
    ),
    normalised_text_time=True,
    iou_decimals=2,
)

MOMENT_DETR = GroundingProtocol(
    name="moment-detr",
    title="Moment-DETR standalone_eval",
    reference=(
        "jayleicn/moment_detr @ 2fa9e32e standalone_eval/eval.py (+ utils.py, read at "
        "MonsisGit/moment_detr @ b0760475)"
    ),
    parser="timelens",
    description=(
        "Top-1 is the first listed window (not re-sorted by score), scored against the best of "
        "the GT windows; mAP over the first 10 windows per query, greedy matching, VOC all-point "
        "interpolation, thresholds 0.5:0.05:0.95. Metrics in percent to 2 decimals. The "
        "reference refuses files that miss a query; here a missing query counts as a miss. Text "
        "answers are read with the timelens parser, pairs in order (our choice)."
    ),
    gt_window="best",
    missing="miss",
    with_map=True,
    metric_decimals=2,
)

PROTOCOLS: dict[str, GroundingProtocol] = {
    p.name: p for p in (TIMELENS, TIMECHAT, LMMS_EVAL, VIDEOMIND, VTIMELLM, MOMENT_DETR)
}


def get_protocol(name: str) -> GroundingProtocol:
    try:
        return PROTOCOLS[name]
    except KeyError:
        raise KeyError(f"unknown protocol {name!r}; known: {', '.join(PROTOCOLS)}") from None
