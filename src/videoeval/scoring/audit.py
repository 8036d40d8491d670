"""Audit outputs: metrics.json (loose / consensus / tight rates with counts and CIs, per
category, the judge's identity and prompt hash) and one row per clip with every error found."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from videoeval.engine.runner import FrameProtocol
from videoeval.errors import NothingToScoreError, UsageError
from videoeval.judges.audit import ClipAudit
from videoeval.metrics.audit import ClipFlags, audit_rates
from videoeval.metrics.bootstrap import MeanIntervals
from videoeval.options import AuditOptions, as_path
from videoeval.protocols.configs import AuditConfig
from videoeval.schema import AuditRow
from videoeval.scoring.base import ScoreContext, Scored

if TYPE_CHECKING:
    from videoeval.judges.audit import Auditor


def _judge_means(audited: Sequence[ClipAudit], with_candidate: bool) -> dict[str, float]:
    """The judge's mean 1-10 scores of the GT (and of the candidate, two-sided)."""
    metrics: dict[str, float] = {}
    scores = [v.gt for o in audited for v in o.verdicts]
    for axis in ("factual", "completeness", "temporal"):
        metrics[f"gt_{axis}_mean"] = sum(getattr(s, axis) for s in scores) / len(scores)
    if with_candidate:
        candidates = [v.candidate for o in audited for v in o.verdicts if v.candidate]
        for axis in ("factual", "completeness", "temporal"):
            total = sum(getattr(s, axis) for s in candidates)
            metrics[f"candidate_{axis}_mean"] = total / len(candidates)
        metrics["credited_candidate_details"] = float(
            sum(len(v.credited_candidate_details) for o in audited for v in o.verdicts)
        )
    return metrics


def _timed_figures(audited: Sequence[ClipAudit]) -> dict[str, float]:
    """An event's span (or text) is wrong when every run says so."""
    checks = [(o, i) for o in audited for i in range(len(o.verdicts[0].events or []))]
    span_wrong = sum(all(not (v.events or [])[i].span_ok for v in o.verdicts) for o, i in checks)
    text_wrong = sum(all(not (v.events or [])[i].text_ok for v in o.verdicts) for o, i in checks)
    return {
        "events_checked": float(len(checks)),
        "span_wrong_events": float(span_wrong),
        "span_wrong_rate": span_wrong * 100 / len(checks) if checks else 0.0,
        "text_wrong_events": float(text_wrong),
        "text_wrong_rate": text_wrong * 100 / len(checks) if checks else 0.0,
    }


def _identical_runs(audited: Sequence[ClipAudit], runs: int) -> list[str]:
    """Runs that all said the same thing make consensus equal to loose: say so."""
    if runs < 2:
        return []
    same = sum(
        len({json.dumps(v.model_dump(mode="json"), sort_keys=True) for v in o.verdicts}) == 1
        for o in audited
    )
    if not same:
        return []
    return [
        f"the {runs} runs gave identical verdicts for {same} of {len(audited)} clips: for those "
        "consensus equals loose (the judge answered alike each time: at temperature 0, or a "
        "judge that does not sample; leave --temperature unset or raise it for runs that differ)"
    ]


def audit_scored(
    outcomes: Sequence[ClipAudit], config: AuditConfig, judge_info: dict[str, Any]
) -> Scored:
    mode, runs = config.mode, config.runs
    audited = [o for o in outcomes if o.status == "ok"]
    if not audited:
        statuses = Counter(o.status for o in outcomes)
        raise NothingToScoreError(f"no clip could be audited ({dict(statuses)})")
    flags = [
        ClipFlags(
            o.sample.sample_id,
            o.sample.category,
            tuple(v.flagged for v in o.verdicts),
            tuple(v.major for v in o.verdicts),
        )
        for o in audited
    ]
    metrics, per_clip, by_category = audit_rates(flags)
    metrics.update(_judge_means(audited, config.with_candidate))
    if config.timed_events:
        metrics.update(_timed_figures(audited))
    failures: Counter[str] = Counter(o.status for o in outcomes if o.status != "ok")
    rows = [
        AuditRow(o.sample.sample_id, o.sample.video_id, o.sample.category, o.status, o.note,
                 o.sample.reference, sum(v.flagged for v in o.verdicts),
                 sum(v.major for v in o.verdicts), o.frames, o.runs)
        for o in outcomes
    ]  # fmt: skip
    return Scored(
        rows=rows,
        metrics=metrics,
        n_total=len(outcomes),
        n_scored=len(audited),
        n_counted=len(audited),
        failure_rule=(
            "rates are over the clips every one of the K runs audited; clips with a missing or "
            "unreadable video, or a run whose judge failed, are counted here instead"
        ),
        intervals=MeanIntervals(per_clip),
        failures=dict(failures),
        inputs={"runs": runs, "mode": mode, "bootstrap_resamples": 1000},
        warnings=_identical_runs(audited, runs),
        by_category=by_category,
        judge=judge_info,
        outcomes=list(outcomes),
    )


@dataclass
class AuditInputs:
    samples: list[Any]
    prompt: str
    source: str
    sha: str
    frames: FrameProtocol


def audit_inputs(ctx: ScoreContext[AuditConfig]) -> AuditInputs:
    """The clips to audit, the judge's prompt, and the frames the judge sees."""
    from videoeval.judges.video_judge import load_video_prompt
    from videoeval.video.resize import PixelBudget
    from videoeval.video.sampling import SamplingSpec

    o = _options(ctx)
    samples = ctx.samples[: o.limit] if o.limit else ctx.samples
    prompt_file = as_path(o.prompt_file)
    if ctx.config.rejudges:
        from videoeval.judges.rejudge import load_rejudge_prompt

        prompt, sha = load_rejudge_prompt(prompt_file)
        source = prompt_file.name if prompt_file else "videoeval:video_rejudge.txt"
    else:
        prompt, source, sha = load_video_prompt(ctx.config.mode, prompt_file,  # type: ignore[arg-type]
                                                ctx.config.frame_evidence)  # fmt: skip
    nframes = o.nframes if o.sampling != "fps" else None
    spec = SamplingSpec.model_validate({"kind": o.sampling, "nframes": nframes, "fps": o.fps})
    budget = PixelBudget(max_pixels=o.max_pixels) if o.max_pixels else None
    frames = FrameProtocol(spec=spec, budget=budget, labels=o.labels)  # type: ignore[arg-type]
    return AuditInputs(samples, prompt, source, sha, frames)


def _options(ctx: ScoreContext[AuditConfig]) -> AuditOptions:
    if ctx.audit is None or ctx.judge is None:
        raise UsageError(f"protocol {ctx.protocol.name} audits the GT against the videos: "
                         "give the judge and --videos (`videoeval audit`)")  # fmt: skip
    videos = as_path(ctx.audit.videos)
    if videos is None or not videos.is_dir():
        raise UsageError(f"--videos {videos} is not a folder")
    return ctx.audit


def judge_temperature(given: float | None, runs: int) -> float | None:
    """The temperature the judge is asked with: the one given, else 0 for a single run and the
    server's own sampling default (``None``: not sent) for several."""
    if given is not None:
        return given
    return 0.0 if runs == 1 else None


def auditor_for(ctx: ScoreContext[AuditConfig], inputs: AuditInputs) -> Auditor:
    """The video-aware auditor: the judge asked at the audit's temperature, K runs a clip."""
    from videoeval.judges.audit import Auditor
    from videoeval.models.base import GenerationSettings
    from videoeval.models.factory import cache_root
    from videoeval.predictions.captions import read_caption_predictions
    from videoeval.scoring.caption_judging import judge_client
    from videoeval.video.frames import FrameCache

    o, judge, config = _options(ctx), ctx.judge, ctx.config
    assert judge is not None
    settings = GenerationSettings(temperature=judge_temperature(o.temperature, config.runs),
                                  max_tokens=2048)  # fmt: skip
    client = judge_client(replace(judge, timeout=300.0), settings)
    candidates_file = as_path(o.candidates)
    candidates = read_caption_predictions(candidates_file).texts if candidates_file else None
    swapped = None
    if config.with_candidate and o.prompt_file is None:
        from videoeval.judges.video_judge import swapped_two_sided_prompt

        swapped = swapped_two_sided_prompt(config.frame_evidence)
    frame_cache = FrameCache(cache_root(as_path(judge.cache)) / "frames")
    return Auditor(client, inputs.prompt, config.mode, as_path(o.videos), inputs.frames,  # type: ignore[arg-type]
                   frame_cache, config.runs, candidates, seed=o.seed,
                   swapped_prompt=swapped, evidence=config.frame_evidence)  # fmt: skip


async def score(ctx: ScoreContext[AuditConfig]) -> Scored:
    """Each clip's GT judged against its frames, K independent runs."""
    inputs = audit_inputs(ctx)
    auditor = auditor_for(ctx, inputs)
    client, config, o = auditor.judge, ctx.config, _options(ctx)
    try:
        outcomes = await auditor.audit_all(inputs.samples, ctx.on_progress)
    finally:
        await client.model.aclose()
    info = {
        **client.model.identity(), "settings": client.settings.model_dump(mode="json"),
        "temperature_rule": (
            "given (--temperature)" if o.temperature is not None
            else "0: one run" if config.runs == 1
            else "the judge's sampling default (not sent), so that the runs are independent"
        ),
        "prompt_sha256": inputs.sha, "prompt_source": inputs.source,
        "frames": inputs.frames.spec.describe(), "calls": client.stats.calls,
        "run_seeds": [auditor.run_seed(k) for k in range(config.runs)],
        "frame_evidence": config.frame_evidence,
        **({"order": "seeded per clip and run (reference-first / candidate-first)"
            if auditor.swapped_prompt else "reference-first (fixed: the user's prompt)"}
           if config.with_candidate else {}),
        "served_models": sorted(client.stats.served),
        "cached": client.stats.cached, "schema_retries": client.stats.schema_retries,
        "structured_output": client.structured_output(),
    }  # fmt: skip
    scored = audit_scored(outcomes, config, info)
    scored.inputs["bootstrap_resamples"] = ctx.scoring.bootstrap
    return scored
