"""Training-data folders in the report: `pairs` (each pair's two descriptions side by side, with
the corruption and the AutoDQ deltas that kept or rejected it) and `rollouts` (each prompt's
rewards, spread and whether it was selected), read from the files those commands write."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from videoeval.benchmarks.base import read_text
from videoeval.errors import InputError
from videoeval.report.load import jsonl_rows

SHOWN = 50
"""Rows shown per folder (the files hold them all)."""


@dataclass
class TrainingFolder:
    name: str
    kind: str
    """``pairs`` or ``rollouts``."""
    summary: dict[str, Any]
    rows: list[dict[str, Any]]


def load_training_folder(folder: Path) -> TrainingFolder | None:
    """A `pairs` or `rollouts` output folder, or ``None`` when the folder is neither."""
    for kind, rows_file in (("pairs", "pairs.jsonl"), ("rollouts", "difficulty.jsonl")):
        if (folder / rows_file).exists() and (folder / "summary.json").exists():
            try:
                summary = json.loads(read_text(folder / "summary.json"))
            except (ValueError, RecursionError):
                raise InputError(folder / "summary.json", "is not JSON") from None
            if not isinstance(summary, dict):
                raise InputError(folder / "summary.json", "is not a JSON object")
            return TrainingFolder(folder.name, kind, summary, jsonl_rows(folder / rows_file))
    return None


def _num(value: Any, digits: int = 2) -> str:
    return f"{value:.{digits}f}" if isinstance(value, (int, float)) else "-"


def _e(value: Any) -> str:
    return html.escape(str(value if value is not None else "-"))


def _pairs_html(t: TrainingFolder) -> str:
    s = t.summary
    by_negative = "".join(
        f"<tr><td>{_e(k)}</td>" + "".join(f"<td>{_e(v.get(d, 0))}</td>"
                                          for d in ("kept", "rejected", "unscored")) + "</tr>"
        for k, v in (s.get("by_negative") or {}).items() if isinstance(v, dict)
    )  # fmt: skip
    rows = "".join(
        f"<tr><td>{_e(p.get('sample_id'))}</td><td>{_e(p.get('decision'))}</td>"
        f"<td>{_e(p.get('negative'))}</td><td class='num'>{_num(p.get('delta_recall'))}</td>"
        f"<td class='num'>{_num(p.get('delta_precision'))}</td>"
        f"<td class='text'>{_e(p.get('chosen'))}</td><td class='text'>{_e(p.get('rejected'))}</td>"
        "</tr>"
        for p in t.rows[:SHOWN]
    )  # fmt: skip
    delta = s.get("delta_sum") or {}
    return (
        f"<h3>{_e(t.name)}: preference pairs</h3><p>{_e(s.get('pairs'))} pairs, "
        f"{_e(s.get('kept'))} kept by {_e(s.get('rule'))} (scored by "
        f"{_e(s.get('scorer'))}); dR + dP: mean "
        f"{_num(delta.get('mean'))}, median {_num(delta.get('p50'))}.</p>"
        "<table><tr><th>negative</th><th>kept</th><th>rejected</th><th>unscored</th></tr>"
        f"{by_negative}</table>"
        f'<div class="wide"><table class="pairs"><tr><th>clip</th><th>decision</th>'
        "<th>negative</th><th>dR</th><th>dP</th><th>chosen</th><th>rejected</th></tr>"
        f"{rows}</table></div>"
        + (f"<p>first {SHOWN} of {len(t.rows)} (pairs.jsonl has them all)</p>"
           if len(t.rows) > SHOWN else "")
    )  # fmt: skip


def _rollouts_html(t: TrainingFolder) -> str:
    s = t.summary
    rows = "".join(
        f"<tr><td>{_e(p.get('sample_id'))}</td><td class='text'>{_e(p.get('query'))}</td>"
        f"<td class='num'>{_num(p.get('mean'))}</td><td class='num'>{_num(p.get('spread'))}</td>"
        f"<td class='num'>{_num(p.get('solved_share'))}</td><td>{_e(p.get('unparsed'))}</td>"
        f"<td>{'yes' if p.get('selected') else 'no'}</td></tr>"
        for p in t.rows[:SHOWN]
    )  # fmt: skip
    said = "".join(f"<li>{_e(w)}</li>" for w in s.get("warnings") or [])
    return (
        f"<h3>{_e(t.name)}: rollouts</h3><p>{_e(s.get('prompts'))} prompts x "
        f"{_e(s.get('samples_per_prompt'))} answers, rewarded by {_e(s.get('reward'))}; "
        f"{_e(s.get('selected'))} selected ({_e(s.get('rule'))}); mean reward "
        f"{_num(s.get('mean_reward'))}.</p>" + (f"<ul>{said}</ul>" if said else "")
        + '<div class="wide"><table class="rollouts"><tr><th>prompt</th><th>query</th>'
        "<th>mean reward</th><th>spread</th><th>solved</th><th>unread</th><th>selected</th>"
        f"</tr>{rows}</table></div>"
    )  # fmt: skip


def training_html(folders: list[TrainingFolder]) -> str:
    if not folders:
        return ""
    parts = [_pairs_html(t) if t.kind == "pairs" else _rollouts_html(t) for t in folders]
    return "<h2>Training data</h2>" + "".join(parts)


def training_markdown(folders: list[TrainingFolder]) -> str:
    lines = []
    for t in folders:
        s = t.summary
        if t.kind == "pairs":
            lines.append(f"- {t.name}: {s.get('pairs')} preference pairs, {s.get('kept')} kept "
                         f"({s.get('rule')}, scored by {s.get('scorer')})")  # fmt: skip
        else:
            lines.append(f"- {t.name}: {s.get('prompts')} prompts, {s.get('selected')} "
                         f"selected ({s.get('rule')}), mean reward "
                         f"{_num(s.get('mean_reward'))}")  # fmt: skip
    return "\n## Training data\n\n" + "\n".join(lines) + "\n" if lines else ""
