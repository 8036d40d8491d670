"""``videoeval.score``: a prediction file (or a run folder) scored against a benchmark.

``score(ScoreRequest(...))`` resolves the benchmark's view and the protocol, checks the option
groups against what that protocol reads (the command line maps its flags onto the same groups,
so both refuse alike), loads the view's samples, and awaits the protocol's scorer; the one
report builder turns what it found into metrics.json. ``score_async`` is the same, awaitable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from videoeval.benchmarks import get_benchmark
from videoeval.benchmarks.base import Benchmark, View
from videoeval.engine.run_folder import RunRecord, check_run_annotations, read_run
from videoeval.errors import UsageError, VideoevalError
from videoeval.limits import check as check_limit
from videoeval.options import (
    AuditOptions,
    AutoDQOptions,
    DenseOptions,
    GroundingOptions,
    JointOptions,
    JudgeOptions,
    PathLike,
    ScoringOptions,
    as_path,
    config_values,
    refuse_inapplicable,
)
from videoeval.outputs import write_report
from videoeval.protocols import JUDGE, ProtocolInfo, load_function, protocol_info
from videoeval.protocols.tasks import task_of
from videoeval.schema import MetricsReport
from videoeval.scoring.base import ScoreContext

GROUPS = ("grounding", "dense", "judge", "autodq", "joint", "audit")


@dataclass(frozen=True)
class ScoreRequest:
    """What to score, and the option groups of the protocol that scores it (a group the
    protocol does not read is refused, as on the command line)."""

    benchmark: str
    predictions: PathLike | None = None
    annotations: PathLike | None = None
    protocol: str | None = None
    from_run: PathLike | None = None
    """A ``videoeval run`` folder: its responses.jsonl is re-scored, no model is called."""
    subset: PathLike | None = None
    """Score only these clips (``audit --export-clean``'s clean_subset.json, or a list of ids):
    a sample is kept when its id or its video id is listed."""
    model_name: str | None = None
    scoring: ScoringOptions = field(default_factory=ScoringOptions)
    grounding: GroundingOptions | None = None
    dense: DenseOptions | None = None
    judge: JudgeOptions | None = None
    autodq: AutoDQOptions | None = None
    joint: JointOptions | None = None
    audit: AuditOptions | None = None

    def groups(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in GROUPS}


@dataclass
class ScoreOutcome:
    report: MetricsReport
    rows: list[Any]
    """One typed row per scored unit (query, clip, video or sample): ``schema.Row``."""
    layout: str
    view: View
    protocol: ProtocolInfo
    files: dict[str, list[Any]] = field(default_factory=dict)
    """Further row files written beside samples.jsonl (verdicts.jsonl, judgements.jsonl)."""
    outcomes: Any = None
    """What the scorer kept for its caller (an audit's clip outcomes)."""

    def write(self, out: PathLike) -> list[Path]:
        """``out/metrics.json``, ``out/samples.jsonl`` and the further row files."""
        return write_report(Path(out), self.report, samples=self.rows, **self.files)


@dataclass(frozen=True)
class Resolved:
    benchmark: Benchmark
    view: View
    protocol: ProtocolInfo
    run: RunRecord | None
    note: str | None
    annotations: Path | None
    predictions: Path | None


def _view_of(
    benchmark: Benchmark, request: ScoreRequest, run: RunRecord | None
) -> tuple[View, str | None]:
    """The view to score, and why (printed) when it was not named."""
    from videoeval.predictions.sniff import tasks_of_file

    if request.protocol is not None:
        return benchmark.view(protocol_info(request.protocol).task), None
    if run is not None:
        task = run.task or run.config.get("protocol_task") or benchmark.task
        return benchmark.view(task), None
    views = [v for v in benchmark.views if not protocol_info(v.default_protocol).takes("audit")]
    if len(views) == 1:
        return views[0], None
    predictions = as_path(request.predictions)
    if predictions is None:
        raise UsageError(f"{benchmark.id} has several views: name a --protocol")
    found = [v for v in views if v.task in tasks_of_file(predictions)]
    if not found:  # a file that is its own GT (E.T. Bench): the views whose loader reads it
        found = [v for v in views if v.annotations_in_predictions and _reads(v, predictions)]
        if len(found) > 1:  # the benchmark's first view, and the others named
            others = ", ".join(f"--protocol {v.default_protocol}" for v in found[1:])
            return found[0], (
                f"{predictions.name} holds samples of several views: scored as {found[0].task} "
                f"with {found[0].default_protocol} (the first view; {others} scores the rest)"
            )
    if len(found) != 1:
        fits = " and ".join(v.task for v in found) or "none of its views"
        raise UsageError(
            f"{predictions} fits {fits} of {benchmark.id}; name the protocol to use "
            f"(--protocol {' or --protocol '.join(v.default_protocol for v in views)})"
        )
    return found[0], (
        f"{predictions.name} is a {found[0].task} file: scored as {found[0].task} "
        f"with {found[0].default_protocol} (the view's default; --protocol chooses another)"
    )


def _reads(view: View, path: Path) -> bool:
    try:
        return bool(view.load(path).samples)
    except VideoevalError:
        return False


def default_protocol(view: View, judged: bool, run: RunRecord | None = None) -> ProtocolInfo:
    """The protocol when none is named: the run's (same view), else the view's default, else
    its offline one; the first that asks a judge exactly when a judge is given."""
    names = []
    if run is not None and run.protocol and protocol_info(run.protocol).task == view.task:
        names.append(run.protocol)
    names += [view.default_protocol, *([view.offline_protocol] if view.offline_protocol else [])]
    infos = [protocol_info(n) for n in names]
    fitting = [p for p in infos if p.takes(JUDGE) == judged]
    return fitting[0] if fitting else infos[0]


def check_protocol(protocol: ProtocolInfo, groups: dict[str, Any], context: str) -> None:
    """Options the protocol does not read are refused; groups it cannot score without are
    asked for."""
    refuse_inapplicable(groups, protocol.options, context)
    for name in sorted(protocol.requires - {"scoring"}):
        if groups.get(name) is None:
            raise UsageError(_REQUIRED.get(name, f"protocol {protocol.name} needs {name} options")
                             .format(protocol=protocol.name))  # fmt: skip


_REQUIRED = {
    "judge": "protocol {protocol} needs a judge: --judge-model (and its URL or backend)",
    "joint": "--protocol {protocol} judges predicted events on the video: give --videos",
    "audit": "protocol {protocol} audits the GT against the videos: give --videos",
}


def resolve(request: ScoreRequest, need_predictions: bool = True) -> Resolved:
    """Benchmark, view and protocol of a request, its options checked against the protocol;
    raises :class:`UsageError` when they do not fit together (a protocol of another task, a
    file of another task, an option the protocol does not read, a missing input)."""
    from videoeval.predictions.sniff import tasks_of_file

    try:
        benchmark = get_benchmark(request.benchmark)
    except KeyError as exc:
        raise UsageError(str(exc.args[0])) from None
    check_limit("bootstrap", request.scoring.bootstrap, "--bootstrap")
    predictions, annotations = as_path(request.predictions), as_path(request.annotations)
    from_run = as_path(request.from_run)
    if predictions is not None and from_run is not None:
        raise UsageError("give the predictions (-p) or a run folder (--from-run), not both")
    run = read_run(from_run) if from_run is not None else None
    view, note = _view_of(benchmark, request, run)
    judged = request.judge is not None
    protocol = (
        protocol_info(request.protocol) if request.protocol is not None
        else default_protocol(view, judged, run)
    )  # fmt: skip
    if protocol.task != view.task:
        raise UsageError(f"protocol {protocol.name} scores {protocol.task}, not {view.task}")
    if request.protocol is None and view.offline_protocol == protocol.name and not judged:
        note = (
            f"no --judge-model: scoring with {protocol.title}; pass --judge-model and "
            "--judge-base-url (or --judge-backend gemini) for "
            f"{protocol_info(view.default_protocol).title}"
        )
    context = f"{view.task} (protocol {protocol.name})"
    if need_predictions:
        check_protocol(protocol, request.groups(), context)
    else:
        refuse_inapplicable(request.groups(), protocol.options, context)
    judges_only = protocol.takes("audit")
    if need_predictions and not judges_only and predictions is None and from_run is None:
        raise UsageError("give the predictions (--predictions / -p) or a run folder (--from-run)")
    from_file = view.annotations_in_predictions and run is None
    if annotations is None and not from_file:
        raise UsageError(f"{benchmark.id} needs its GT file: --annotations / -a")
    if annotations is not None and from_file and predictions is not None:
        raise UsageError(
            f"--annotations does not apply to {benchmark.id} (its file holds GT); leave it out"
        )
    if run is not None and annotations is not None:
        check_run_annotations(run, annotations, benchmark.id)
    sniffed = task_of(view.task).layouts_known and not view.annotations_in_predictions
    if predictions is not None and sniffed:
        tasks = tasks_of_file(predictions)
        if tasks and view.task not in tasks:
            raise UsageError(
                f"{predictions} is a {' / '.join(sorted(tasks))} file, not a "
                f"{view.task} one: protocol {protocol.name} cannot score it"
            )
    return Resolved(benchmark, view, protocol, run, note, annotations, predictions)


def context_of(
    request: ScoreRequest, resolved: Resolved, on_progress: Callable[[], None] | None = None
) -> ScoreContext[Any]:
    """The scorer's context: the view's samples (cut to a run's ``--limit`` and to
    ``--subset``), the protocol's config with the user's options set, the option groups."""
    from videoeval.gcpause import paused_gc
    from videoeval.scoring.subset import only_listed, subset_ids

    samples: list[Any] = []
    skipped: list[str] = []
    if resolved.annotations is not None:
        with paused_gc():  # a 100k-query file: the collector's scans would double the time
            loaded = resolved.view.load(resolved.annotations)
        samples, skipped = loaded.samples, loaded.skipped
    limit = resolved.run.config.get("limit") if resolved.run else None
    samples = samples[:limit] if limit else samples
    subset = as_path(request.subset)
    keep = subset_ids(subset, request.benchmark) if subset is not None else None
    if keep is not None:
        if resolved.view.annotations_in_predictions and resolved.run is None:
            raise UsageError(
                f"--subset does not apply to {request.benchmark} (its answers file is its GT)"
            )
        assert subset is not None
        samples = only_listed(subset, request.benchmark, samples,
                              lambda s: (s.sample_id, s.video_id), keep)  # fmt: skip
    groups = request.groups()
    config = resolved.protocol.configured(config_values(groups))
    return ScoreContext(
        resolved.benchmark, resolved.view, resolved.protocol, config, resolved.annotations,
        samples, skipped, resolved.predictions, resolved.run, request.scoring,
        **groups, subset=keep, on_progress=on_progress,
    )  # fmt: skip


async def score_async(
    request: ScoreRequest, on_progress: Callable[[], None] | None = None
) -> ScoreOutcome:
    """Score ``request``; ``on_progress`` is called once per judged unit (a progress bar)."""
    from videoeval.scoring.report import build_report

    resolved = resolve(request)
    ctx = context_of(request, resolved, on_progress)
    scorer = load_function(resolved.protocol.scorer)
    scored = await scorer(ctx)
    report = build_report(ctx, scored, request.model_name)
    return ScoreOutcome(report, scored.rows, scored.layout, resolved.view, resolved.protocol,
                        scored.files, scored.outcomes)  # fmt: skip


def score(request: ScoreRequest, on_progress: Callable[[], None] | None = None) -> ScoreOutcome:
    """:func:`score_async`, from code without an event loop (or inside one: it then runs on a
    worker thread)."""
    from videoeval.api.sync import run_sync

    return run_sync(score_async(request, on_progress))


def price(request: ScoreRequest) -> dict[str, int]:
    """What scoring would ask, counted without asking (protocols that ask a judge per unit)."""
    resolved = resolve(request)
    if resolved.protocol.price is None:
        raise UsageError(f"--dry-run does not apply to protocol {resolved.protocol.name}")
    ctx = context_of(request, resolved)
    counts: dict[str, int] = load_function(resolved.protocol.price)(ctx)
    return counts


def groups_of(request: Any) -> dict[str, Any]:
    """The option groups a request carries (a run's, an audit's), by name."""
    names = {f.name for f in fields(request)}
    return {name: getattr(request, name) for name in GROUPS if name in names}
