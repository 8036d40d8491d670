"""Typed records that travel between the stages of the pipeline.

Spans are plain ``(start, end)`` tuples of seconds so that rows serialise to JSON as ``[s, e]``.
Per-sample records are slotted dataclasses, treated as immutable: readers check every value they
put in, and a 100,000-query run builds 300,000 of them, which pydantic models (or frozen
dataclasses) would make the slowest part of scoring. The one-per-run contract (metrics.json) is
a pydantic model.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Literal, NamedTuple, Protocol, TypedDict, TypeVar

from pydantic import BaseModel, ConfigDict, Field

Span = tuple[float, float]

Status = Literal[
    "ok",
    "parse_error",  # the answer text held no span the protocol can read
    "invalid_span",  # a span was given but is unusable (not finite, not numeric, no duration)
    "missing_prediction",  # the GT query has no prediction at all
    "model_error",
    "video_error",
    "judge_error",
    "answer_too_long",  # the model wrote more than a model answer can be (limits.py)
]
BOOTSTRAP_METHODS = ("poisson", "percentile-blocked", "percentile")
"""How a bootstrap resamples continuous values (metrics.json ``inputs.bootstrap_method``; the
default first): see ``metrics/bootstrap.py``."""
FAILURE_STATUSES: tuple[Status, ...] = (
    "parse_error",
    "invalid_span",
    "missing_prediction",
    "model_error",
    "video_error",
    "judge_error",
    "answer_too_long",
)


class TimedEvent(NamedTuple):
    """One event with its span in seconds: a GT event, or one a model predicted. The sentence
    is kept as the file writes it (densevid-style scorers tokenise it themselves)."""

    start: float
    end: float
    sentence: str


class Row(Protocol):
    """What every scored row (one line of samples.jsonl) has, whatever its task."""

    sample_id: str
    video_id: str | None
    status: Status
    note: str | None


@dataclass(slots=True)
class GroundingSample:
    """One ground-truth query: find ``query`` in video ``video_id``; ``windows`` are GT spans.

    ``gt_text`` is the GT as the file writes it (``str`` of the JSON value): references that key
    results by ``str(span)`` count ``[0, 10]`` and ``[0.0, 10.0]`` as two queries. That decides
    something only where a (video, query) repeats, so a loader may leave it None elsewhere.
    """

    sample_id: str
    video_id: str
    query: str
    windows: tuple[Span, ...]
    duration: float | None = None
    split: str | None = None
    gt_text: str | None = None
    highlight: tuple[tuple[int, ...], tuple[tuple[float, ...], ...]] | None = None
    """QVHighlights saliency GT: ``(relevant_clip_ids, saliency_scores)``, 3 raters per clip."""


@dataclass(slots=True)
class CaptionSample:
    """One clip to describe: GT description, GT events/objects when the benchmark gives them."""

    sample_id: str
    video_id: str
    category: str
    reference: str
    events: tuple[str, ...] | None = None
    objects: tuple[str, ...] | None = None
    duration: float | None = None
    n_events: int | None = None
    n_shots: int | None = None
    n_subjects: int | None = None
    timed_events: tuple[TimedEvent, ...] | None = None
    """Dense captions: each event with its span, its sentence as the file writes it (the
    ``events`` above are the same sentences, stripped)."""


@dataclass(slots=True)
class GroundingPrediction:
    """What a prediction file says about one query, before any protocol rule is applied.

    ``answer`` is the model's text, ``spans`` already-parsed windows (best first, optionally with
    a score as third value); some layouts carry both and the protocol decides which is read.
    ``gt_hint`` is a GT span written into the prediction's key (TimeLens result keys).
    ``answer_from_result_file`` marks text read from an official result file, which is parsed
    as that file's scorer parses it. ``problem`` says why the given spans are unusable.
    """

    origin: str
    sample_id: str | None = None
    video_id: str | None = None
    query: str | None = None
    gt_hint: Span | None = None
    answer: str | None = None
    answer_from_result_file: bool = False
    spans: tuple[tuple[float, ...], ...] | None = None
    problem: str | None = None
    failure: Status | None = None
    """Set when no answer exists because the run failed (``model_error``, ``video_error``)."""
    fallback: bool = False
    """The spans are the reference inference's stand-in for an answer it could not read
    (VideoMind's ``grounder_success: false``): scored, with status ``parse_error``."""
    postprocessed: bool = False
    """The spans already went through the reference inference's clamp / round / reorder step
    (VideoMind's output.json): the protocol must not apply it a second time."""
    saliency: tuple[float, ...] | None = None
    """Moment-DETR ``pred_saliency_scores``: one score per 2 s clip, for highlight detection."""
    saliency_problem: str | None = None
    query_index: int | None = None
    """The query named by its position among its video's queries in annotation order (VTimeLLM's
    ``sentence_id``): used when ``sample_id`` names no GT query."""
    """Why ``pred_saliency_scores`` was given but left out (a NaN score): the windows count."""


@dataclass(slots=True)
class GroundingRow:
    """One scored query, as written to samples.jsonl. ``counted``: whether N includes it."""

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
    counted: bool
    note: str | None = None
    origin: str | None = None

    measure: ClassVar[str] = "IoU"

    def unit_score(self) -> float | None:
        """What a paired comparison of two runs compares: the IoU of a counted query."""
        return self.iou if self.counted and self.iou is not None else None

    def display(self) -> dict[str, Any]:
        return {"view": "timeline", "iou": self.iou, "gt_windows": self.gt_windows,
                "duration": self.duration, "scored_span": self.scored_span,
                "answer": self.answer, "query": self.query}  # fmt: skip

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> GroundingRow:
        values: dict[str, Any] = {f.name: record.get(f.name) for f in fields(cls)}
        values["sample_id"] = str(values["sample_id"])
        values["counted"] = bool(values["counted"])
        return cls(**values)


R = TypeVar("R", bound="RecordRow")


def _f1(recall: Any, precision: Any) -> float | None:
    if not isinstance(recall, (int, float)) or not isinstance(precision, (int, float)):
        return None
    return 2 * recall * precision / (recall + precision) if recall + precision else 0.0


class RecordRow:
    """A row written as a JSON object in a fixed key order. ``_inline`` names a dict field whose
    items are written in its place (figures keyed by threshold); ``_omit_none`` fields are left
    out while ``None``. ``from_record`` reads a row back (the report reads rows through it)."""

    _inline: ClassVar[str | None] = None
    _omit_none: ClassVar[frozenset[str]] = frozenset({"note"})
    measure: ClassVar[str | None] = None
    """What :meth:`unit_score` measures (``None``: rows of this type are not compared)."""

    def unit_score(self) -> float | None:
        """What a paired comparison of two runs compares, per row."""
        return None

    def display(self) -> dict[str, Any]:
        """The row as the report's page shows it (``view``: timeline, events or text)."""
        return {"view": "text"}

    def to_record(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if f.name == self._inline:
                out.update(value or {})
            elif value is not None or f.name not in self._omit_none:
                out[f.name] = value
        return out

    @classmethod
    def from_record(cls: type[R], record: dict[str, Any]) -> R:
        names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        values: dict[str, Any] = {k: record.get(k) for k in names if k != cls._inline}
        values["sample_id"] = str(values.get("sample_id"))
        if cls._inline is not None:
            values[cls._inline] = {k: v for k, v in record.items() if k not in names}
        return cls(**values)


@dataclass(slots=True)
class EventSimRow(RecordRow):
    sample_id: str
    category: str | None
    prediction: str | None
    reference: str | None
    status: Status
    recall: float | None
    precision: float | None
    video_id: str | None = None
    note: str | None = None

    measure: ClassVar[str | None] = "per-clip F1"

    def unit_score(self) -> float | None:
        return _f1(self.recall, self.precision)

    def display(self) -> dict[str, Any]:
        return {"view": "text", "reference": self.reference, "prediction": self.prediction}


@dataclass(slots=True)
class AutoDQRow(RecordRow):
    """One clip judged by AutoDQ on its events (and, CaReBench, on its objects: the same
    figures with an ``object_`` prefix, in ``objects``)."""

    _inline: ClassVar[str | None] = "objects"
    _omit_none: ClassVar[frozenset[str]] = frozenset()

    sample_id: str
    video_id: str | None
    category: str | None
    prediction: str | None
    reference: str | None
    origin: str | None
    status: Status
    recall: float | None
    precision: float | None
    gt_events: Any
    pred_events: Any
    note: str | None
    objects: dict[str, Any] = field(default_factory=dict)

    measure: ClassVar[str | None] = "per-clip F1"

    def unit_score(self) -> float | None:
        return _f1(self.recall, self.precision)

    def display(self) -> dict[str, Any]:
        return {"view": "text", "reference": self.reference, "prediction": self.prediction}


@dataclass(slots=True)
class DenseRow(RecordRow):
    """One GT video: its events on both sides ([start, end, sentence(, reference file)]) and
    its figures (P@t, R@t, precision, recall, language metrics, SODA_c) in ``figures``."""

    _inline: ClassVar[str | None] = "figures"

    sample_id: str
    video_id: str | None
    n_predictions: int | None
    status: Status
    predicted_events: list[list[Any]] | None
    gt_events: list[list[Any]] | None
    figures: dict[str, float] = field(default_factory=dict)
    note: str | None = None

    measure: ClassVar[str | None] = "per-video detection F1"

    def unit_score(self) -> float | None:
        return _f1(self.figures.get("recall"), self.figures.get("precision"))

    def display(self) -> dict[str, Any]:
        shown = ("precision", "recall", "METEOR", "SODA_c")
        return {"view": "events", "gt_events": self.gt_events or [],
                "predicted_events": self.predicted_events or [], "video_id": self.video_id,
                "figures": {k: self.figures[k] for k in shown if k in self.figures}}  # fmt: skip


@dataclass(slots=True)
class EtbenchRow(RecordRow):
    _inline: ClassVar[str | None] = "figures"

    sample_id: str
    video_id: str | None
    task: str | None
    category: str | None
    answer: str | None
    gt_events: list[list[Any]] | None
    status: Status
    predicted_events: list[list[Any]] | None
    figures: dict[str, float] = field(default_factory=dict)
    note: str | None = None

    def display(self) -> dict[str, Any]:
        return {"view": "events", "gt_events": self.gt_events or [],
                "predicted_events": self.predicted_events or [], "answer": self.answer,
                "video_id": self.video_id, "figures": dict(self.figures)}  # fmt: skip


@dataclass(slots=True)
class JointRow(RecordRow):
    """One video of the ``joint`` protocol: counts (its judgements are judgements.jsonl)."""

    sample_id: str
    status: Status
    gt_events: int | None
    predicted_events: int | None
    true_on_frames: int | None
    matched: dict[str, dict[str, int]] | None
    note: str | None = None
    video_id: str | None = None

    def display(self) -> dict[str, Any]:
        return {
            "view": "text",
            "details": f"{self.gt_events} GT events, "
            f"{self.predicted_events} predicted, {self.true_on_frames} true on the frames",
        }


@dataclass(slots=True)
class AuditRow(RecordRow):
    _omit_none: ClassVar[frozenset[str]] = frozenset()

    sample_id: str
    video_id: str | None
    category: str | None
    status: Status
    note: str | None
    reference: str | None
    flagged_runs: int | None
    major_runs: int | None
    frames: dict[str, Any] | None
    runs: list[dict[str, Any]] | None

    def display(self) -> dict[str, Any]:
        errors = [{**e, "run": r.get("run")} for r in self.runs or [] if isinstance(r, dict)
                  for e in r.get("errors_gt", []) if isinstance(e, dict)]  # fmt: skip
        return {"view": "text", "reference": self.reference, "flagged_runs": self.flagged_runs,
                "errors": errors}  # fmt: skip


@dataclass(slots=True)
class RejudgeRow(RecordRow):
    _omit_none: ClassVar[frozenset[str]] = frozenset({"video_id"})

    sample_id: str
    category: str | None
    status: Status
    note: str | None
    text_recall: float | None
    text_precision: float | None
    video_recall: float | None
    video_precision: float | None
    rejudged: int | None
    flips: int | None
    video_id: str | None = None


@dataclass(slots=True)
class QASample:
    """One question of a video QA benchmark (multiple choice, yes/no, caption matching): the
    prompt ``run`` sends (the benchmark's official wording), what the official scorer compares
    with (``gold``: a letter, a word or a whole option line, as that scorer reads it), the
    options by letter, and the pair it belongs to where a pair is scored together."""

    sample_id: str
    video_id: str
    question: str
    gold: str
    prompt: str
    options: dict[str, str] = field(default_factory=dict)
    category: str | None = None
    pair: str | None = None
    """Questions of one pair (VideoHallucer's basic and hallucinated) share this id."""
    facets: dict[str, str] = field(default_factory=dict)
    """Further breakdowns the official script prints (TOMATO's demonstration type,
    TempCompass's fine-grained aspect), by name."""

    @property
    def choices(self) -> str:
        """The options one per line, "(A) text", for a run's prompt template (``{choices}``)."""
        return "\n".join(f"({letter}) {text}" for letter, text in self.options.items())


@dataclass(slots=True)
class QARow(RecordRow):
    """One question scored: the answer as written, what the protocol's rule read from it
    (``parsed``) and which rule read it, and whether it is right (``None``: not counted)."""

    sample_id: str
    video_id: str | None
    category: str | None
    question: str | None
    gold: str | None
    answer: str | None
    parsed: str | None
    rule: str | None
    correct: bool | None
    status: Status
    pair: str | None = None
    note: str | None = None

    _omit_none: ClassVar[frozenset[str]] = frozenset({"note", "pair"})
    measure: ClassVar[str | None] = "accuracy"

    def unit_score(self) -> float | None:
        return None if self.correct is None else float(self.correct)

    def display(self) -> dict[str, Any]:
        return {"view": "text", "query": self.question, "reference": self.gold,
                "prediction": self.answer}  # fmt: skip


@dataclass(slots=True)
class LocalizationRow(RecordRow):
    """One E.T. Bench grounding sample: the spans (or, VHD, the time) read from its answer and
    its own score (TVG / EPM: the first span's IoU; TAL: the mean F1 over thresholds; EVS: the
    bin F1; VHD: 1 when the time is inside a window)."""

    sample_id: str
    video_id: str | None
    task: str
    source: str
    answer: str | None
    read: Any
    score: float | None
    status: Status
    note: str | None = None

    measure: ClassVar[str | None] = "per-sample score"

    def unit_score(self) -> float | None:
        return self.score

    def display(self) -> dict[str, Any]:
        return {"view": "text", "query": f"{self.task} / {self.source}",
                "prediction": self.answer}  # fmt: skip


@dataclass(slots=True)
class OtherRow(RecordRow):
    """A row of a protocol this version does not know, kept as written."""

    _inline: ClassVar[str | None] = "extra"

    sample_id: str
    status: Status
    video_id: str | None = None
    note: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def frames(self) -> Any:
        return self.extra.get("frames")

    def display(self) -> dict[str, Any]:
        shown = ("reference", "prediction", "answer", "query")
        return {"view": "text", **{k: self.extra[k] for k in shown if k in self.extra}}


class Verdict(TypedDict, total=False):
    """One AutoDQ entailment verdict (verdicts.jsonl)."""

    clip: str
    side: str
    aspect: str
    event: str
    label: str
    reason: str
    votes: dict[str, int] | None
    judge: str | None
    prompt_sha256: str
    cache_keys: list[str | None]


class Judgement(TypedDict, total=False):
    """One judgement of the ``joint`` protocol (judgements.jsonl): a predicted event judged on
    its frames (``kind`` event) or a (GT, predicted) pair judged for agreement (``pair``)."""

    video_id: str
    kind: Literal["event", "pair"]
    predicted: int
    gt: int
    span: list[float]
    text: str
    tiou: float
    status: str
    error: str
    note: str
    true: bool | None
    same: bool | None
    reason: str | None
    frame_evidence: Any
    frames: dict[str, Any]
    cache_key: str | None


class RunManifest(TypedDict, total=False):
    """run.json: what a run folder holds answers of."""

    config: dict[str, Any]
    config_hash: str
    server: str | None
    limits: dict[str, Any]
    versions: dict[str, str]
    git_revision: str | None
    served: dict[str, Any]


class MetricsReport(BaseModel):
    """The metrics.json contract."""

    # Validators are built on first use, not on import: `videoeval list` never makes one.
    model_config = ConfigDict(defer_build=True)

    benchmark: str
    task: str
    protocol: str
    protocol_reference: str
    n_total: int = Field(description="GT queries (after the protocol's key de-duplication)")
    n_scored: int = Field(description="queries whose prediction gave a span, scored normally")
    n_counted: int = Field(description="N: queries in the denominator of every metric")
    metrics: dict[str, float]
    ci95: dict[str, tuple[float, float]]
    failures: dict[str, int]
    failure_rule: str
    inputs: dict[str, str | int | None]
    warnings: list[str] = Field(default_factory=list)
    by_category: dict[str, dict[str, float]] | None = None
    buckets: dict[str, dict[str, dict[str, float]]] | None = Field(
        default=None,
        description="breakdowns beside by_category: AutoDQ by GT n_subjects / n_shots / "
        "n_events; video QA by the benchmark's other groupings",
    )
    judge: dict[str, Any] | None = Field(
        default=None, description="identity, settings and prompt hash of the judge, if any"
    )
    protocol_config: dict[str, Any] | None = Field(
        default=None, description="the protocol's full configuration (see `videoeval list`)"
    )
    model: str | None = Field(
        default=None, description="the evaluated model (from the run, or --model-name)"
    )
    videoeval_version: str
