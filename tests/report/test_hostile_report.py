"""Content cannot break the report: a string that would end its script block, line and paragraph
separators inside answers, two runs from folders of the same name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.report.test_browser import page_factory  # noqa: F401 - the browser fixture
from videoeval.api.score import ScoreRequest, score
from videoeval.report.html import write_report
from videoeval.report.load import load_run

HOSTILE = [
    "<!--<script>alert(1)</script> 2 - 5 seconds",
    "it happens at 1 - 3\u2028 seconds\u0085 later",
    "</script><script>document.title='x'</script> 0 - 1",
]


@pytest.fixture
def hostile_runs(tmp_path: Path) -> list[Path]:
    lines = [{"id": str(i), "answer": answer} for i, answer in enumerate(HOSTILE)]
    predictions = tmp_path / "p.jsonl"
    predictions.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines))
    annotations = tmp_path / "charades_test.json"
    annotations.write_text(json.dumps({"annotations": [
        {"image_id": f"V{i}.mp4", "caption": f"query {i}", "timestamp": [1.0, 4.0], "id": i}
        for i in range(3)
    ]}))  # fmt: skip
    folders = []
    for parent, protocol in (("a", "timelens"), ("b", "lmms-eval")):
        folder = tmp_path / parent / "same-name"
        request = ScoreRequest(
            "charades-sta", predictions=predictions, annotations=annotations, protocol=protocol
        )
        outcome = score(request)
        outcome.write(folder)
        folders.append(folder)
    return folders


def test_separators_inside_answers_keep_their_lines(hostile_runs) -> None:
    run = load_run(hostile_runs[0])
    assert len(run.rows) == 3 and run.rows[1].answer == HOSTILE[1]


def test_hostile_content_renders_every_card_and_row(hostile_runs, tmp_path, page_factory) -> None:  # noqa: F811
    runs = [load_run(f) for f in hostile_runs]
    html_path, _ = write_report(runs, tmp_path / "r")
    page = page_factory.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: errors.append(f"a dialog opened: {dialog.message}"))
    page.goto(html_path.as_uri())
    page.wait_for_selector("#samples .card")
    assert page.title() == "videoeval report"
    assert page.locator("#leaderboards tbody tr").count() == 2
    assert page.inner_text("#count") == "6 of 6 samples"
    text = page.inner_text("#samples")
    assert "<!--<script>alert(1)</script>" in text
    labels = [runs[0].name, runs[1].name]
    assert labels == ["same-name", "same-name (2)"]
    for run, label in zip(runs, labels, strict=True):
        cell = page.locator(f'td[data-run="{label}"][data-metric="R1@0.3"]')
        assert cell.inner_text().startswith(f"{run.report.metrics['R1@0.3']:.2f}")
    assert errors == []


def test_malformed_frame_records_give_no_thumbnails_and_no_traceback(tmp_path: Path) -> None:
    from tests.video.synth import write_video
    from videoeval.report.html import make_thumbnails
    from videoeval.report.load import RunData, typed_rows
    from videoeval.schema import MetricsReport

    videos = tmp_path / "videos"
    videos.mkdir()
    write_video(videos / "v.mp4", frames=10, fps=10)
    frames = [None, "x", {"indices": "0,1"}, {"indices": [0, 1], "timestamps": [0.0]},
              {"indices": [10**12], "timestamps": [1.0]}, {"indices": [True], "timestamps": [0]},
              {"indices": [0, 5], "timestamps": [0.0, 0.5]}]  # fmt: skip
    rows = [{"sample_id": str(i), "video_id": "v", "frames": f} for i, f in enumerate(frames)]
    report = MetricsReport.model_construct(task="audit", protocol="gt-audit")
    run = RunData("r", report, typed_rows(rows, "gt-audit"), "m")
    thumbs = make_thumbnails([run], videos, tmp_path / "thumbs")
    assert list(thumbs) == [("r", "6")]  # only the well-formed record
