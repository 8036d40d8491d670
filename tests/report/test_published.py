"""Leaderboards beside the published tables: the shipped rows equal their source's own figures
(the average as the source defines it), and runs scored under the table's protocol are placed
among them with their rank; runs under another protocol are left out, saying why."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from videoeval.report.html import write_report
from videoeval.report.load import load_run
from videoeval.report.published import board, tables
from videoeval.schema import MetricsReport

TABLES = {t.id: t for t in tables()}


def test_timelens_table1_averages_equal_the_printed_ones() -> None:
    table = TABLES["timelens-bench"]
    assert len(table.columns) == 12 and len(table.rows) == 11
    for row in table.rows:
        # Avg = the mean of the 12 figures, printed to one decimal
        assert round(table.mean(row), 1) == pytest.approx(row.printed["Avg"]), row.model
    gemini = next(r for r in table.rows if r.model == "Gemini-2.5-Pro")
    assert table.mean(gemini) == pytest.approx(755.2 / 12)


def test_dream1k_table1_overall_f1_is_the_f1_of_its_precision_and_recall() -> None:
    table = TABLES["dream1k-tarsier2"]
    labels = [c.label for c in table.columns]
    for row in table.rows:
        f1, p, r = (
            row.figures[labels.index(f"Overall {m}")] for m in ("F1", "precision", "recall")
        )
        assert abs(2 * p * r / (p + r) - f1) <= 0.1, row.model  # AutoDQ's F1 of the two means


def _run(root: Path, name: str, benchmark: str, protocol: str, metrics: dict, model: str) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    report = MetricsReport(
        benchmark=benchmark, task="grounding", protocol=protocol, protocol_reference="t",
        n_total=10, n_scored=10, n_counted=10, metrics=metrics, ci95={}, failures={},
        failure_rule="t", inputs={}, model=model, videoeval_version="t",
    )  # fmt: skip
    (folder / "metrics.json").write_text(report.model_dump_json())
    (folder / "samples.jsonl").write_text("")
    return folder


def test_a_model_is_placed_among_the_published_rows(tmp_path: Path) -> None:
    figures = {"timelens-charades": [70.0, 55.0, 30.0, 50.0],
               "timelens-activitynet": [60.0, 50.0, 33.0, 46.0],
               "timelens-qvhighlights": [70.0, 58.0, 46.0, 56.0]}  # fmt: skip
    names = ("R1@0.3", "R1@0.5", "R1@0.7", "mIoU")
    folders = [
        _run(tmp_path, split, split, "timelens", dict(zip(names, v, strict=True)), "mine-2b")
        for split, v in figures.items()
    ]
    other = _run(tmp_path, "other", "timelens-charades", "lmms-eval", {"R1@0.5": 90.0}, "x")
    runs = [load_run(f) for f in [*folders, other]]
    rows, notes = board(TABLES["timelens-bench"], runs)
    ours = next(r for r in rows if r["model"] == "mine-2b")
    assert ours["average"] == pytest.approx(sum(sum(v) for v in figures.values()) / 12)  # 52.0
    # 52.0 sits below TimeLens-7B (52.7) and above GPT-5 (47.9): 8th of 12; 4 open models are
    # above it (TimeLens-8B, Qwen3-VL-235B-A22B, Qwen3-VL-8B, TimeLens-7B): 5th among open
    assert (ours["rank"], ours["open_rank"]) == (8, 5)
    assert notes == [
        "other: scored with lmms-eval, not timelens as Zhang et al. 2025, TimeLens "
        "(TencentARC/TimeLens), Table 1 is: left out (not comparable)"
    ]
    html, md = write_report(runs, tmp_path / "report")
    text = md.read_text()
    assert "## Beside the published tables" in text and "| 8 | 5 | mine-2b |" in text
    written = (tmp_path / "report" / "published-timelens-bench.csv").read_text()
    table = list(csv.DictReader(io.StringIO(written)))
    assert len(table) == 12 and table[7]["model"] == "mine-2b"
    assert "Beside the published tables" in html.read_text()


def test_a_model_missing_a_split_has_no_average_and_says_so(tmp_path: Path) -> None:
    folder = _run(tmp_path, "one", "timelens-charades", "timelens",
                  {"R1@0.3": 1.0, "R1@0.5": 1.0, "R1@0.7": 1.0, "mIoU": 1.0}, "half")  # fmt: skip
    rows, _ = board(TABLES["timelens-bench"], [load_run(folder)])
    ours = next(r for r in rows if r["model"] == "half")
    assert ours["rank"] is None and ours["average"] is None
    assert ours["note"].startswith("no figure for activitynet R1@0.3")
    assert json.dumps(rows)  # plain data


def test_tarsier2_short_qa_mixes_protocols_by_column(tmp_path: Path) -> None:
    table = TABLES["tarsier2-short-qa"]
    tarsier2 = next(r for r in table.rows if r.model == "Tarsier2-7B")
    assert round(table.mean(tarsier2), 1) == tarsier2.printed["Short"]  # (71.5+54.7+42.0)/3
    runs = [load_run(_run(tmp_path, name, bench, protocol, {"accuracy": value}, "mine"))
            for name, bench, protocol, value in (
                ("mv", "mvbench", "tarsier-mc", 70.0), ("tv", "tvbench", "tarsier-mc", 50.0),
                ("to", "tomato", "tomato", 40.0),
                ("tv-official", "tvbench", "mvbench", 99.0))]  # fmt: skip
    rows, notes = board(table, runs)
    ours = next(r for r in rows if r["model"] == "mine")
    assert ours["average"] == pytest.approx(160 / 3) and ours["rank"] == 3  # below 56.1 and 54.7
    assert ours["figures"]["TVBench"] == 50.0  # the tarsier-mc run; the mvbench one is left out
    assert notes == [
        "tv-official: scored with mvbench, not tarsier-mc as Yuan et al. 2025, "
        "Tarsier2 (bytedance/tarsier), Table 3 is: left out (not comparable)"
    ]
    assert {t.id for t in TABLES.values()} >= {"tarsier2-videohallucer", "tarsier2-long-qa"}


def test_a_printed_mean_that_is_not_the_mean_of_its_columns_is_flagged() -> None:
    table = TABLES["tarsier2-etbench-grounding"]
    flagged = {r.model: r.note for r in table.rows if r.note}
    # specs/video_qa.md: these three rows' printed Mean disagrees with their columns
    assert set(flagged) == {"Tarsier2-7B†", "Qwen2-VL-7B†", "Tarsier-7B†"}
    assert flagged["Tarsier2-7B†"] == (
        "printed Mean 35.5; the mean of its columns is 33.48 (used here)"
    )
    assert round(table.mean(table.rows[1]), 1) == table.rows[1].printed["Mean"]  # E.T. Chat
