"""Report size and opening time: a 10,000-sample grounding run, rendered and opened in headless
Chromium (Debian's package, driven by Playwright); time until the first sample cards are drawn,
and the time for a filter to redraw. Run: ``python bench/report.py [--n 10000] [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from score_grounding import make_files
from videoeval.report.html import write_report
from videoeval.report.load import load_run
from videoeval.scoring.grounding_scorer import score_files, write_outputs

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("needs Debian's chromium package (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        ann, pred = make_files(root, args.n)
        write_outputs(score_files("timelens-charades", ann, pred), root / "run")
        start = time.perf_counter()
        html_path, _ = write_report([load_run(root / "run")], root / "report")
        build = time.perf_counter() - start
        size_mb = html_path.stat().st_size / 1e6
        opens, filters = [], []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=FLAGS)
            for _ in range(args.repeats):
                page = browser.new_page()
                start = time.perf_counter()
                page.goto(html_path.as_uri())
                page.wait_for_selector("#samples .card")
                opens.append(time.perf_counter() - start)
                start = time.perf_counter()
                page.fill("#f-iou-min", "0.7")
                page.wait_for_function(
                    "document.querySelector('#count').textContent.includes('of')"
                )
                filters.append(time.perf_counter() - start)
                page.close()
            browser.close()
    print(f"\nreport of one {args.n:,}-sample grounding run, median of {args.repeats}\n")
    print(f"| {'what':<34} | {'value':>10} |")
    print(f"|{'-' * 36}|{'-' * 12}|")
    print(f"| {'build report.html (s)':<34} | {build:>10.2f} |")
    print(f"| {'report.html size (MB)':<34} | {size_mb:>10.1f} |")
    print(f"| {'open until first cards drawn (s)':<34} | {statistics.median(opens):>10.2f} |")
    print(f"| {'apply an IoU filter (s)':<34} | {statistics.median(filters):>10.2f} |")


if __name__ == "__main__":
    main()
