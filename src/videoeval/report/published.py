"""Leaderboards beside the published tables: a paper's rows, shipped as data with their source
(``data/published/*.json``), and the runs of a report placed among them, with the table's own
average computed as the source defines it, ranks overall and among open models.

A run enters a table only when it was scored with the table's protocol (a TimeLens-Bench figure
under another protocol is another number); a model needs every column for the average and the
rank, and what it lacks is said."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources
from typing import Any

from videoeval.report.load import RunData


@dataclass(frozen=True)
class Column:
    benchmark: str
    metric: str
    label: str
    category: str | None = None
    """A per-category figure (``by_category``), else the run's headline metric."""
    protocol: str | None = None
    """The protocol this column's figure is scored with (``None``: the table's)."""

    def read(self, run: RunData) -> float | None:
        if self.category is None:
            return run.report.metrics.get(self.metric)
        return (run.report.by_category or {}).get(self.category, {}).get(self.metric)


@dataclass(frozen=True)
class Entry:
    model: str
    params: str
    open: bool | None
    figures: tuple[float | None, ...]
    published: bool
    printed: dict[str, float] = field(default_factory=dict)
    note: str = ""


@dataclass(frozen=True)
class Group:
    """A composite column: the mean of some columns, as the source defines it (Tarsier2's
    Short video QA = mean of MVBench, TVBench, TOMATO)."""

    name: str
    members: tuple[str, ...]
    rule: str


@dataclass(frozen=True)
class Table:
    id: str
    title: str
    source: str
    protocol: str
    columns: tuple[Column, ...]
    average: str | None
    """The name of the table's own average over every column (``None``: it has none)."""
    average_rule: str
    rank_by: str | None
    """The figure rows are ranked by (``None``: the source's order, no ranks)."""
    rows: tuple[Entry, ...]
    groups: tuple[Group, ...] = ()
    shown: tuple[str, ...] = ()
    """The columns and groups a board shows, in order (empty: every column, then the
    average); the CSV has every column and group."""

    def value(self, entry: Entry, name: str) -> float | None:
        if name == self.average:
            return self.mean(entry)
        labels = [c.label for c in self.columns]
        group = next((g for g in self.groups if g.name == name), None)
        if group is not None:
            values = [entry.figures[labels.index(m)] for m in group.members]
            if any(v is None for v in values):
                return None
            return sum(v for v in values if v is not None) / len(values)
        return entry.figures[labels.index(name)] if name in labels else None

    def display(self) -> list[str]:
        if self.shown:
            return list(self.shown)
        return [c.label for c in self.columns] + ([self.average] if self.average else [])

    def every_name(self) -> list[str]:
        names = [c.label for c in self.columns] + [g.name for g in self.groups]
        return names + ([self.average] if self.average else [])

    def mean(self, entry: Entry) -> float | None:
        if self.average is None or any(v is None for v in entry.figures):
            return None
        return sum(v for v in entry.figures if v is not None) / len(entry.figures)


def _table(data: dict[str, Any]) -> Table:
    average = data.get("average") or {}
    table = Table(
        data["id"], data["title"], data["source"], data["protocol"],
        tuple(Column(c["benchmark"], c["metric"], c["label"], c.get("category"),
                     c.get("protocol")) for c in data["columns"]),
        average.get("name"), average.get("rule", ""), data.get("rank_by"),
        tuple(Entry(r["model"], r["params"], r["open"], tuple(r["figures"]), True,
                    dict(r.get("printed") or {}), r.get("note", "")) for r in data["rows"]),
        tuple(Group(g["name"], tuple(g["members"]), g["rule"]) for g in data.get("groups", [])),
        tuple(data.get("shown", [])),
    )  # fmt: skip
    rows = tuple(replace(e, note="; ".join(filter(None, [e.note, _disagreement(table, e)])))
                 for e in table.rows)  # fmt: skip
    return replace(table, rows=rows)


def _disagreement(table: Table, entry: Entry) -> str:
    """Where a row's printed average or group is not the mean of its columns, the row says so
    (the board uses the recomputed one)."""
    said = []
    for name, printed in entry.printed.items():
        value = table.value(entry, name)
        # the paper prints one decimal: a mean within half a unit of it agrees
        if value is not None and abs(value - printed) > 0.05 + 1e-9:
            said.append(f"printed {name} {printed}; the mean of its columns is {value:.2f} "
                        "(used here)")  # fmt: skip
    return "; ".join(said)


def tables() -> list[Table]:
    """Every published table this version ships."""
    folder = resources.files("videoeval") / "data" / "published"
    return [
        _table(json.loads(item.read_text(encoding="utf-8")))
        for item in sorted(folder.iterdir(), key=lambda i: i.name)
        if item.name.endswith(".json")
    ]


def _run_model(run: RunData) -> str:
    return run.model if run.model and run.model != "-" else run.name


def entries_of(table: Table, runs: Sequence[RunData]) -> tuple[list[Entry], list[str]]:
    """One entry per model among ``runs`` that has a figure of the table, and what was left
    out (runs scored with another protocol)."""
    notes = []
    by_model: dict[str, dict[int, float]] = {}
    protocols = {c.benchmark: c.protocol or table.protocol for c in table.columns}
    for run in runs:
        if run.report.benchmark not in protocols:
            continue
        wanted = protocols[run.report.benchmark]
        if run.report.protocol != wanted:
            notes.append(
                f"{run.name}: scored with {run.report.protocol}, not {wanted} as "
                f"{table.source} is: left out (not comparable)"
            )
            continue
        figures = by_model.setdefault(_run_model(run), {})
        for k, column in enumerate(table.columns):
            if column.benchmark == run.report.benchmark and (v := column.read(run)) is not None:
                figures[k] = float(v)
    entries = []
    for model, figures in by_model.items():
        values = tuple(figures.get(k) for k in range(len(table.columns)))
        missing = [c.label for k, c in enumerate(table.columns) if k not in figures]
        note = f"no figure for {', '.join(missing)}" if missing else ""
        entries.append(Entry(model, "-", None, values, False, note=note))
    return entries, notes


def board(table: Table, runs: Sequence[RunData]) -> tuple[list[dict[str, Any]], list[str]]:
    """The table's rows and the runs' models, ranked by the table's ranking figure (overall,
    and among open models; a run's openness is not known, so it is ranked among both)."""
    ours, notes = entries_of(table, runs)
    everyone = [*table.rows, *ours]

    def key(e: Entry) -> float:
        v = table.value(e, table.rank_by) if table.rank_by else None
        return -v if v is not None else math.inf

    ranked = sorted(everyone, key=key) if table.rank_by else everyone
    rows = []
    rank = open_rank = 0
    for entry in ranked:
        value = table.value(entry, table.rank_by) if table.rank_by else None
        if value is not None:
            rank += 1
            open_rank += entry.open is not False
        rows.append({
            "rank": rank if value is not None else None,
            "open_rank": open_rank if value is not None and entry.open is not False else None,
            "model": entry.model, "params": entry.params,
            "open": {True: "open", False: "proprietary", None: "-"}[entry.open],
            "source": table.source if entry.published else "this report",
            "figures": dict(zip([c.label for c in table.columns], entry.figures, strict=True)),
            "average": table.mean(entry), "note": entry.note,
            "values": {name: table.value(entry, name) for name in table.every_name()},
        })  # fmt: skip
    return rows, notes


def _cell(value: float | None) -> str:
    """One decimal, half up as papers print (73.95 is 74.0, not float formatting's 73.9)."""
    if value is None:
        return "-"
    exact = Decimal(repr(round(value, 9)))
    return str(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _rules(table: Table) -> str:
    """What the table's composite figures are, as its source defines them."""
    said = [f"{table.average}: {table.average_rule}."] if table.average else []
    said += [f"{g.name}: {g.rule}." for g in table.groups]
    return " ".join(said)


def markdown(table: Table, rows: Sequence[dict[str, Any]], notes: Sequence[str]) -> str:
    from videoeval.report.leaderboard import md_cell

    names = table.display()
    head = ["#", "open #", "model", "params", "", *names]
    rules = _rules(table)
    lines = [f"### {md_cell(table.title)}", "",
             f"Published rows: {md_cell(table.source)} (protocol `{table.protocol}`)."
             + (f" {md_cell(rules)}" if rules else ""), "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]  # fmt: skip
    for r in rows:
        cells = [str(r["rank"] or "-"), str(r["open_rank"] or "-"), md_cell(r["model"]),
                 md_cell(r["params"]), (r["source"] == "this report" and "**ours**") or "",
                 *[_cell(r["values"][name]) for name in names]]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    extra = [f"- {md_cell(r['model'])}: {md_cell(r['note'])}" for r in rows if r["note"]]
    extra += [f"- {md_cell(n)}" for n in notes]
    return "\n".join(lines + (["", *extra] if extra else [])) + "\n"


def to_csv(table: Table, rows: Sequence[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    names = table.every_name()
    writer = csv.writer(buffer)
    writer.writerow(["rank", "open_rank", "model", "params", "open", "source", *names, "note"])
    for r in rows:
        writer.writerow([r["rank"] or "", r["open_rank"] or "", r["model"], r["params"], r["open"],
                         r["source"], *["" if r["values"][n] is None else r["values"][n]
                                        for n in names], r["note"]])  # fmt: skip
    return buffer.getvalue()


def boards(runs: Sequence[RunData]) -> list[tuple[Table, list[dict[str, Any]], list[str]]]:
    """The published tables some run of the report belongs to, each with its board."""
    out = []
    for table in tables():
        rows, notes = board(table, runs)
        if any(r["source"] == "this report" for r in rows) or notes:
            out.append((table, rows, notes))
    return out


def html_section(table: Table, rows: Sequence[dict[str, Any]], notes: Sequence[str]) -> str:
    import html

    names = table.display()
    head = ["#", "open #", "model", "params", *names]
    body = []
    for r in rows:
        ours = r["source"] == "this report"
        cells = [str(r["rank"] or "-"), str(r["open_rank"] or "-"), r["model"], r["params"],
                 *[_cell(r["values"][name]) for name in names]]  # fmt: skip
        attrs = ' class="ours"' if ours else ""
        body.append(f"<tr{attrs}>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells)
                    + "</tr>")  # fmt: skip
    rules = _rules(table)
    said = "".join(f"<li>{html.escape(r['model'])}: {html.escape(r['note'])}</li>"
                   for r in rows if r["note"])  # fmt: skip
    said += "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    return (f"<h3>{html.escape(table.title)}</h3><p>Published rows: {html.escape(table.source)} "
            f"(protocol {html.escape(table.protocol)}). {html.escape(rules)}</p>"
            f'<div class="wide"><table class="published"><tr>'
            + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr>"
            + "".join(body) + "</table></div>" + (f"<ul>{said}</ul>" if said else ""))  # fmt: skip
