"""Command-line start-up: ``videoeval --help`` and ``videoeval list`` as a user runs them,
against the design they replaced (the library imported when the CLI loads), in the same run.

Each case is a fresh interpreter; the table gives the median of ``--repeats`` runs.
Run: ``python bench/cli_startup.py [--repeats 7]``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

EAGER = (
    "import videoeval.api, videoeval.api.run, videoeval.api.audit, videoeval.benchmarks, "
    "videoeval.protocols; from videoeval.cli import app; app({args})"
)
CASES = {
    "videoeval --help": [sys.executable, "-m", "videoeval", "--help"],
    "videoeval list": [sys.executable, "-m", "videoeval", "list"],
    "--help, library imported at start": [
        sys.executable, "-c", EAGER.format(args="['--help']"),
    ],
}  # fmt: skip


def median_seconds(command: list[str], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    results = {name: median_seconds(cmd, args.repeats) for name, cmd in CASES.items()}
    eager = results["--help, library imported at start"]
    print(f"\n| {'case':<36} | {'median s':>8} | {'vs eager --help':>15} |")
    print(f"|{'-' * 38}|{'-' * 10}|{'-' * 17}|")
    for name, seconds in results.items():
        print(f"| {name:<36} | {seconds:>8.3f} | {eager / seconds:>14.2f}x |")


if __name__ == "__main__":
    main()
