"""Video ids are names inside --videos, never paths out of it: `../`, absolute ids and links to
files elsewhere are refused (recorded as video errors), and nothing outside is ever sent."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tests.fake_servers import FakeServer, Received, Reply, openai_reply
from tests.video.synth import write_video
from videoeval.report.html import thumbnail_stem

runner = CliRunner()


def test_ids_that_lead_outside_the_folder_are_refused(tmp_path: Path) -> None:
    from videoeval.cli import app

    videos = tmp_path / "videos"
    videos.mkdir()
    write_video(videos / "inside.mp4", frames=50, fps=25)
    write_video(tmp_path / "secret.mp4", frames=50, fps=25, size=(96, 64))
    (videos / "link.mp4").symlink_to(tmp_path / "secret.mp4")
    ids = ["inside", "../secret", str(tmp_path / "secret"), "link"]
    annotations = tmp_path / "charades-timelens.json"
    annotations.write_text(json.dumps({
        vid: {"duration": 2.0, "spans": [[0, 1]], "queries": [f"query {i}"]}
        for i, vid in enumerate(ids)
    }))  # fmt: skip
    sent: list[int] = []

    def server_script(received: Received, n: int) -> Reply:
        sent.append(received.videos)
        return openai_reply("0 - 1 seconds")

    with FakeServer(server_script) as server:
        result = runner.invoke(app, [
            "run", "timelens-charades", "-a", str(annotations), "--videos", str(videos),
            "--model", "m", "--base-url", server.base_url, "--video-mode", "video",
            "--out", str(tmp_path / "out"), "--cache", str(tmp_path / "cache"),
        ])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert sent == [1]  # only the video inside the folder was uploaded
    rows = [json.loads(x) for x in (tmp_path / "out" / "responses.jsonl").read_text().splitlines()]
    refused = [r for r in rows if r["status"] == "video_error"]
    assert len(refused) == 3 and all("outside the videos folder" in r["error"] for r in refused)


def test_thumbnail_names_stay_in_their_folder() -> None:
    for video_id in ("../../etc/passwd", "/abs/x", "a/b", "..", "ok_id-1.2"):
        stem = thumbnail_stem(video_id)
        assert "/" not in stem and not stem.startswith(".")
    assert thumbnail_stem("ok_id-1.2") == "ok_id-1.2"
    assert thumbnail_stem("a/b") != thumbnail_stem("a_b")
