"""The library API of ``videoeval audit``: a benchmark's GT judged against its frames by a
video-aware judge, K independent runs per clip; or AutoDQ's misses re-judged with the frames."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from videoeval import __version__
from videoeval.benchmarks import BENCHMARKS
from videoeval.errors import EnvironmentProblem, NothingToScoreError, UsageError
from videoeval.outputs import write_report
from videoeval.schema import MetricsReport

if TYPE_CHECKING:
    from videoeval.engine.runner import FrameProtocol
    from videoeval.judges.audit import Auditor
    from videoeval.judges.client import JudgeClient
    from videoeval.models.base import Model

AUDITABLE = tuple(b.id for b in BENCHMARKS.values() if "audit" in b.tasks)


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
    rows: list[dict[str, Any]]
    files: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    calls: Any = None
    """The judge's call counts (calls, cached, schema retries)."""

    def write(self, out: Path) -> list[Path]:
        return write_report(out, self.report, samples=self.rows, **self.files)


@dataclass
class AuditInputs:
    samples: list[Any]
    mode: str
    prompt: str
    source: str
    sha: str
    frames: FrameProtocol


def audit_inputs(o: dict[str, Any]) -> AuditInputs:
    """Samples of the audit view, the judging mode and prompt, and the frames the judge sees."""
    from videoeval.engine.runner import FrameProtocol
    from videoeval.judges.video_judge import Mode, load_video_prompt
    from videoeval.video.resize import PixelBudget
    from videoeval.video.sampling import SamplingSpec

    view = BENCHMARKS[o["benchmark"]].view("audit")
    samples = view.load(o["annotations"]).samples
    if o["limit"]:
        samples = samples[: o["limit"]]
    mode: Mode = "two-sided" if o["candidates"] else "gt-audit"
    if view.default_protocol == "timed":  # timed events: text and span checked one by one
        if o["candidates"] or o["rejudge"]:
            raise UsageError(f"{o['benchmark']} audits check the GT's timed events only")
        mode = "timed"
    if o["rejudge"] is not None:
        from videoeval.judges.rejudge import load_rejudge_prompt

        prompt, sha = load_rejudge_prompt(o["prompt_file"])
        source = o["prompt_file"].name if o["prompt_file"] else "videoeval:video_rejudge.txt"
    else:
        prompt, source, sha = load_video_prompt(mode, o["prompt_file"], o["frame_evidence"])
    nframes = o["nframes"] if o["sampling"] != "fps" else None
    spec = SamplingSpec.model_validate({"kind": o["sampling"], "nframes": nframes, "fps": o["fps"]})
    budget = PixelBudget(max_pixels=o["max_pixels"]) if o["max_pixels"] else None
    frames = FrameProtocol(spec=spec, budget=budget, labels=o["labels"])
    return AuditInputs(samples, mode, prompt, source, sha, frames)


def _auditor(o: dict[str, Any], inputs: AuditInputs) -> tuple[Auditor, JudgeClient, Model]:
    from videoeval.engine.cache import CallCache
    from videoeval.engine.retry import RetryPolicy
    from videoeval.judges.audit import Auditor
    from videoeval.judges.client import JudgeClient
    from videoeval.models.base import GenerationSettings
    from videoeval.models.factory import cache_root, make_model
    from videoeval.predictions.captions import read_caption_predictions
    from videoeval.video.frames import FrameCache

    model = make_model(o["judge_backend"], o["judge_model"], o["judge_base_url"],
                       o["judge_api_key_env"], 300.0, o["concurrency"])  # fmt: skip
    if problem := model.check():
        raise EnvironmentProblem(f"the judge cannot be asked: {problem}")
    root = cache_root(o["cache"])
    settings = GenerationSettings(temperature=judge_temperature(o["temperature"], o["runs"]),
                                  max_tokens=2048)  # fmt: skip
    retry = RetryPolicy(base_delay=o["backoff"])
    client = JudgeClient(model, CallCache(root / "calls.sqlite"), settings, retry,
                         concurrency=o["concurrency"], structured=o["judge_schema"])  # fmt: skip
    candidates = read_caption_predictions(o["candidates"]).texts if o["candidates"] else None
    frame_cache = FrameCache(root / "frames")
    swapped = None
    if inputs.mode == "two-sided" and o["prompt_file"] is None:
        from videoeval.judges.video_judge import swapped_two_sided_prompt

        swapped = swapped_two_sided_prompt(o["frame_evidence"])
    auditor = Auditor(client, inputs.prompt, inputs.mode, o["videos"], inputs.frames,  # type: ignore[arg-type]
                      frame_cache, o["runs"], candidates, seed=o["seed"],
                      swapped_prompt=swapped, evidence=o["frame_evidence"])  # fmt: skip
    return auditor, client, model


def judge_temperature(given: float | None, runs: int) -> float | None:
    """The temperature the judge is asked with: the one given, else 0 for a single run and the
    server's own sampling default (``None``: not sent) for several."""
    if given is not None:
        return given
    return 0.0 if runs == 1 else None


def audit(request: AuditRequest, on_clip: Callable[[], None] | None = None) -> AuditOutcome:
    """Audit (or re-judge, with ``request.rejudge``) and write the outputs to ``request.out``."""
    from videoeval.scoring.audit import audit_report

    if request.benchmark not in AUDITABLE:
        raise UsageError(f"audit covers {', '.join(AUDITABLE)}, not {request.benchmark!r}")
    if not request.videos.is_dir():
        raise UsageError(f"--videos {request.videos} is not a folder")
    o = asdict(request)
    inputs = audit_inputs(o)
    auditor, client, model = _auditor(o, inputs)
    if request.rejudge is not None:
        outcome = _rejudge(o, inputs.samples, auditor, client, model, on_clip,
                           {"frames": inputs.frames.spec.describe()})  # fmt: skip
        outcome.write(request.out)
        return outcome

    async def main():  # type: ignore[no-untyped-def]
        try:
            return await auditor.audit_all(inputs.samples, on_clip)
        finally:
            await model.aclose()

    outcomes = asyncio.run(main())
    info = {
        **model.identity(), "settings": client.settings.model_dump(mode="json"),
        "temperature_rule": (
            "given (--temperature)" if request.temperature is not None
            else "0: one run" if request.runs == 1
            else "the judge's sampling default (not sent), so that the runs are independent"
        ),
        "prompt_sha256": inputs.sha, "prompt_source": inputs.source,
        "frames": inputs.frames.spec.describe(), "calls": client.stats.calls,
        "run_seeds": [auditor.run_seed(k) for k in range(request.runs)],
        "frame_evidence": request.frame_evidence,
        **({"order": "seeded per clip and run (reference-first / candidate-first)"
            if auditor.swapped_prompt else "reference-first (fixed: the user's prompt)"}
           if inputs.mode == "two-sided" else {}),
        "served_models": sorted(client.stats.served),
        "cached": client.stats.cached, "schema_retries": client.stats.schema_retries,
        "structured_output": client.structured_output(),
    }  # fmt: skip
    report, rows = audit_report(request.benchmark, outcomes, inputs.mode, request.runs, info)  # type: ignore[arg-type]
    outcome = AuditOutcome(report, rows, calls=client.stats)
    outcome.write(request.out)
    if request.export_clean is not None:
        from videoeval.scoring.audit_export import export_clean

        export_clean(request.export_clean, outcomes, request.runs, report, request.annotations)
    return outcome


def _rejudge(
    o: dict[str, Any], samples: list[Any], auditor: Any, client: Any, model: Any,
    on_clip: Callable[[], None] | None, sha_info: dict[str, Any],
) -> AuditOutcome:  # fmt: skip
    from videoeval.judges.rejudge import read_autodq_verdicts, rejudge_clip

    verdicts = read_autodq_verdicts(o["rejudge"])
    chosen = [s for s in samples if s.sample_id in verdicts]
    if not chosen:
        raise NothingToScoreError(f"{o['rejudge']}/verdicts.jsonl names none of the clips")

    async def one(sample):  # type: ignore[no-untyped-def]
        result = await rejudge_clip(auditor, auditor.prompt, sample, verdicts[sample.sample_id])
        if on_clip:
            on_clip()
        return result

    async def main():  # type: ignore[no-untyped-def]
        try:
            return await asyncio.gather(*(one(s) for s in chosen))
        finally:
            await model.aclose()

    results = list(asyncio.run(main()))
    judge = {**model.identity(), **sha_info, "calls": client.stats.calls,
             "cached": client.stats.cached}  # fmt: skip
    files = {"flips": [f for r in results for f in r.flips],
             "side_by_side": [p for r in results for p in r.side_by_side]}  # fmt: skip
    return AuditOutcome(_report(o, chosen, results, judge), _rows(results), files, client.stats)


def _report(o: dict[str, Any], chosen: list[Any], results: list[Any], judge: dict) -> MetricsReport:
    from videoeval.judges.rejudge import rejudge_ci, summarise

    failures: dict[str, int] = {}
    for r in results:
        if r.status != "ok":
            failures[r.status] = failures.get(r.status, 0) + 1
    return MetricsReport(
        benchmark=o["benchmark"],
        task="audit",
        protocol="rejudge-neutral",
        protocol_reference="AutoDQ verdicts other than entailment re-judged with the frames",
        n_total=len(chosen),
        n_scored=len(chosen) - sum(failures.values()),
        n_counted=len(chosen) - sum(failures.values()),
        metrics=summarise(results),
        ci95=rejudge_ci(results),
        failures=failures,
        failure_rule="clips whose frames or judge failed keep out of both sides",
        inputs={"autodq_folder": o["rejudge"].name},
        judge=judge,
        videoeval_version=__version__,
    )


def _rows(results: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "sample_id": r.sample.sample_id, "category": r.sample.category, "status": r.status,
            "note": r.note, "text_recall": r.text_recall, "text_precision": r.text_precision,
            "video_recall": r.video_recall, "video_precision": r.video_precision,
            "rejudged": r.rejudged, "flips": len(r.flips),
        }
        for r in results
    ]  # fmt: skip
