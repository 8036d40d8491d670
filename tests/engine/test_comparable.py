"""A Qwen3-VL run on TimeLens-Bench with other frames than Table 1's is said to be not
comparable, with both clip budgets, on the terminal and in metrics.json."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tests.engine.conftest import answer_script, make_bench
from tests.fake_servers import FakeServer
from videoeval.cli import app
from videoeval.engine.comparable import comparability
from videoeval.video.presets import PRESETS


def _config(model: str, preset: str | None, settings: dict) -> dict:
    budget = {k: settings[k] for k in ("factor", "min_pixels", "max_pixels", "total_pixels")}
    sampling = {"kind": settings["sampling"], "fps": settings["fps"],
                "min_frames": settings["min_frames"]}  # fmt: skip
    frames = {"sampling": sampling, "budget": budget, "sampling_text": "2 fps"}
    if preset:
        frames["preset"] = preset
    return {"model": {"model": model}, "frames": frames}


def test_the_official_frames_are_comparable_and_qwen_vl_utils_defaults_are_not() -> None:
    official = PRESETS["timelens-8b"]
    assert (
        comparability(
            "timelens-charades", _config("my-qwen3-vl", "timelens-8b v1", official.settings)
        )
        is None
    )
    # the same settings given by hand are the same frames
    assert (
        comparability("timelens-charades", _config("Qwen/Qwen3-VL-8B", None, official.settings))
        is None
    )
    note = comparability(
        "timelens-charades",
        _config("Qwen/Qwen3-VL-8B", "qwen3-vl v1", PRESETS["qwen3-vl"].settings),
    )
    assert note is not None and "115,200 tokens a clip" in note and "14,336 tokens" in note
    assert "--preset timelens-8b" in note
    # no declaration for another family, nor for a benchmark without a published table
    assert comparability("timelens-charades", _config("gpt-4o", None, official.settings)) is None
    assert comparability("charades-sta", _config("Qwen3-VL", "qwen3-vl v1",
                                                 PRESETS["qwen3-vl"].settings)) is None  # fmt: skip


def test_a_run_says_it_on_the_terminal_and_in_metrics_json(tmp_path: Path) -> None:
    bench = make_bench(tmp_path)
    with FakeServer(answer_script) as server:
        args = ["run", "timelens-charades", "-a", bench["annotations"], "--videos",
                bench["videos"], "--model", "Qwen/Qwen3-VL-8B-Instruct", "--base-url",
                server.base_url, "-o", tmp_path / "run", "--cache", tmp_path / "cache",
                "--max-tokens", "64"]  # fmt: skip
        result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "not comparable with TimeLens-Bench Table 1 (Zhang et al. 2025)" in said
    warnings = json.loads((tmp_path / "run" / "metrics.json").read_text())["warnings"]
    assert any("run with --preset timelens-8b" in w for w in warnings)
