"""The terminal table of ``videoeval audit --rejudge``: AutoDQ text-only against with frames."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table

from videoeval.cli.common import console

if TYPE_CHECKING:
    from videoeval.api.audit import AuditRequest


def print_rejudge(request: AuditRequest, metrics: dict[str, float]) -> None:
    table = Table(
        title=f"{request.benchmark}: AutoDQ re-judged with frames ({request.judge_model})"
    )
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
        f"{metrics['frames_share_of_events']:.1f}% of the events; wrote {request.out}",
        markup=False,
        highlight=False,
    )
