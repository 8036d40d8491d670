"""The ``rejudge-neutral`` protocol: the events a text-only AutoDQ judge did not rule entailed
go to the video-aware judge, which sees the clip's frames (``judges/rejudge.py``)."""

from __future__ import annotations

import asyncio
from typing import Any

from videoeval.errors import NothingToScoreError, UsageError
from videoeval.judges.rejudge import ClipRejudge
from videoeval.options import as_path
from videoeval.protocols.configs import AuditConfig
from videoeval.schema import RejudgeRow
from videoeval.scoring.base import ScoreContext, Scored


async def score(ctx: ScoreContext[AuditConfig]) -> Scored:
    from videoeval.judges.rejudge import read_autodq_verdicts, rejudge_clip
    from videoeval.scoring.audit import audit_inputs, auditor_for

    folder = as_path(ctx.audit.rejudge) if ctx.audit else None
    if folder is None:
        raise UsageError("protocol rejudge-neutral re-judges an AutoDQ output: give --rejudge")
    inputs = audit_inputs(ctx)
    auditor = auditor_for(ctx, inputs)
    client = auditor.judge
    verdicts = read_autodq_verdicts(folder)
    chosen = [s for s in inputs.samples if s.sample_id in verdicts]
    if not chosen:
        raise NothingToScoreError(f"{folder}/verdicts.jsonl names none of the clips")

    async def one(sample: Any) -> ClipRejudge:
        result = await rejudge_clip(auditor, auditor.prompt, sample, verdicts[sample.sample_id])
        ctx.progress()
        return result

    try:
        results = list(await asyncio.gather(*(one(s) for s in chosen)))
    finally:
        await client.model.aclose()
    return rejudge_scored(results, folder.name, {
        **client.model.identity(), "frames": inputs.frames.spec.describe(),
        "calls": client.stats.calls, "cached": client.stats.cached,
    })  # fmt: skip


def rejudge_scored(results: list[ClipRejudge], folder: str, judge: dict[str, Any]) -> Scored:
    from videoeval.judges.rejudge import rejudge_ci, summarise

    failures: dict[str, int] = {}
    for r in results:
        if r.status != "ok":
            failures[r.status] = failures.get(r.status, 0) + 1
    n_ok = len(results) - sum(failures.values())

    def intervals(resamples: int, seed: int) -> dict[str, tuple[float, float]]:
        return rejudge_ci(results, resamples, seed)

    rows = [
        RejudgeRow(r.sample.sample_id, r.sample.category, r.status, r.note, r.text_recall,
                   r.text_precision, r.video_recall, r.video_precision, r.rejudged,
                   len(r.flips), r.sample.video_id)
        for r in results
    ]  # fmt: skip
    return Scored(
        rows=rows,
        metrics=summarise(results),
        n_total=len(results),
        n_scored=n_ok,
        n_counted=n_ok,
        failure_rule="clips whose frames or judge failed keep out of both sides",
        intervals=intervals,
        failures=failures,
        inputs={"autodq_folder": folder},
        judge=judge,
        files={
            "flips": [f for r in results for f in r.flips],
            "side_by_side": [p for r in results for p in r.side_by_side],
        },
        outcomes=results,
    )
