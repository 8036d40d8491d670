"""A report over a `pairs` folder and a `rollouts` folder, made by the real commands against
the fake server, in headless Chromium at 1400 px: every pair and prompt shown, nothing wider
than the window, no script error."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from tests.fake_servers import FakeServer
from tests.report.test_browser import page_factory  # noqa: F401
from tests.test_pairs import invoke as make_pairs
from tests.test_pairs import make_dream, policy
from tests.test_rollouts import answer, make_rollout_bench
from tests.test_rollouts import invoke as make_rollouts
from videoeval.cli import app


def test_pairs_and_rollouts_folders_in_chromium(tmp_path: Path, page_factory) -> None:  # noqa: F811
    (tmp_path / "p").mkdir()
    (tmp_path / "r").mkdir()
    videos, annotations = make_dream(tmp_path / "p")
    with FakeServer(policy) as server:
        made = make_pairs(videos, annotations, tmp_path / "p" / "pairs", server.base_url)
        assert made.exit_code == 0, made.output
    with FakeServer(answer) as server:
        made = make_rollouts(make_rollout_bench(tmp_path / "r"), tmp_path / "r" / "rollouts",
                             server.base_url, "--samples", "4", "--keep-below", "0.9")  # fmt: skip
        assert made.exit_code == 0, made.output
    folders = [tmp_path / "p" / "pairs", tmp_path / "r" / "rollouts"]
    shown = CliRunner().invoke(app, ["report", *map(str, folders), "-o", str(tmp_path / "out")])
    assert shown.exit_code == 0, shown.output
    page = page_factory.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto((tmp_path / "out" / "report.html").as_uri())
    page.wait_for_selector("table.pairs")
    assert errors == []
    pairs = page.locator("table.pairs tr")
    assert pairs.count() == 1 + 3  # the header and the three clips' pairs
    assert "He sits down." in pairs.nth(1).inner_text()  # the rejected text beside the chosen
    assert page.locator("table.rollouts tr").count() == 1 + 8  # 8 prompts
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
