"""Every scoring protocol of every task, by name: what it does, which reference it follows, the
scorer that implements it, its typed configuration, and the option groups it reads.

A protocol *is* its scorer plus its config: ``scorer`` names an ``async`` function taking a
:class:`videoeval.scoring.base.ScoreContext` to a :class:`videoeval.scoring.base.Scored`, and
that function reads ``ctx.config`` (never a constant of its own). Adding a protocol is one
``register(ProtocolInfo(...))`` beside its scorer; ``videoeval list`` prints this registry.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, is_dataclass, replace
from typing import Any

from videoeval.errors import UsageError
from videoeval.protocols.configs import (
    AuditConfig,
    AutoDQConfig,
    DensevidConfig,
    EtbenchConfig,
    EtbenchGroundingConfig,
    EventSimConfig,
    JointConfig,
)
from videoeval.protocols.grounding import PROTOCOLS as GROUNDING_PROTOCOLS
from videoeval.schema import (
    AuditRow,
    AutoDQRow,
    DenseRow,
    EtbenchRow,
    EventSimRow,
    GroundingRow,
    JointRow,
    LocalizationRow,
    OtherRow,
    QARow,
    RejudgeRow,
)

# The option groups of ``videoeval.options``, by name.
SCORING, GROUNDING, DENSE, JUDGE, AUTODQ, JOINT, AUDIT = (
    "scoring", "grounding", "dense", "judge", "autodq", "joint", "audit"
)  # fmt: skip

_CHECKS = "videoeval.api.validate"
_DESCRIPTIVE = frozenset({"name", "title", "reference", "description"})


@dataclass(frozen=True)
class ProtocolInfo:
    name: str
    task: str
    title: str
    reference: str
    description: str
    scorer: str
    """``"module:function"``: the ``async`` scorer, imported when a score is asked for (so
    ``videoeval list`` and ``--help`` load no scoring code)."""
    config: Any
    """A frozen dataclass the scorer reads (a grounding protocol is its own config)."""
    options: frozenset[str] = frozenset({SCORING})
    """The option groups this protocol reads; a group it does not read is refused."""
    requires: frozenset[str] = frozenset()
    """Option groups without which it cannot score (a judge, the videos)."""
    headline: tuple[str, ...] = ()
    """The figures tables and reports lead with (empty: the task's usual ones)."""
    price: str | None = None
    """``"module:function"`` counting what scoring would ask, asking nothing (``--dry-run``)."""
    category_columns: tuple[str, ...] = ()
    """The per-category table's columns (empty: the headline figures)."""
    check: str | None = None
    """``"module:function"``: ``videoeval validate``'s reading of the inputs, scoring nothing."""
    row: type = OtherRow
    """The type of its samples.jsonl rows (``schema.py``): the report reads them through it."""

    def takes(self, group: str) -> bool:
        return group in self.options

    def config_record(self, config: Any = None) -> dict[str, Any]:
        """``config`` (default: this protocol's) as written into metrics.json."""
        config = self.config if config is None else config
        if not is_dataclass(config):
            return {}
        return {k: v for k, v in asdict(config).items() if k not in _DESCRIPTIVE}  # type: ignore[arg-type]

    def configured(self, given: dict[str, Any]) -> Any:
        """The config with the user's option values set on the fields of the same name."""
        names = {f.name for f in fields(self.config)} - _DESCRIPTIVE
        chosen = {k: v for k, v in given.items() if k in names and v is not None}
        return replace(self.config, **chosen) if chosen else self.config


GROUNDING_HEADLINES = {
    "videomind": ("R1@0.3", "R1@0.5", "R1@0.7", "mIoU", "R5@0.3", "R5@0.5", "R5@0.7"),
    "moment-detr": ("R1@0.5", "R1@0.7", "mAP", "mAP@0.5", "mAP@0.75", "mIoU",
                    "HL-min-VeryGood-mAP", "HL-min-VeryGood-Hit1"),
}  # fmt: skip


def _grounding() -> list[ProtocolInfo]:
    return [
        ProtocolInfo(p.name, "grounding", p.title, p.reference, p.description,
                     "videoeval.scoring.grounding_scorer:score", p,
                     frozenset({SCORING, GROUNDING}), headline=GROUNDING_HEADLINES.get(p.name, ()),
                     check=f"{_CHECKS}:grounding", row=GroundingRow)
        for p in GROUNDING_PROTOCOLS.values()
    ]  # fmt: skip


def _video_qa() -> list[ProtocolInfo]:
    from videoeval.protocols.video_qa import PROTOCOLS

    judged = frozenset({SCORING, JUDGE, AUTODQ})
    return [
        ProtocolInfo(name, "video_qa", title, reference, description,
                     "videoeval.scoring.qa:score", config, headline=headline, row=QARow,
                     category_columns=headline,
                     options=judged if config.judge or config.fallback else frozenset({SCORING}),
                     requires=frozenset({JUDGE}) if config.judge or config.fallback
                     else frozenset())
        for name, title, reference, description, config, headline in PROTOCOLS
    ]  # fmt: skip


def _soda_averages() -> str:
    from videoeval.metrics.soda_average import SODA_AVERAGES

    return "; ".join(f"{k} = {v}" for k, v in SODA_AVERAGES.items())


DENSEVID = (
    "ranjaykrishna/densevid_eval evaluate.py (Python 3 port ttengwang/PDVC @ e81ff995 "
    "densevid_eval3/evaluate2018.py, evaluate2021.py); pycocoevalcap scorers"
)
_DENSEVID_TEXT = (
    "Precision / recall at tIoU 0.3, 0.5, 0.7, 0.9 (strict >, best over reference files), "
    "BLEU-1..4, METEOR, ROUGE-L, CIDEr-D per video over the pairs with tIoU >= t, averaged "
    "over GT videos (a video without predictions scores 0), and SODA_c (fujiso/SODA soda.py; "
    f"--soda-average: {_soda_averages()}). An unmatched prediction is paired with "
)
_EVENTSIM = EventSimConfig()
_JUDGED = frozenset({SCORING, JUDGE})
_DENSEVID_OPTIONS = frozenset({SCORING, DENSE})
_AUDIT_OPTIONS = frozenset({SCORING, JUDGE, AUDIT})
_AUDIT_SCORER = "videoeval.scoring.audit:score"
_AUDIT_REFERENCE = (
    "video-aware GT audit: frame evidence first, 1-10 scores on factual / completeness / "
    "temporal, concrete errors; consensus over K runs; major = factual <= 5"
)
_OTHERS = [
    ProtocolInfo(
        "autodq", "captioning", "AutoDQ (Tarsier / DREAM-1K)",
        "bytedance/tarsier evaluation/metrics/evaluate_dream_gpt.py (AutoDQ); CaReBench runs it "
        "on events and on objects",
        "A judge extracts events from the prediction and decides entailment both ways: recall "
        "= GT events entailed by the prediction, precision = predicted events entailed by the "
        "GT; per-category means, macro mean, F1 of the means. Needs --judge-model.",
        "videoeval.scoring.caption_judging:score", AutoDQConfig(),
        _JUDGED | {AUTODQ}, requires=frozenset({JUDGE}), check=f"{_CHECKS}:captions",
        row=AutoDQRow,
    ),
    ProtocolInfo(
        "eventsim", "captioning", "EventSim (offline, not AutoDQ)",
        f"videoeval EventSim (not AutoDQ): all-MiniLM-L6-v2 cosine >= {_EVENTSIM.threshold} "
        "between GT events and predicted sentences, aggregated like AutoDQ",
        "GT events and prediction sentences matched by all-MiniLM-L6-v2 cosine >= "
        f"{_EVENTSIM.threshold}, aggregated like AutoDQ. No judge, no network.",
        "videoeval.scoring.captions:score_eventsim", _EVENTSIM, check=f"{_CHECKS}:captions",
        row=EventSimRow,
    ),
    ProtocolInfo(
        "densevid-2018", "dense_captioning", "densevid_eval (2018 junk string)", DENSEVID,
        _DENSEVID_TEXT + "the fixed junk string of the 2018 scorer.",
        "videoeval.scoring.dense:score", DensevidConfig(junk="densevid-2018"), _DENSEVID_OPTIONS,
        check=f"{_CHECKS}:dense", row=DenseRow,
    ),
    ProtocolInfo(
        "densevid-2019", "dense_captioning", "densevid_eval (2019 random junk)", DENSEVID,
        _DENSEVID_TEXT + "a random 10-20 letter string (the 2019 scorer), seeded and recorded.",
        "videoeval.scoring.dense:score", DensevidConfig(junk="densevid-2019"), _DENSEVID_OPTIONS,
        check=f"{_CHECKS}:dense", row=DenseRow,
    ),
    ProtocolInfo(
        "etbench", "dense_captioning", "E.T. Bench DVC / SLC",
        "PolyU-ChenLab/ETBench evaluation/compute_metrics.py (dvc_eval, DVCEval)",
        "Answers parsed into timed captions (unreadable ones are Failed and scale F1 down by "
        "the parsed share); F1 over tIoU 0.1/0.3/0.5/0.7 and Sim (all-MiniLM-L6-v2 cosine of "
        "matched captions) per source, averaged per task: DVC_F1, DVC_Sim, SLC_F1, SLC_Sim. "
        "CIs (ours): samples resampled within each source.",
        "videoeval.scoring.etbench:score", EtbenchConfig(), check=f"{_CHECKS}:etbench",
        category_columns=("F1", "Sim"), row=EtbenchRow,
    ),
    ProtocolInfo(
        "joint", "dense_captioning", "What and when together (video-aware judge)",
        "videoeval (our metric; metrics/joint.py)",
        "Each predicted event is judged on the frames of its own span (frame evidence first): "
        "what-precision = events true on the video. GT events are matched one to one, in order, "
        "to true predictions with tIoU >= t: what+when recall and F1 at t 0.3/0.5/0.7. The same "
        "with the text judged against the overlapping GT text (gt_text_*), to compare. Needs "
        "--videos and --judge-model; bootstrap CIs over videos.",
        "videoeval.scoring.joint:score", JointConfig(), _JUDGED | {JOINT},
        requires=frozenset({JUDGE, JOINT}),
        headline=("what_precision", "what_when_recall@0.5", "F1@0.5", "gt_text_F1@0.5"),
        price="videoeval.scoring.joint:price", check=f"{_CHECKS}:dense", row=JointRow,
    ),
    ProtocolInfo(
        "etbench-grounding", "localization", "E.T. Bench grounding (TVG, EPM, TAL, EVS, VHD)",
        "E.T. Bench evaluation/compute_metrics.py (HF PolyU-ChenLab/ETBench; docs at "
        "PolyU-ChenLab/ETBench @ 445f620e)",
        "Times read from each answer by tvg_format; TVG / EPM: the first span's IoU, F1@t = share "
        "of all samples with IoU >= t; TAL: span F1 at each t; EVS: F1 of 1-second bins, over "
        "the parsed samples only; VHD: the first number inside a window. Each group (task, "
        "source) rounded to 5 decimals; a task is the mean of its sources; F1_gnd = the mean of "
        "the five tasks (the merged 'F1 (gnd)').",
        "videoeval.scoring.etbench_grounding:score", EtbenchGroundingConfig(),
        headline=("F1_gnd", "TVG", "EPM", "TAL", "EVS", "VHD"), row=LocalizationRow,
    ),
    ProtocolInfo(
        "gt-audit", "audit", "GT audit with a video-aware judge", _AUDIT_REFERENCE,
        "The judge sees sampled frames with their times, lists what it sees, scores the GT "
        "description 1-10 (factual, completeness, temporal order) and lists its errors with "
        "evidence; K runs: loose (any run), consensus (every run), tight (factual <= 5).",
        _AUDIT_SCORER, AuditConfig("gt-audit"), _AUDIT_OPTIONS, requires=_AUDIT_OPTIONS,
        row=AuditRow,
    ),
    ProtocolInfo(
        "two-sided", "audit", "GT and candidate judged together", _AUDIT_REFERENCE,
        "As gt-audit, with a model's description beside the GT (--candidates): details the "
        "frames confirm are credited to the candidate even where the GT leaves them out.",
        _AUDIT_SCORER, AuditConfig("two-sided"), _AUDIT_OPTIONS, requires=_AUDIT_OPTIONS,
        row=AuditRow,
    ),
    ProtocolInfo(
        "timed", "audit", "Timed GT audit", _AUDIT_REFERENCE,
        "Every timed GT event is checked against the frames: is its text true, and does it "
        "happen within its span (with a suggested span when not)?",
        _AUDIT_SCORER, AuditConfig("timed"), _AUDIT_OPTIONS, requires=_AUDIT_OPTIONS,
        row=AuditRow,
    ),
    ProtocolInfo(
        "rejudge-neutral", "audit", "AutoDQ misses re-judged with frames",
        "AutoDQ verdicts other than entailment re-judged with the frames",
        "Only the events a text-only AutoDQ judge did not rule entailed go to the video judge "
        "(--rejudge DIR): predicted events the frames show are credited, GT events the frames "
        "contradict leave the recall denominator.",
        "videoeval.scoring.rejudge:score", AuditConfig("rejudge-neutral", runs=1),
        _AUDIT_OPTIONS, requires=_AUDIT_OPTIONS,
        row=RejudgeRow,
    ),
]  # fmt: skip

REGISTRY: dict[str, ProtocolInfo] = {p.name: p for p in [*_grounding(), *_OTHERS, *_video_qa()]}


def register(info: ProtocolInfo) -> ProtocolInfo:
    """Add a protocol (a plugin's, a test's toy); its name must be new."""
    if info.name in REGISTRY and REGISTRY[info.name] is not info:
        raise UsageError(f"protocol {info.name!r} is registered already")
    REGISTRY[info.name] = info
    return info


def protocol_info(name: str) -> ProtocolInfo:
    try:
        return REGISTRY[name]
    except KeyError:
        known = ", ".join(REGISTRY)
        raise UsageError(f"unknown protocol {name!r}; known: {known}") from None


def protocols_for(task: str) -> list[ProtocolInfo]:
    return [p for p in REGISTRY.values() if p.task == task]


def load_function(target: str) -> Any:
    """The function a ``"module:function"`` string names."""
    from importlib import import_module

    module, _, name = target.partition(":")
    return getattr(import_module(module), name)
