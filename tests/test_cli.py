from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from videoeval.cli import app
from videoeval.demo import GT_FILE, PRED_FILE, data_path

runner = CliRunner()


def test_demo_runs_offline_and_writes_every_protocol(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--out", str(tmp_path), "--bootstrap", "50"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    # the six protocols read these spans alike: the spread comes from N, and the demo says so
    assert "differ by at most 0.00 points" in said
    assert "What moves the numbers is N: 500 answered queries or all 3720" in said
    assert "R1@0.3 9.00 into 1.21" in said
    timechat = json.loads((tmp_path / "timechat" / "metrics.json").read_text())
    assert timechat["metrics"] == {"R1@0.3": 9.0, "R1@0.5": 3.4, "R1@0.7": 1.4}
    for name in ("timelens", "lmms-eval", "videomind", "vtimellm", "moment-detr"):
        assert (tmp_path / name / "samples.jsonl").exists()
    assert (tmp_path / "report" / "report.html").exists() and "report:" in result.output


def test_score_writes_the_metrics_contract(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "score",
            "charades-sta",
            "--annotations",
            str(data_path(GT_FILE)),
            "--predictions",
            str(data_path(PRED_FILE)),
            "--protocol",
            "timelens",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "timechat-formatted" in result.output
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    for key in ("benchmark", "protocol", "n_total", "n_scored", "metrics", "ci95", "failures"):
        assert key in metrics
    assert metrics["protocol"] == "timelens" and metrics["benchmark"] == "charades-sta"
    assert set(metrics["metrics"]) == {"R1@0.3", "R1@0.5", "R1@0.7", "mIoU"}
    low, high = metrics["ci95"]["R1@0.3"]
    assert low <= metrics["metrics"]["R1@0.3"] <= high
    assert metrics["n_total"] == 3720 and metrics["n_counted"] == 500
    rows = [json.loads(line) for line in (tmp_path / "samples.jsonl").read_text().splitlines()]
    assert len(rows) == 3720
    assert {"answer", "parsed", "scored_span", "iou", "status"} <= set(rows[0])
    serialized = (tmp_path / "metrics.json").read_text() + (tmp_path / "samples.jsonl").read_text()
    assert str(Path.cwd()) not in serialized and str(tmp_path) not in serialized


def _score_charades(preds: Path, out: Path):
    args = ["score", "charades-sta", "-a", str(data_path(GT_FILE)), "-p", str(preds)]
    return runner.invoke(app, [*args, "-o", str(out)])


def test_nothing_matched_exits_non_zero(tmp_path: Path) -> None:
    preds = tmp_path / "p.jsonl"
    preds.write_text('{"vid": "nope", "query": "nothing", "answer": "1 - 2"}\n', encoding="utf-8")
    result = _score_charades(preds, tmp_path)
    assert result.exit_code == 1
    assert "nothing to score" in result.output


def test_partial_garbage_still_scores_and_warns(tmp_path: Path) -> None:
    preds = tmp_path / "p.jsonl"
    preds.write_text(
        '{"vid": "3MSZA.mp4", "query": "person turn a light on.", "answer": "24 - 30"}\n'
        "{not json\n"
        '{"vid": "3MSZA", "query": "a query nobody asked", "answer": "1 - 2"}\n',
        encoding="utf-8",
    )
    result = _score_charades(preds, tmp_path)
    assert result.exit_code == 0, result.output
    output = result.output.replace("\n", "")  # a long temporary path wraps the line anywhere
    assert "p.jsonl:2" in output
    assert "match no GT query" in output
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["n_counted"] == 1 and metrics["metrics"]["R1@0.7"] == 100.0


def test_usage_errors_are_clear(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"
    cases = [
        (["score", "charades", "-a", "x", "-p", "y"], "unknown benchmark"),
        (
            ["score", "charades-sta", "-a", "x", "-p", "y", "--protocol", "official"],
            "unknown protocol",
        ),
        (["score", "charades-sta", "-a", str(missing), "-p", str(missing)], "file not found"),
    ]
    for args, message in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 2 and message in result.output, result.output


def test_list_and_help_teach() -> None:
    listed = runner.invoke(app, ["list"])
    assert listed.exit_code == 0
    for name in ("timelens-charades", "qvhighlights", "vtimellm", "moment-detr", "a918705f"):
        assert name in listed.output
    flat = "".join(listed.output.replace("│", " ").split())  # the table wraps its cells
    assert "[duration+10," in flat and "duration+20]" in flat
    assert "fujiso/SODA@9cb3e2c" in flat and "356ec65" in flat
    helped = runner.invoke(app, ["score", "--help"])
    assert "--protocol" in helped.output and "--missing" in helped.output


def test_list_filters_and_prints_json() -> None:
    import json

    grounding = runner.invoke(app, ["list", "protocols", "--task", "grounding", "--json"])
    data = json.loads(grounding.output)
    assert list(data) == ["protocols"]
    assert {p["task"] for p in data["protocols"]} == {"grounding"}
    timelens = next(p for p in data["protocols"] if p["name"] == "timelens")
    assert timelens["config"]["text_round_unit"] == 1.0 and "grounding" in timelens["options"]
    dream = json.loads(runner.invoke(app, ["list", "--benchmark", "dream1k", "--json"]).output)
    assert [b["id"] for b in dream["benchmarks"]] == ["dream1k"]
    assert {p["task"] for p in dream["protocols"]} == {"captioning", "audit"}
    assert [t["id"] for t in dream["tables"]] == ["dream1k-tarsier2", "tarsier2-grid"]
    wrong = runner.invoke(app, ["list", "--task", "counting"])
    assert wrong.exit_code == 2 and "unknown task 'counting'" in wrong.output


def test_the_entry_point_builds_only_the_named_command_and_restores_the_rest(
    monkeypatch, capsys
) -> None:
    import pytest

    from videoeval.cli import app, main

    every = list(app.registered_commands)
    for argv, code, shown in (
        (["videoeval", "list"], 0, "timelens"),
        (["videoeval", "lst"], 2, "No such command"),  # a typo: the full group, its hints
        (["videoeval", "--version"], 0, "videoeval"),
    ):
        monkeypatch.setattr("sys.argv", argv)
        with pytest.raises(SystemExit) as ended:
            main()
        out = capsys.readouterr()
        assert ended.value.code == code and shown in out.out + out.err
        assert app.registered_commands == every


def test_each_command_is_found_in_the_module_the_entry_point_imports_for_it() -> None:
    from videoeval.cli import COMMAND_MODULES, MODULES

    registered = {(c.name or c.callback.__name__): c.callback for c in app.registered_commands}
    for group in app.registered_groups:  # `data check`: a group of commands
        registered[group.name] = group.typer_instance.registered_commands[0].callback
    assert set(registered) == set(COMMAND_MODULES)
    for name, callback in registered.items():
        assert callback.__module__ == f"videoeval.cli.{COMMAND_MODULES[name]}", name
    assert set(COMMAND_MODULES.values()) == set(MODULES)


def test_a_named_command_imports_its_own_module_only() -> None:
    import subprocess
    import sys

    probe = (
        "import sys; sys.argv = ['videoeval', 'list']\n"
        "from videoeval.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('videoeval.cli.')), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert "timelens-charades" in done.stdout
    loaded = done.stderr.strip().splitlines()[-1]
    assert loaded == "['videoeval.cli.catalog', 'videoeval.cli.common']"


def test_text_holding_an_emoji_code_is_printed_as_written() -> None:
    from videoeval.cli.common import console

    with console.capture() as captured:
        console.print("a person says :thumbs_up: to the camera")
    assert ":thumbs_up:" in captured.get()
