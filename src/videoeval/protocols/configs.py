"""The typed configuration of every protocol that is not a grounding protocol (those are
``protocols/grounding.py``). A scorer reads its protocol's config and nothing else: the values
here are the only copy, written into metrics.json as ``protocol_config``.

A config field with the name of a scoring option (``soda_missing``, ``frames_per_event`` ...) is
set from that option when the user gives it (``api/options.py``); the rest are the protocol's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from videoeval.metrics.dense import JunkRule
from videoeval.metrics.soda_average import SodaAverage

SodaMissing = Literal["drop", "zero"]


@dataclass(frozen=True)
class DensevidConfig:
    """densevid_eval's P/R at tIoU thresholds, its language metrics, and SODA_c."""

    junk: JunkRule
    """What an unmatched prediction is paired with: the 2018 fixed string, or the 2019 random
    10-20 letter string (seeded)."""
    thresholds: tuple[float, ...] = (0.3, 0.5, 0.7, 0.9)
    language: bool = True
    """BLEU / METEOR / ROUGE-L / CIDEr-D and SODA_c (off: P/R only, no Java)."""
    soda_missing: SodaMissing = "drop"
    """GT videos without predictions: left out of SODA_c (the reference) or scored 0."""
    soda_average: SodaAverage = "videos"


@dataclass(frozen=True)
class EventSimConfig:
    """Our offline stand-in for AutoDQ: sentence-embedding matches instead of a judge."""

    threshold: float = 0.6
    encoder: str = "all-MiniLM-L6-v2"


@dataclass(frozen=True)
class AutoDQConfig:
    aspects_from: str = "benchmark facts (autodq_aspects)"
    """Which GT lists AutoDQ runs on (events; CaReBench: events and objects)."""
    judge_samples: int = 1
    """Each entailment asked K times, the majority kept."""


@dataclass(frozen=True)
class EtbenchConfig:
    thresholds: tuple[float, ...] = (0.1, 0.3, 0.5, 0.7)
    junk: str = "random, seeded"


@dataclass(frozen=True)
class JointConfig:
    thresholds: tuple[float, ...] = (0.3, 0.5, 0.7)
    matching: str = "order-preserving, max sum of tIoU"
    frames_per_event: int = 8
    """Uniform frames (first and last included) inside each predicted span."""
    frame_evidence: bool = True
    """The judge lists what the frames show before deciding (off: the ablation)."""


AuditMode = Literal["gt-audit", "two-sided", "timed", "rejudge-neutral"]


@dataclass(frozen=True)
class AuditConfig:
    mode: AuditMode
    """The judge's task: the GT alone, the GT beside a candidate, the timed events one by one,
    or AutoDQ's misses re-judged."""
    runs: int = 4
    """Independent judge runs per clip (loose: any run flags; consensus: every run)."""
    frame_evidence: bool = True

    @property
    def with_candidate(self) -> bool:
        return self.mode == "two-sided"

    @property
    def timed_events(self) -> bool:
        return self.mode == "timed"

    @property
    def rejudges(self) -> bool:
        return self.mode == "rejudge-neutral"


QARule = Literal[
    "tempcompass-mc", "tempcompass-yn", "tempcompass-cm", "mvbench", "tarsier", "tomato",
    "videohallucer", "vinoground", "videomme", "tarsier-videomme", "longvideobench",
    "eventhallusion", "lmms-eval-tomato", "lmms-eval-tvbench", "lmms-eval-mvbench",
    "tempcompass-cg", "eventhallusion-desc", "lmms-eval-tempcompass-mc",
    "lmms-eval-tempcompass-yn", "lmms-eval-tempcompass-cm",
]  # fmt: skip


@dataclass(frozen=True)
class QAConfig:
    """A video-QA protocol: the rule that reads an answer (``parsing/choices.py``), what an
    answer no rule reads counts as, and how the overall figure is made."""

    rule: QARule
    unread: Literal["wrong", "excluded", "drop-video"] = "wrong"
    """``wrong``: counted, and wrong; ``excluded``: left out of the denominator (the Tarsier
    scorer's "Failed"); ``drop-video``: every question of a video with an unread answer leaves
    the denominator (Tarsier's Video-MME scorer, called with skip_missing)."""
    overall: Literal["micro", "pairs-by-type", "text-video-group"] = "micro"
    """``micro``: right / counted questions; ``pairs-by-type``: a pair is right when both of its
    questions are, and the overall figures are the unweighted means over the types;
    ``text-video-group``: Vinoground's three pair scores."""
    guess_figure: bool = False
    """Also report ``accuracy_if_guessed``: the accuracy a uniformly random letter for every
    unread answer gives on average (the reference's fallback, which we never apply)."""
    judge: Literal["tempcompass-cg", "eventhallusion-desc"] | None = None
    """The answer is a caption a judge grades (``judges/qa_judge.py``), and ``rule`` reads the
    judge's reply; ``None``: the rule reads the answer itself."""
    fallback: (
        Literal["tempcompass-fallback-mc", "tempcompass-fallback-yn", "tempcompass-fallback-cm"]
        | None
    ) = None
    """An answer no rule reads goes to a judge with this kind's prompt (TempCompass's ChatGPT
    stage), whose verdict is its rating; ``None``: it stays unread."""
    judge_max_tokens: int | None = None
    """The judge's reply budget where the reference fixes one (a reply cut before its "Answer"
    line reads differently)."""
    empty_judge_reply: Literal["minus-one", "zero"] = "zero"
    """What an empty judge reply is rated: TempCompass's own script adds -1 to the sum,
    lmms-eval counts it 0."""


@dataclass(frozen=True)
class EtbenchGroundingConfig:
    """E.T. Bench's grounding tasks as ``evaluation/compute_metrics.py`` scores them."""

    thresholds: tuple[float, ...] = (0.1, 0.3, 0.5, 0.7)
    evs_bins: int = 1000
    """EVS marks 1-second bins of the first 1000 s (later seconds are lost, as there)."""
    rounding: int = 5
    """Each group's figures and each task's mean are rounded to 5 decimals before averaging."""
