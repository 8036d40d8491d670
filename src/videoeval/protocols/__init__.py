"""Every scoring protocol of every task, by name: what it does, which reference it follows,
which task-specific options it reads, and its configuration (written into metrics.json).

Grounding protocols are data for one scorer (``protocols/grounding.py``); the others name the
convention their scorer follows. ``videoeval list`` prints this registry.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from videoeval.benchmarks.base import TaskKind
from videoeval.errors import UsageError
from videoeval.metrics.soda_average import SODA_AVERAGES
from videoeval.protocols.grounding import PROTOCOLS as GROUNDING_PROTOCOLS

GROUNDING_OPTIONS = frozenset({"durations", "missing", "bootstrap", "seed"})
JUDGE_OPTIONS = frozenset(
    {
        "judge_model", "judge_base_url", "judge_backend", "judge_api_key_env",
        "judge_temperature", "judge_seed", "judge_samples", "judge_concurrency",
        "judge_backoff", "prompt_dir", "cache", "bootstrap", "seed", "no_judge_schema",
    }
)  # fmt: skip
DENSEVID_OPTIONS = frozenset(
    {"reference", "no_language", "soda_missing", "soda_average", "bootstrap", "seed"}
)


@dataclass(frozen=True)
class ProtocolInfo:
    name: str
    task: TaskKind
    title: str
    reference: str
    description: str
    options: frozenset[str] = frozenset()
    """The task-specific ``score`` options this protocol reads; any other is refused."""
    config: dict[str, Any] = field(default_factory=dict)
    headline: tuple[str, ...] = ()
    """The figures tables and reports lead with (empty: the task's usual ones)."""


GROUNDING_HEADLINES = {
    "videomind": ("R1@0.3", "R1@0.5", "R1@0.7", "mIoU", "R5@0.3", "R5@0.5", "R5@0.7"),
    "moment-detr": ("R1@0.5", "R1@0.7", "mAP", "mAP@0.5", "mAP@0.75", "mIoU",
                    "HL-min-VeryGood-mAP", "HL-min-VeryGood-Hit1"),
}  # fmt: skip


def _grounding() -> list[ProtocolInfo]:
    infos = []
    for p in GROUNDING_PROTOCOLS.values():
        config = {
            k: v
            for k, v in asdict(p).items()
            if k not in ("name", "title", "reference", "description")
        }
        infos.append(
            ProtocolInfo(p.name, "grounding", p.title, p.reference, p.description,
                         GROUNDING_OPTIONS, config, GROUNDING_HEADLINES.get(p.name, ()))
        )  # fmt: skip
    return infos


DENSEVID = (
    "ranjaykrishna/densevid_eval evaluate.py (Python 3 port ttengwang/PDVC @ e81ff995 "
    "densevid_eval3/evaluate2018.py) + fujiso/SODA soda.py"
)
_DENSEVID_TEXT = (
    "Precision / recall at tIoU 0.3, 0.5, 0.7, 0.9 (strict >, best over reference files), "
    "BLEU-1..4, METEOR, ROUGE-L, CIDEr-D per video over the pairs with tIoU >= t, averaged "
    "over GT videos (a video without predictions scores 0), and SODA_c (--soda-average: "
    + "; ".join(f"{k} = {v}" for k, v in SODA_AVERAGES.items())
    + "). An unmatched prediction is paired with "
)
_OTHERS = [
    ProtocolInfo(
        "autodq", "captioning", "AutoDQ (Tarsier / DREAM-1K)",
        "bytedance/tarsier evaluation/metrics/evaluate_dream_gpt.py (AutoDQ)",
        "A judge extracts events from the prediction and decides entailment both ways: recall "
        "= GT events entailed by the prediction, precision = predicted events entailed by the "
        "GT; per-category means, macro mean, F1 of the means. Needs --judge-model.",
        JUDGE_OPTIONS, {"aspects_from": "benchmark facts (autodq_aspects)"},
    ),
    ProtocolInfo(
        "eventsim", "captioning", "EventSim (offline, not AutoDQ)", "videoeval (our metric)",
        "GT events and prediction sentences matched by all-MiniLM-L6-v2 cosine >= 0.6, "
        "aggregated like AutoDQ. No judge, no network.",
        frozenset({"bootstrap", "seed"}), {"threshold": 0.6, "encoder": "all-MiniLM-L6-v2"},
    ),
    ProtocolInfo(
        "densevid-2018", "dense_captioning", "densevid_eval (2018 junk string)", DENSEVID,
        _DENSEVID_TEXT + "the fixed junk string of the 2018 scorer.",
        DENSEVID_OPTIONS, {"junk": "densevid-2018", "thresholds": [0.3, 0.5, 0.7, 0.9]},
    ),
    ProtocolInfo(
        "densevid-2019", "dense_captioning", "densevid_eval (2019 random junk)", DENSEVID,
        _DENSEVID_TEXT + "a random 10-20 letter string (the 2019 scorer), seeded and recorded.",
        DENSEVID_OPTIONS, {"junk": "densevid-2019", "thresholds": [0.3, 0.5, 0.7, 0.9]},
    ),
    ProtocolInfo(
        "etbench", "dense_captioning", "E.T. Bench DVC / SLC",
        "PolyU-ChenLab/ETBench evaluation/compute_metrics.py (dvc_eval, DVCEval)",
        "Answers parsed into timed captions (unreadable ones are Failed and scale F1 down by "
        "the parsed share); F1 over tIoU 0.1/0.3/0.5/0.7 and Sim (all-MiniLM-L6-v2 cosine of "
        "matched captions) per source, averaged per task: DVC_F1, DVC_Sim, SLC_F1, SLC_Sim.",
        frozenset({"seed"}), {"thresholds": [0.1, 0.3, 0.5, 0.7], "junk": "random, seeded"},
    ),
    ProtocolInfo(
        "joint", "dense_captioning", "What and when together (video-aware judge)",
        "videoeval (our metric; metrics/joint.py)",
        "Each predicted event is judged on the frames of its own span (frame evidence first): "
        "what-precision = events true on the video. GT events are matched one to one, in order, "
        "to true predictions with tIoU >= t: what+when recall and F1 at t 0.3/0.5/0.7. The same "
        "with the text judged against the overlapping GT text (gt_text_*), to compare. Needs "
        "--videos and --judge-model; bootstrap CIs over videos.",
        JUDGE_OPTIONS | {"videos", "judge_frames", "no_frame_evidence", "dry_run"},
        {"thresholds": [0.3, 0.5, 0.7], "matching": "order-preserving, max sum of tIoU"},
        ("what_precision", "what_when_recall@0.5", "F1@0.5", "gt_text_F1@0.5"),
    ),
    ProtocolInfo(
        "gt-audit", "audit", "GT audit with a video-aware judge", "videoeval (our judge)",
        "The judge sees sampled frames with their times, lists what it sees, scores the GT "
        "description 1-10 (factual, completeness, temporal order) and lists its errors with "
        "evidence; K runs: loose (any run), consensus (every run), tight (factual <= 5).",
    ),
    ProtocolInfo(
        "two-sided", "audit", "GT and candidate judged together", "videoeval (our judge)",
        "As gt-audit, with a model's description beside the GT (--candidates): details the "
        "frames confirm are credited to the candidate even where the GT leaves them out.",
    ),
    ProtocolInfo(
        "timed", "audit", "Timed GT audit", "videoeval (our judge)",
        "Every timed GT event is checked against the frames: is its text true, and does it "
        "happen within its span (with a suggested span when not)?",
    ),
    ProtocolInfo(
        "rejudge-neutral", "audit", "AutoDQ misses re-judged with frames",
        "videoeval (our judge)",
        "Only the events a text-only AutoDQ judge did not rule entailed go to the video judge "
        "(--rejudge DIR): predicted events the frames show are credited, GT events the frames "
        "contradict leave the recall denominator.",
    ),
]  # fmt: skip

REGISTRY: dict[str, ProtocolInfo] = {p.name: p for p in [*_grounding(), *_OTHERS]}


def protocol_info(name: str) -> ProtocolInfo:
    try:
        return REGISTRY[name]
    except KeyError:
        known = ", ".join(REGISTRY)
        raise UsageError(f"unknown protocol {name!r}; known: {known}") from None


def protocols_for(task: str) -> list[ProtocolInfo]:
    return [p for p in REGISTRY.values() if p.task == task]
