"""``videoeval audit --rejudge DIR``: AutoDQ's non-entailed events shown to the video judge."""

from __future__ import annotations

import asyncio
from typing import Any

from rich.table import Table

from videoeval import __version__
from videoeval.cli.common import console
from videoeval.errors import NothingToScoreError
from videoeval.outputs import write_report
from videoeval.schema import MetricsReport


def _judge(o: dict[str, Any], chosen: list[Any], auditor: Any, model: Any, verdicts: Any) -> list:
    from videoeval.cli.progress import progress
    from videoeval.judges.rejudge import rejudge_clip

    async def main():  # type: ignore[no-untyped-def]
        try:
            with progress("re-judging clips", len(chosen)) as advance:

                async def one(sample):  # type: ignore[no-untyped-def]
                    result = await rejudge_clip(
                        auditor, auditor.prompt, sample, verdicts[sample.sample_id]
                    )
                    advance("")
                    return result

                return await asyncio.gather(*(one(s) for s in chosen))
        finally:
            await model.aclose()

    return list(asyncio.run(main()))


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


def rejudge(o: dict[str, Any], samples, auditor, client, model, sha_info) -> None:  # type: ignore[no-untyped-def]
    from videoeval.judges.rejudge import read_autodq_verdicts

    verdicts = read_autodq_verdicts(o["rejudge"])
    chosen = [s for s in samples if s.sample_id in verdicts]
    if not chosen:
        raise NothingToScoreError(f"{o['rejudge']}/verdicts.jsonl names none of the clips")
    results = _judge(o, chosen, auditor, model, verdicts)
    judge = {**model.identity(), **sha_info, "calls": client.stats.calls,
             "cached": client.stats.cached}  # fmt: skip
    report = _report(o, chosen, results, judge)
    write_report(
        o["out"], report,
        flips=(flip for r in results for flip in r.flips),
        side_by_side=(pair for r in results for pair in r.side_by_side),
        samples=_rows(results),
    )  # fmt: skip
    _print(o, report.metrics)


def _print(o: dict[str, Any], metrics: dict[str, float]) -> None:
    table = Table(title=f"{o['benchmark']}: AutoDQ re-judged with frames ({o['judge_model']})")
    for column in ("", "F1", "precision", "recall"):
        table.add_column(column, justify="right" if column else "left")
    for side in ("text", "video"):
        table.add_row(
            f"{side}-only" if side == "text" else "with frames",
            *[f"{metrics[f'{k}_{side}']:.1f}" for k in ("F1", "precision", "recall")],
        )
    console.print(table)
    console.print(
        f"{int(metrics['flipped_precision_events'])} predicted events credited, "
        f"{int(metrics['dropped_gt_events'])} GT events found wrong; frames were needed for "
        f"{metrics['frames_share_of_events']:.1f}% of the events; wrote {o['out']}",
        markup=False,
        highlight=False,
    )
