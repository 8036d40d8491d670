"""The grounding protocols: every reference scorer's conventions, written down as data.

One implementation (:mod:`videoeval.scoring.grounding`) reads these fields; no protocol has code
of its own beyond its answer parser. Each field says which step of the reference it mirrors.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from typing import Literal

from videoeval.metrics.thresholds import MAP_THRESHOLDS, THRESHOLDS


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
    round_unit_fact: str | None = None
    """The benchmark fact holding the rounding unit applied after clamping (VideoMind's
    dataset ``UNIT``); ``default_round_unit`` where the benchmark has none."""
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
    recall_at_k: tuple[int, ...] = ()
    """Extra R{k}@t figures: the best IoU of the first k spans with any GT window (VideoMind)."""
    ratio_first: bool = False
    """Percentages as ``hits / N * 100`` and mIoU as a running sum ``/ N * 100`` (VideoMind's
    order of operations), instead of ``hits * 100 / N`` and an exact sum."""
    running_sum: bool = False
    """mIoU as the reference's ``sum(ious) * 100 / N``: a running float sum (CPython before 3.12;
    3.12's ``sum`` compensates) over the queries in the order its result dict holds them, first
    appearance in the file first, instead of an exact sum: the two differ in the last digits."""
    every_line: bool = False
    """A query answered on several lines is scored once per line, every line counted, the IoUs
    added in file order (VTimeLLM's metric.py averages every grounding line of its log, and a
    resumed eval.py appends the same queries again)."""
    map_pools_repeats: bool = False
    """A query listed on several lines: mAP pools the first 10 windows of every line, R1 takes
    the last line (Moment-DETR's standalone_eval)."""
    with_highlights: bool = False
    """Highlight detection from ``pred_saliency_scores`` (QVHighlights HL-min-* mAP / Hit1)."""
    map_splits_r1: bool = False
    """R1 per GT-length split (short / middle / long) besides the split mAP."""
    gt_from_key: bool = False
    """Score against the GT span written in the result key when a prediction has one
    (lmms-eval parses the GT back out of its own keys)."""
    gt_float16: bool = False
    """Round GT bounds to float16 first, as a dataset copy that stores them so gives them."""
    native_layouts: tuple[str, ...] = ()
    """Prediction layouts whose own scorer this protocol is: scoring such a file under another
    protocol is warned (lmms-eval's saved submission and eval_tvg.py)."""

    @cached_property
    def top1_only(self) -> bool:
        """Whether a query's score is its first window's IoU and nothing else: no float32 or
        normalised arithmetic, no mAP, highlights, R@k, rounding of IoUs or of GT bounds
        (``scoring.grounding.score_plain`` takes the common line of such protocols)."""
        return not (
            self.float32
            or self.normalised_text_time
            or self.with_map
            or self.with_highlights
            or self.recall_at_k
            or self.iou_decimals is not None
            or self.gt_float16
        )

    def round_unit_for(self, benchmark_id: str) -> float | None:
        if self.round_unit_fact is None:
            return self.default_round_unit
        from videoeval.benchmarks import BENCHMARKS

        benchmark = BENCHMARKS.get(benchmark_id)
        facts = benchmark.facts if benchmark is not None else {}
        return facts.get(self.round_unit_fact, self.default_round_unit)


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
        "(video, query, GT span) keys collapse, the last prediction wins. N = result keys; "
        "mIoU is the reference's running sum, in the result file's key order."
    ),
    text_fallback="after_video",
    text_round_unit=1.0,
    dedupe_keys=True,
    running_sum=True,
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
        "(eval_tvg.py --sample). One deliberate difference: a NaN bound ([NaN, 4.8]) is an "
        "invalid span scoring IoU 0, where eval_tvg.py's max(2.0, nan) keeps 2.0 and can count "
        "it a hit; the warning names how many such spans a file holds."
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
        "otherwise IoU 0. Results are keyed by video>>>caption>>>span, so duplicates collapse; "
        "the GT is read back from that key. mIoU is the running sum, in key order. This is the "
        "in-task metric lmms-eval prints since PR #1323 when its GT is exact; the figure it "
        "prints on its Hugging Face copy is lmms-eval-hf; a submission file saved before PR "
        "#1323 had another scorer (lmms-eval-tvg*)."
    ),
    swap_reversed=True,
    dedupe_keys=True,
    gt_from_key=True,
    running_sum=True,
)

LMMS_EVAL_HF = replace(
    LMMS_EVAL,
    name="lmms-eval-hf",
    title="lmms-eval charades_sta on its Hugging Face copy (float16 GT)",
    reference=(
        LMMS_EVAL.reference + "; GT from lmms-lab/charades_sta @ 799008a, whose dataset card "
        "declares timestamp as a float16 sequence"
    ),
    description=(
        "lmms-eval as above, with every GT bound rounded to float16 first: the task reads its "
        "GT from the lmms-lab/charades_sta copy, which stores timestamps as float16 (24.3 -> "
        "24.296875), and scores against those. This is the figure lmms-eval prints."
    ),
    gt_float16=True,
)

_TVG = (
    "EvolvingLMMs-Lab/lmms-eval lmms_eval/tasks/charades_sta/eval_tvg.py @ {commit}, the scorer of "
    "the submission file lmms-eval saved for charades_sta from c548a197 until PR #1323"
)
_TVG_TEXT = (
    "The figure eval_tvg.py prints for a saved inference_results_temporal_grounding_charades_"
    "*.json {when}. {parser} Every 'to' becomes '-' (inside words too); the first span, swapped "
    "when reversed, is scored against the GT written in the key; an answer without one is "
    "scored as [gt_end + 10, gt_end + 20], IoU 0. N = the file's keys (duplicates collapse); "
    "mIoU is its running sum in key order. Keys naming no query of the annotation file are "
    "scored by the reference and left out here (warned, with the count)."
)
LMMS_EVAL_TVG = replace(
    LMMS_EVAL,
    name="lmms-eval-tvg",
    title="lmms-eval eval_tvg.py on a saved submission (Oct 2025 - Jan 2026)",
    reference=_TVG.format(commit="f1e52005 (unchanged through c7eaef37)"),
    parser="lmms-eval-tvg-2510",
    native_layouts=("lmms-eval-submission",),
    description=_TVG_TEXT.format(
        when="written from 2025-10-17 (f1e52005) until PR #1323",
        parser="Ranges are looked for in keyword sentences only (no all-sentences fallback, no "
        "clock ranges; HH:MM:SS only, which never pairs), the first sentence with one wins; "
        "then the first number of each keyword sentence paired; then a range with 's' units.",
    ),
)
LMMS_EVAL_TVG_2509 = replace(
    LMMS_EVAL_TVG,
    name="lmms-eval-tvg-2509",
    title="lmms-eval eval_tvg.py on a saved submission (Sep - Oct 2025)",
    reference=_TVG.format(commit="e8b44ffd"),
    parser="lmms-eval-tvg-2509",
    description=_TVG_TEXT.format(
        when="written from 2025-09-17 (e8b44ffd) until f1e52005",
        parser="A range 'a - b' (or en dash) anywhere in the text, every match, the first kept; "
        "then the first number of each keyword sentence paired; then a range with 's' units "
        "anywhere in the text. '1..2 - 3' makes the reference raise: here IoU 0, noted.",
    ),
)
LMMS_EVAL_TVG_2502 = replace(
    LMMS_EVAL_TVG,
    name="lmms-eval-tvg-2502",
    title="lmms-eval eval_tvg.py on a saved submission (Feb - Sep 2025)",
    reference=_TVG.format(commit="c548a197"),
    parser="lmms-eval-tvg-2502",
    description=_TVG_TEXT.format(
        when="written from 2025-02-18 (c548a197) until e8b44ffd",
        parser="A range 'a - b' anywhere in the text, every match, the first kept; then the "
        "first number of each keyword sentence paired. '1..2 - 3' makes the reference raise: "
        "here IoU 0, noted.",
    ),
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
        "Spans are clamped to [0, duration] and rounded to the dataset UNIT (Charades 0.1, "
        "ActivityNet 0.01, QVHighlights 2.0; default 0.001) half-to-even in float32; then the "
        "reversed rows, flattened together, are rolled by one place (pred[inds].roll(1)): one "
        "reversed row is swapped, several exchange their bounds. A failed answer becomes "
        "[0, duration] and stays in N (counted as failed). Top-1 (and R3/R5: the best of the "
        "first k) is scored against the best GT window, in float32. Spans from VideoMind's own "
        "output.json are already processed and are scored as written. Text answers are read "
        "with the timelens parser (our choice: VideoMind's grounder regresses spans)."
    ),
    text_fallback="whole_video",
    clamp_to_duration=True,
    round_unit_fact="videomind_unit",
    default_round_unit=0.001,
    swap_reversed=True,
    float32=True,
    gt_window="best",
    metric_decimals=2,
    recall_at_k=(3, 5),
    ratio_first=True,
)

VTIMELLM = GroundingProtocol(
    name="vtimellm",
    title="VTimeLLM eval.py + metric.py",
    reference=(
        "huangb23/VTimeLLM @ 673312a8 vtimellm/eval/eval.py + vtimellm/eval/metric.py "
        "(unchanged at c34ae564)"
    ),
    parser="vtimellm",
    description=(
        "Answers name frame indices 00-99 of 100 uniform frames ('from 17 to 34'); the first "
        "match of 'NN to|and NN' is divided by 100 and compared with GT / duration. The IoU is "
        "rounded to 2 decimals before thresholds and mean. No match scores IoU 0. Spans given in "
        "seconds are compared in seconds. Every grounding line of the log counts, repeats "
        "included (a resumed eval.py appends from the first video again; metric.py averages all "
        "lines), its IoUs summed in log order. A log line names its query by sentence_id, the "
        "query's index among its video's queries in annotation order (VTimeLLM's docs convert "
        "other datasets to val_2's layout), so logs of any grounding benchmark are read."
    ),
    normalised_text_time=True,
    iou_decimals=2,
    ratio_first=True,
    every_line=True,
)

MOMENT_DETR = GroundingProtocol(
    name="moment-detr",
    title="Moment-DETR standalone_eval",
    reference=(
        "jayleicn/moment_detr @ 2fa9e32e standalone_eval/eval.py (+ utils.py, read at "
        "MonsisGit/moment_detr @ b0760475; unchanged at b7e553ac)"
    ),
    parser="timelens",
    description=(
        "Top-1 is the first listed window (not re-sorted by score), scored against the best of "
        "the GT windows, R1 at 0.5:0.05:0.95; mAP over the first 10 windows per query, greedy "
        "matching, VOC all-point interpolation, at each threshold 0.5:0.05:0.95 and averaged; "
        "the same per GT-length split (short <= 10 s < middle <= 30 s < long). A query on "
        "several lines: mAP pools the first 10 windows of each line, R1 uses the last line. "
        "With pred_saliency_scores: highlight detection HL-min-{Fair,Good,VeryGood} mAP and "
        "Hit1. Metrics in percent to 2 decimals. A window with a NaN bound is kept, as the "
        "reference keeps it: a NaN top-1 misses R1 (NaN >= t is false) and in mAP a NaN window's "
        "tIoU is NaN, which 'tiou < t' lets through, so it is a true positive that locks a GT "
        "window. Where the reference crashes, something explicit happens instead: an empty "
        "window list is a parse_error (IoU 0, no mAP window); a NaN saliency score or a line "
        "without scores leaves that line out of the HL-* means (warned, its windows scored); "
        "the reference refuses files that miss a query, here a missing query counts as a miss. "
        "Text answers are read with the timelens parser, pairs in order (our choice)."
    ),
    gt_window="best",
    missing="miss",
    thresholds=(0.3, *MAP_THRESHOLDS),
    with_map=True,
    metric_decimals=2,
    ratio_first=True,
    map_pools_repeats=True,
    with_highlights=True,
    map_splits_r1=True,
)

PROTOCOLS: dict[str, GroundingProtocol] = {
    p.name: p
    for p in (TIMELENS, TIMECHAT, LMMS_EVAL, LMMS_EVAL_HF, LMMS_EVAL_TVG, LMMS_EVAL_TVG_2509,
              LMMS_EVAL_TVG_2502, VIDEOMIND, VTIMELLM, MOMENT_DETR)
}  # fmt: skip


def get_protocol(name: str) -> GroundingProtocol:
    try:
        return PROTOCOLS[name]
    except KeyError:
        raise KeyError(f"unknown protocol {name!r}; known: {', '.join(PROTOCOLS)}") from None
