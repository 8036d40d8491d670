"""Reports of dense-captioning runs (densevid and E.T. Bench): headline metrics from the
protocol, real sample cards (events on a timeline, both sides listed), a well-formed Markdown
leaderboard; checked in headless Chromium."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.report.test_browser import page_factory  # noqa: F401 - the browser fixture
from videoeval.api import DenseOptions, ScoreRequest, score
from videoeval.report.html import write_report
from videoeval.report.load import load_run

GT = {
    "v_a": {"duration": 30.0, "timestamps": [[0, 10], [10, 20]],
            "sentences": ["a man opens a door", "he sits down"]},
    "v_b": {"duration": 20.0, "timestamps": [[5, 15]], "sentences": ["a dog barks"]},
}  # fmt: skip
RESULTS = {"results": {
    "v_a": [{"timestamp": [0, 9], "sentence": "a man opens the door"},
            {"timestamp": [25, 30], "sentence": "he leaves"}],
}}  # fmt: skip
ETBENCH = [
    {"task": "dvc", "source": "youcook2", "video": "a.mp4", "idx": 0, "tgt": [[0, 10], [10, 20]],
     "g": ["crack the eggs", "whisk the eggs"],
     "a": "0 - 10 seconds, crack the eggs. 10 - 20 seconds, whisk the eggs."},
    {"task": "slc", "source": "coin", "video": "b.mp4", "idx": 1, "tgt": [[0, 30]],
     "g": ["remove the wheel"], "a": "no timestamps here"},
]  # fmt: skip


@pytest.fixture(scope="module")
def dense_folders(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("dense")
    (root / "val_1.json").write_text(json.dumps(GT))
    (root / "results.json").write_text(json.dumps(RESULTS))
    folders = {"dense": root / "dense"}
    score(
        ScoreRequest("activitynet-captions", predictions=root / "results.json",
                     annotations=root / "val_1.json", protocol="densevid-2018",
                     dense=DenseOptions(language=False), model_name="my-model")
    ).write(folders["dense"])  # fmt: skip
    if shutil.which("java") and _importable("pycocoevalcap") and _importable("tokenizers"):
        (root / "etbench.json").write_text(json.dumps(ETBENCH))
        folders["etbench"] = root / "etbench"
        score(ScoreRequest("etbench", predictions=root / "etbench.json")).write(folders["etbench"])
    return folders


def _importable(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def test_dense_report_data_and_markdown(dense_folders, tmp_path: Path) -> None:
    runs = [load_run(f) for f in dense_folders.values()]
    _, md_path = write_report(runs, tmp_path / "r")
    lines = md_path.read_text().splitlines()
    header, separator = lines[2], lines[3]
    assert header.count("|") == separator.count("|")
    assert "precision" in header and "recall" in header
    assert "my-model" in md_path.read_text()
    if "etbench" in dense_folders:
        assert "DVC_F1" in header and "SLC_F1" in header


def test_dense_report_in_chromium(dense_folders, tmp_path: Path, page_factory) -> None:  # noqa: F811
    runs = [load_run(f) for f in dense_folders.values()]
    html_path, _ = write_report(runs, tmp_path / "r")
    page = page_factory.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(html_path.as_uri())
    page.wait_for_selector("#samples .card")
    metrics = json.loads((dense_folders["dense"] / "metrics.json").read_text())["metrics"]
    cell = page.locator('td[data-run="dense"][data-metric="precision"]')
    assert cell.inner_text().startswith(f"{metrics['precision']:.2f}")
    page.select_option("#f-run", "dense")
    assert page.inner_text("#count") == "2 of 2 samples"
    # the worst scored sample comes first; this one has both sides
    first = page.locator("#samples .card", has_text="a man opens the door").first
    text = first.inner_text()
    assert "GT events" in text and "a man opens the door" in text and "he sits down" in text
    assert first.locator("svg.timeline rect.gt").count() == 2
    assert first.locator("svg.timeline rect.pred").count() == 2
    if "etbench" in dense_folders:
        et = json.loads((dense_folders["etbench"] / "metrics.json").read_text())["metrics"]
        f1 = page.locator('td[data-run="etbench"][data-metric="DVC_F1"]')
        assert f1.inner_text().startswith(f"{et['DVC_F1']:.2f}")
        page.select_option("#f-run", "etbench")
        assert page.inner_text("#count") == "2 of 2 samples"
        assert "crack the eggs" in page.locator("#samples").inner_text()
    assert errors == []
