"""``videoeval.run``: a model on a benchmark view, resumable, then scored from the run folder by
the same call ``score --from-run`` makes. ``run_async`` is the same, awaitable."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from videoeval.api.score import (
    ScoreOutcome,
    ScoreRequest,
    check_protocol,
    default_protocol,
    groups_of,
    score_async,
)
from videoeval.benchmarks import get_benchmark
from videoeval.benchmarks.base import Benchmark, View
from videoeval.engine.runner import RunStats
from videoeval.errors import EnvironmentProblem, UsageError
from videoeval.options import (
    AutoDQOptions,
    CacheOptions,
    DenseOptions,
    ExecutorOptions,
    FrameOptions,
    GenerationOptions,
    JointOptions,
    JudgeOptions,
    LocalModelOptions,
    ModelOptions,
    ScoringOptions,
    as_path,
)
from videoeval.protocols import JOINT, protocol_info


@dataclass(frozen=True)
class RunRequest:
    """A model on a benchmark view, and how its answers are scored: the options of
    ``videoeval run`` in groups (the model, its frames, its prompt and sampling, the cache, a
    local checkpoint's devices, and the scoring groups of ``ScoreRequest``)."""

    benchmark: str
    annotations: Path
    videos: Path
    model: ModelOptions
    out: Path | None = None
    """The run folder; ``None``: ``videoeval-out/run/<benchmark>-<model>-<settings hash>``, so
    two runs never share a folder and the same run resumes its own."""
    protocol: str | None = None
    limit: int | None = None
    label: str | None = None
    """The name reports give this model (default: the model's own name)."""
    frames: FrameOptions = field(default_factory=FrameOptions)
    generation: GenerationOptions = field(default_factory=GenerationOptions)
    cache: CacheOptions = field(default_factory=CacheOptions)
    local: LocalModelOptions | None = None
    """Only with ``model.backend == 'hf'``."""
    executor: ExecutorOptions = field(default_factory=ExecutorOptions)
    # How the answers are scored: the groups of ``ScoreRequest``, checked against the protocol
    # before anything is asked. ``joint`` judges on the run's own videos unless told otherwise.
    scoring: ScoringOptions = field(default_factory=ScoringOptions)
    dense: DenseOptions | None = None
    judge: JudgeOptions | None = None
    autodq: AutoDQOptions | None = None
    joint: JointOptions | None = None

    def __post_init__(self) -> None:
        for name in ("annotations", "videos", "out"):  # paths may be given as strings
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, Path(value))

    @property
    def folder(self) -> Path:
        """The run folder (a request whose folder is still to be chosen has none yet)."""
        if self.out is None:
            raise UsageError("this request names no run folder (out)")
        return self.out

    def flat(self) -> dict[str, Any]:
        """Every option under its flag's name, as the run engine reads them."""
        out: dict[str, Any] = {"benchmark": self.benchmark, "annotations": self.annotations,
                               "videos": self.videos, "out": self.out,
                               "protocol": self.protocol, "limit": self.limit}  # fmt: skip
        model = asdict(self.model)
        out["model"] = model.pop("name")
        out.update(model)
        out.update(asdict(self.frames))
        generation = asdict(self.generation)
        for name in ("prompt_file", "system_file"):
            generation[name] = as_path(generation[name])
        out.update(generation)
        out["cache"] = as_path(self.cache.folder)
        out["frame_cache_gb"] = self.cache.frame_cache_gb
        out.update(asdict(self.local or LocalModelOptions()))
        out.update(asdict(self.executor))
        return out


@dataclass
class RunOutcome:
    stats: RunStats
    outcome: ScoreOutcome


def run_view(benchmark: Benchmark, protocol: str | None) -> View:
    """The view a run drives: the protocol's, else the first view with a prompt."""
    if protocol is not None:
        return benchmark.view(protocol_info(protocol).task)
    runnable = [v for v in benchmark.views if v.prompt is not None or v.prompt_field is not None]
    if not runnable:
        raise UsageError(f"`run` does not drive {benchmark.id} yet: score its answers instead")
    return runnable[0]


@dataclass
class Prepared:
    view: View | None
    protocol: str
    plan: Any
    frames: Any
    settings: Any
    system: str | None
    model: Any
    model_args: dict[str, Any] = field(default_factory=dict)
    """``make_model``'s arguments by name: how a worker elsewhere builds the same model."""


def prepare(request: RunRequest) -> Prepared:
    """Everything a run needs, checked, before any video is read or any call made."""
    from videoeval.engine.run_folder import plan_run
    from videoeval.engine.run_inputs import frame_protocol, prompt_for, settings_of
    from videoeval.models.factory import make_model

    o = request.flat()
    benchmark = get_benchmark(request.benchmark)
    view = run_view(benchmark, request.protocol)
    info = (
        protocol_info(request.protocol) if request.protocol
        else default_protocol(view, request.judge is not None)
    )  # fmt: skip
    scored_by = scoring_request(replace(request, protocol=info.name))
    check_protocol(info, groups_of(scored_by), f"{view.task} (protocol {info.name})")
    # run.json records the view's protocol as it always has (its hash keys the folder), and
    # the protocol is chosen again when scoring, from the judge given then
    protocol = request.protocol or view.default_protocol
    frames = frame_protocol(o)
    settings, system = settings_of(o)
    m = request.model
    model_args: dict[str, Any] = {
        "backend": m.backend, "model": m.name, "base_url": m.base_url,
        "api_key_env": m.api_key_env, "timeout": m.timeout, "concurrency": m.concurrency,
        "key_by_server": m.cache_by_server, "revision": m.revision,
        "local": local_options(o, frames.budget is not None),
    }  # fmt: skip
    model = make_model(**model_args)
    template = prompt_for(view, o["prompt_file"])
    plan = plan_run(benchmark.id, view, request.annotations, protocol, template, model, frames,
                    settings, system, request.limit)  # fmt: skip
    if not request.videos.is_dir():
        raise UsageError(f"--videos {request.videos} is not a folder")
    return Prepared(view, protocol, plan, frames, settings, system, model, model_args)


LOCAL_OPTIONS = {"devices": None, "dtype": "auto", "attn_implementation": None, "batch_size": 4,
                 "trust_remote_code": False}  # fmt: skip
SERVER_OPTIONS = ("base_url", "api_key_env")


def default_folder(request: RunRequest, prepared: Prepared) -> Path:
    """``videoeval-out/run/<benchmark>-<model>-<first 8 of the settings hash>``: a run with
    other settings (another model, frames, prompt) gets a folder of its own; the same command
    again finds and resumes its own."""
    import re

    model = Path(request.model.name.rstrip("/\\")).name or request.model.name
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", model).strip("-.")[:60] or "model"
    name = f"{request.benchmark}-{slug}-{prepared.plan.config_hash[:8]}"
    return Path("videoeval-out/run") / name


def scoring_request(request: RunRequest) -> RunRequest:
    """The run's scoring groups made whole: a protocol that judges frames (``joint``) sees the
    run's own videos unless other ones are named."""
    protocol = request.protocol or ""
    takes_joint = protocol and protocol_info(protocol).takes(JOINT)
    if takes_joint and (request.joint is None or request.joint.videos is None):
        joint = replace(request.joint or JointOptions(), videos=request.videos)
        return replace(request, joint=joint)
    return request


def local_options(o: dict[str, Any], resized: bool = True) -> dict[str, Any] | None:
    """The hf backend's options with their defaults; any of them with another backend, or a
    server's option with the hf backend, is refused (it would be ignored)."""
    given = sorted(k for k in LOCAL_OPTIONS if o.get(k) not in (None, False))
    if o["backend"] != "hf":
        if given:
            flags = ", ".join("--" + k.replace("_", "-") for k in given)
            raise UsageError(f"{flags} apply to --backend hf only")
        return None
    served = sorted(k for k in SERVER_OPTIONS if o.get(k) is not None)
    if served:
        flags = ", ".join("--" + k.replace("_", "-") for k in served)
        raise UsageError(f"--backend hf runs the checkpoint here: {flags} would be ignored")
    options = {k: o[k] if o.get(k) is not None else default for k, default in LOCAL_OPTIONS.items()}
    return {**options, "resized": resized}


def check_server(
    model: Any, plan: Any, out: Path, cache: Path | None = None, refresh: bool = False
) -> None:
    """Before asking anything: is the server there, and does it serve the model? And is it the
    model the cache and the run folder hold answers of? (Skipped when every sample is already
    answered in the run folder.)"""
    from videoeval.engine.cache import CallCache
    from videoeval.engine.log import AppendLog
    from videoeval.engine.run_folder import record_served
    from videoeval.engine.runner import Engine
    from videoeval.models.factory import cache_root

    log = AppendLog(out / "responses.jsonl")
    try:
        todo = Engine.todo(plan.items, log)
    finally:
        log.close()
    if not todo:
        return
    if problem := model.check():
        raise EnvironmentProblem(f"{problem}; nothing was asked (start the server or fix "
                                 "--base-url / --model, then run the same command)")  # fmt: skip
    served = getattr(model, "served", None)
    if not served:
        return
    record_served(out, served)
    calls = CallCache(cache_root(cache) / "calls.sqlite")
    try:
        before = calls.served_before(model.identity(), served, replace=refresh)
    finally:
        calls.close()
    if before is not None:
        raise UsageError(
            f"the server serves {model.identity().get('model')!r} as {_served_text(served)}, "
            f"but the cache holds answers given as {_served_text(before)}: a different "
            "checkpoint under the same name. Name this one with --revision (its answers are "
            "kept apart), or pass --refresh to ask again and replace the cached answers"
        )


def _served_text(served: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(served.items())) or "(nothing said)"


def stop_if_unanswered(stats: RunStats, out: Path) -> None:
    """A run stopped early, or one where no sample got an answer, has no figures to report."""
    from videoeval.engine.log import read_log
    from videoeval.engine.runner import STOP_AFTER

    if stats.stopped:
        raise EnvironmentProblem(
            f"stopped after {STOP_AFTER} samples in a row could not reach the model "
            f"({stats.stopped}); the answers so far are kept: run the same command to resume"
        )
    rows = read_log(out / "responses.jsonl")
    if not rows or any(r.get("status") == "ok" for r in rows):
        return
    errors = Counter(str(r.get("error")) for r in rows if r.get("status") == "model_error")
    if errors:
        cause = errors.most_common(1)[0][0]
        raise EnvironmentProblem(f"no sample got an answer ({len(rows)} tried): {cause}")
    example = rows[0].get("error")
    raise UsageError(f"none of the {len(rows)} samples' videos could be read ({example})")


async def ask_plan(
    request: RunRequest,
    p: Prepared,
    plan: Any,
    on_row: Callable[[dict[str, Any]], None] | None = None,
    out: Path | None = None,
    then: Callable[[], Awaitable[Any]] | None = None,
) -> tuple[RunStats, Any]:
    """Ask every unanswered item of ``plan`` into the folder ``out`` (default
    ``request.out``): the folder locked, its run.json written or checked, the server checked,
    a run without any answer stopped with its cause; ``then()`` (the scoring, the outputs)
    runs under the same lock. The one path of ``run``, ``pairs``, ``rollouts`` and ``build``."""
    from videoeval.engine.lock import folder_lock
    from videoeval.engine.run_folder import RunMismatchError, prepare_folder, record_executor
    from videoeval.engine.run_inputs import execute
    from videoeval.models.http import MAX_RESPONSE_BYTES

    out = out or request.folder
    with folder_lock(out):
        model = request.model
        limits = {"request_deadline_s": model.timeout, "max_reply_bytes": MAX_RESPONSE_BYTES,
                  "retries": model.retries}  # fmt: skip
        try:
            prepare_folder(out, plan, limits)
            check_server(p.model, plan, out, as_path(request.cache.folder), request.model.refresh)
        except RunMismatchError as exc:
            raise UsageError(str(exc)) from None
        o = {**request.flat(), "out": out, "model_args": p.model_args}
        record_executor(out, request.executor)
        stats = await execute(plan, p.frames, p.settings, p.system, p.model, o, on_row)
        stop_if_unanswered(stats, out)
        return stats, await then() if then else None


async def run_async(
    request: RunRequest,
    on_row: Callable[[dict[str, Any]], None] | None = None,
    prepared: Prepared | None = None,
) -> RunOutcome:
    """Run (or resume) ``request`` into ``request.out`` and score it; ``on_row`` is called after
    each answered sample. Raises ``EnvironmentProblem`` when the server cannot answer."""
    p = prepared or prepare(request)
    if request.out is None:
        request = replace(request, out=default_folder(request, p))
    whole = scoring_request(replace(request, protocol=request.protocol or p.protocol))

    async def scored() -> ScoreOutcome:
        from videoeval.errors import NothingToScoreError
        from videoeval.outputs import write_causes

        try:
            outcome = await score_async(
                ScoreRequest(
                    benchmark=request.benchmark, annotations=request.annotations,
                    from_run=request.folder, protocol=request.protocol, scoring=request.scoring,
                    model_name=request.label,
                    dense=whole.dense, judge=whole.judge, autodq=whole.autodq, joint=whole.joint,
                )
            )  # fmt: skip
        except NothingToScoreError as exc:
            written = write_causes(request.folder, exc.rows, exc.files)
            if written:
                exc.args = (f"{exc} (each sample's cause: {written[0]})",)
            raise
        outcome.write(request.folder)
        return outcome

    stats, outcome = await ask_plan(request, p, p.plan, on_row, then=scored)
    return RunOutcome(stats, outcome)


def run(
    request: RunRequest,
    on_row: Callable[[dict[str, Any]], None] | None = None,
    prepared: Prepared | None = None,
) -> RunOutcome:
    """:func:`run_async`, from code without an event loop (or inside one: it then runs on a
    worker thread)."""
    from videoeval.api.sync import run_sync

    return run_sync(run_async(request, on_row, prepared))
