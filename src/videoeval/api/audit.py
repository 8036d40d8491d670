"""``videoeval.audit``: a benchmark's GT judged against its frames by a video-aware judge, K
independent runs per clip; or AutoDQ's misses re-judged with the frames. Both are protocols of
the audit view, scored through the same call as every other protocol."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from videoeval.api.score import ScoreRequest, score_async
from videoeval.benchmarks import BENCHMARKS
from videoeval.benchmarks.base import Benchmark, View
from videoeval.errors import UsageError
from videoeval.options import AuditOptions, JudgeOptions
from videoeval.outputs import write_report
from videoeval.protocols import AUDIT, protocol_info
from videoeval.schema import MetricsReport


def audit_view(benchmark: Benchmark) -> View | None:
    """The benchmark's view whose protocol audits the GT (``None``: it has none)."""
    views = [v for v in benchmark.views if protocol_info(v.default_protocol).takes(AUDIT)]
    return views[0] if views else None


AUDITABLE = tuple(b.id for b in BENCHMARKS.values() if audit_view(b) is not None)


@dataclass(frozen=True)
class AuditRequest:
    """Every ``videoeval audit`` option, typed; the defaults are the command's."""

    benchmark: str
    annotations: Path
    videos: Path
    judge_model: str
    judge_base_url: str | None = None
    judge_backend: str = "openai"
    judge_api_key_env: str | None = None
    runs: int = 4
    candidates: Path | None = None
    rejudge: Path | None = None
    prompt_file: Path | None = None
    sampling: str = "uniform"
    nframes: int | None = 16
    fps: float = 2.0
    max_pixels: int | None = 448 * 448
    labels: str = "per-frame"
    temperature: float | None = None
    """``None``: 0 for one run; with several, the judge's own sampling default (not sent), so
    that K runs are K independent judgements (at 0 a deterministic judge answers K times the
    same, and consensus equals loose)."""
    seed: int = 0
    concurrency: int = 64
    backoff: float = 1.0
    limit: int | None = None
    out: Path = Path("videoeval-out/audit")
    cache: Path | None = None
    frame_evidence: bool = True
    """The judge lists what the frames show before judging (off: the ablation)."""
    export_clean: Path | None = None
    """Also write the marked GT, the clean subset and a manifest into this folder."""
    judge_schema: bool = True
    """Ask the judge's server to follow the verdict's JSON schema where it can."""


@dataclass
class AuditOutcome:
    report: MetricsReport
    rows: list[Any]
    files: dict[str, list[Any]] = field(default_factory=dict)
    calls: Any = None
    """The judge's call counts (calls, cached, schema retries)."""

    def write(self, out: Path) -> list[Path]:
        return write_report(out, self.report, samples=self.rows, **self.files)


def score_request(request: AuditRequest) -> ScoreRequest:
    """The audit as the score call it is: the audit view's protocol (re-judging an AutoDQ
    output, judging a candidate beside the GT, or the view's own), the judge, the frames."""
    if request.benchmark not in AUDITABLE:
        raise UsageError(f"audit covers {', '.join(AUDITABLE)}, not {request.benchmark!r}")
    if not Path(request.videos).is_dir():
        raise UsageError(f"--videos {request.videos} is not a folder")
    view = audit_view(BENCHMARKS[request.benchmark])
    assert view is not None
    protocol = (
        "rejudge-neutral" if request.rejudge is not None
        else "two-sided" if request.candidates is not None else view.default_protocol
    )  # fmt: skip
    judge = JudgeOptions(
        model=request.judge_model, backend=request.judge_backend,
        base_url=request.judge_base_url, api_key_env=request.judge_api_key_env,
        concurrency=request.concurrency, backoff=request.backoff, cache=request.cache,
        structured=request.judge_schema,
    )  # fmt: skip
    audit = AuditOptions(
        videos=request.videos, runs=request.runs, candidates=request.candidates,
        rejudge=request.rejudge, prompt_file=request.prompt_file, sampling=request.sampling,
        nframes=request.nframes, fps=request.fps, max_pixels=request.max_pixels,
        labels=request.labels, temperature=request.temperature, seed=request.seed,
        frame_evidence=request.frame_evidence, limit=request.limit,
    )  # fmt: skip
    return ScoreRequest(request.benchmark, annotations=request.annotations, protocol=protocol,
                        judge=judge, audit=audit)  # fmt: skip


async def audit_async(
    request: AuditRequest, on_clip: Callable[[], None] | None = None
) -> AuditOutcome:
    """Audit (or re-judge, with ``request.rejudge``) and write the outputs to ``request.out``."""
    scored = await score_async(score_request(request), on_clip)
    outcome = AuditOutcome(scored.report, scored.rows, scored.files)
    outcome.write(request.out)
    if request.export_clean is not None and request.rejudge is None:
        from videoeval.scoring.audit_export import export_clean

        export_clean(request.export_clean, scored.outcomes, request.runs, scored.report,
                     request.annotations)  # fmt: skip
    return outcome


def audit(request: AuditRequest, on_clip: Callable[[], None] | None = None) -> AuditOutcome:
    """:func:`audit_async`, from code without an event loop (or inside one)."""
    from videoeval.api.sync import run_sync

    return run_sync(audit_async(request, on_clip))


def audit_plan(request: AuditRequest) -> Any:
    """The clips, prompt and frames an audit would send (its dry run)."""
    from videoeval.api.score import context_of, resolve
    from videoeval.scoring.audit import audit_inputs

    score = score_request(request)
    return audit_inputs(context_of(score, resolve(score)))
