from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from videoeval.cli import app
from videoeval.report.html import write_report
from videoeval.report.load import load_run

runner = CliRunner()


def embedded(html_path: Path) -> dict:
    text = html_path.read_text(encoding="utf-8")
    blob = re.search(r'<script type="application/json" id="data">(.*?)</script>', text, re.S)
    return json.loads(blob.group(1).replace("<\\/", "</"))


def test_values_in_the_html_equal_metrics_json(run_folders, tmp_path: Path) -> None:
    folders = list(run_folders.values())
    html_path, md_path = write_report([load_run(f) for f in folders], tmp_path / "r")
    data = embedded(html_path)
    for folder, row in zip(folders, data["runs"], strict=True):
        metrics = json.loads((folder / "metrics.json").read_text())
        assert row["run"] == folder.name and row["benchmark"] == metrics["benchmark"]
        for name, value in row["metrics"].items():
            assert value == metrics["metrics"][name]  # exactly, not approximately
        assert row["n"] == metrics["n_counted"]
    samples = data["samples"]
    assert sum(s["run"] == "grounding-timelens" for s in samples) == 3720
    assert {s["view"] for s in samples} == {"timeline", "text"}
    audit = next(s for s in samples if s["run"] == "audit" and s["id"] == "1")
    assert audit["errors"][0]["frames_show"] == "runs"
    markdown = md_path.read_text()
    assert "| grounding-timelens |" in markdown and "9.00 [" in markdown


def test_paired_difference_and_plots(run_folders, tmp_path: Path) -> None:
    import shutil

    # two protocols read the same answers differently: their per-sample IoUs are not compared
    other = [load_run(run_folders["timelens"]), load_run(run_folders["videomind"])]
    assert embedded(write_report(other, tmp_path / "x")[0])["comparisons"] == []
    again = tmp_path / "timelens-again"
    shutil.copytree(run_folders["timelens"], again)
    runs = [load_run(run_folders["timelens"]), load_run(again)]
    html_path, _ = write_report(runs, tmp_path / "r")
    data = embedded(html_path)
    (comparison,) = data["comparisons"]
    assert comparison["shared"] == 500 and comparison["measure"] == "IoU"
    assert comparison["difference"] == 0.0 == comparison["ci95"][0] == comparison["ci95"][1]
    text = html_path.read_text()
    assert text.count("data:image/png;base64,") == 2  # IoU histogram, R1 curve


def test_no_machine_paths_or_keys_leak(run_folders, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-never-in-a-report-123")
    result = runner.invoke(
        app, ["report", *map(str, run_folders.values()), "--out", str(tmp_path / "r")]
    )
    assert result.exit_code == 0, result.output
    text = (tmp_path / "r" / "report.html").read_text()
    assert "sk-never-in-a-report" not in text
    assert "/home/someone" not in text and "decoded from 1.mp4 fine" in text
    for folder in run_folders.values():
        assert str(folder.parent) not in text


def test_a_folder_without_metrics_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", str(tmp_path), "--out", str(tmp_path / "r")])
    assert result.exit_code == 2 and "no metrics.json" in result.output


def test_frame_strips_are_small_shared_files(tmp_path: Path) -> None:
    from tests.video.synth import write_video
    from videoeval.schema import MetricsReport

    videos = tmp_path / "videos"
    videos.mkdir()
    write_video(videos / "7.mp4", frames=32, fps=16, size=(160, 96))
    run = tmp_path / "audit"
    run.mkdir()
    (run / "metrics.json").write_text(MetricsReport(
        benchmark="dream1k", task="audit", protocol="gt-audit",
        protocol_reference="t", n_total=2, n_scored=2, n_counted=2,
        metrics={"loose_rate": 0.0}, ci95={}, failures={}, failure_rule="t", inputs={},
        videoeval_version="t",
    ).model_dump_json())  # fmt: skip
    frames = {"video": "7.mp4", "indices": list(range(0, 32, 2)),
              "timestamps": [i / 16 for i in range(0, 32, 2)]}  # fmt: skip
    rows = [
        {"sample_id": s, "video_id": "7", "status": "ok", "frames": frames, "runs": []}
        for s in ("a", "b")
    ]  # two clips of one video: the same frames
    (run / "samples.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    html_path, _ = write_report([load_run(run)], tmp_path / "r", videos=videos)
    thumbs = sorted((tmp_path / "r" / "thumbs").iterdir())
    assert len(thumbs) == 8  # 8 per sample, shared by both samples
    assert all(t.stat().st_size < 5000 for t in thumbs)
    samples = embedded(html_path)["samples"]
    assert samples[0]["thumbs"] == samples[1]["thumbs"]
    assert samples[0]["thumbs"][0] == {"t": 0.0, "src": "thumbs/7_0.jpg"}
