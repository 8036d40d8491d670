"""The report in a real browser: headless Chromium (Debian's package) driven by Playwright.
Checks: no console errors, the leaderboard renders, filters change the rows shown; saves a
screenshot artifact beside the report."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from videoeval.report.html import write_report
from videoeval.report.load import load_run

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def page_factory():
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (Debian package `chromium`): browser test skipped")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield browser
        browser.close()


def test_report_works_in_chromium(run_folders, tmp_path: Path, page_factory) -> None:
    html_path, _ = write_report([load_run(f) for f in run_folders.values()], tmp_path / "r")
    page = page_factory.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(html_path.as_uri())
    page.wait_for_selector("#samples .card")
    assert errors == []
    assert page.locator("#leaderboards tbody tr").count() == len(run_folders)
    # one leaderboard per task, and no horizontal scroll at 1400 px
    assert page.locator("#leaderboards table").count() == 3
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.locator("svg.timeline text.legend").count() > 0
    cell = page.locator('td[data-run="grounding-timelens"][data-metric="R1@0.3"]')
    assert cell.inner_text().startswith("9.00")
    total = page.inner_text("#count")
    assert total.startswith("100 of ")
    page.select_option("#f-run", "audit")
    assert page.inner_text("#count") == "2 of 2 samples"
    page.check("#f-flagged")
    assert page.inner_text("#count") == "1 of 1 samples"
    page.uncheck("#f-flagged")
    page.select_option("#f-run", "grounding-timelens")
    page.fill("#f-iou-min", "0.7")
    assert page.inner_text("#count") == "7 of 7 samples"  # R1@0.7 = 1.4% of 500
    page.select_option("#f-status", "parse_error")
    assert page.inner_text("#count") == "0 of 0 samples"
    page.screenshot(path=str(tmp_path / "r" / "report.png"), full_page=False)
    assert (tmp_path / "r" / "report.png").stat().st_size > 10_000
    assert errors == []
