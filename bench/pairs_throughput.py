"""Preference-pair throughput on a clip list of 1,000 clips against a local policy answering
after a fixed delay: clips per second, the calls `--dry-run` priced against the calls made, and
a run killed with SIGKILL mid-way then resumed, which must ask nothing twice.

Each clip is a generated H.264 video (32 frames, 96x64); each of its two requests (clean and
corrupted, 16 uniform frames) goes through the run engine; pairs are scored by the offline
EventSim proxy (no judge). Run: ``python bench/pairs_throughput.py [--clips 1000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.video.synth import write_video

from light_server import LightServer

GOOD = "A counter counts up. The square stays still."
BAD = "A counter counts."


def answer(body: dict, n: int) -> str:
    return GOOD if n % 3 else BAD


def command(root: Path, url: str, out: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "videoeval", "pairs", "clips", "-a", str(root / "clips.jsonl"),
            "--videos", str(root / "videos"), "--model", "policy", "--base-url", url,
            "--concurrency", "32", "-o", str(root / out), "--cache", str(root / f"cache-{out}"),
            *extra]  # fmt: skip


def priced(root: Path, url: str) -> int:
    done = subprocess.run(command(root, url, "dry", "--dry-run"), capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "200"}, check=True)  # fmt: skip
    found = re.search(r"policy calls at most\s*│\s*([\d,]+)", done.stdout)
    assert found, done.stdout
    return int(found.group(1).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clips", type=int, default=1000)
    parser.add_argument("--delay", type=float, default=0.2)
    parser.add_argument("--kill-at", type=float, default=0.4,
                        help="share of the calls logged when the run is killed")  # fmt: skip
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, LightServer(args.delay, answer) as server:
        root = Path(tmp)
        (root / "videos").mkdir()
        start = time.perf_counter()
        with open(root / "clips.jsonl", "w") as handle:
            for i in range(args.clips):
                write_video(root / "videos" / f"{i}.mp4", frames=32, fps=16, size=(96, 64))
                handle.write(json.dumps({"video": f"{i}.mp4", "caption": GOOD}) + "\n")
        print(f"wrote {args.clips} clips in {time.perf_counter() - start:.1f} s")
        calls_priced = priced(root, server.url)
        before = server.calls
        start = time.perf_counter()
        proc = subprocess.Popen(command(root, server.url, "whole"), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)  # fmt: skip
        whole_log, asked = root / "whole" / "responses.jsonl", None
        while proc.poll() is None:
            if (
                asked is None
                and whole_log.exists()
                and (whole_log.read_text().count("\n") >= calls_priced)
            ):
                asked = time.perf_counter() - start
            time.sleep(0.05)
        assert proc.returncode == 0
        whole = time.perf_counter() - start
        asked = asked or whole
        made = server.calls - before
        kept = json.loads((root / "whole" / "summary.json").read_text())["kept"]
        before = server.calls
        proc = subprocess.Popen(command(root, server.url, "killed"), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)  # fmt: skip
        log = root / "killed" / "responses.jsonl"
        while proc.poll() is None and (
            not log.exists() or log.read_text().count("\n") < args.kill_at * calls_priced
        ):
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        answered = len(log.read_text().splitlines())
        subprocess.run(command(root, server.url, "killed"), check=True, capture_output=True)
        resumed_calls = server.calls - before
        ids = [json.loads(x)["sample_id"]
               for x in (root / "killed" / "responses.jsonl").read_text().splitlines()]  # fmt: skip
        rows = [
            ("clips", f"{args.clips:,}"),
            ("server delay per call", f"{args.delay:g} s"),
            ("calls priced by --dry-run", f"{calls_priced:,}"),
            ("calls made (uninterrupted)", f"{made:,}"),
            ("wall time (uninterrupted)", f"{whole:.1f} s"),
            ("  of which asking (both descriptions)", f"{asked:.1f} s"),
            ("  of which scoring and exporting", f"{whole - asked:.1f} s"),
            ("clips / s, whole command", f"{args.clips / whole:.1f}"),
            ("clips / s, asking", f"{args.clips / asked:.1f}"),
            ("pairs kept", f"{kept:,}"),
            ("answers logged when killed", f"{answered:,}"),
            ("calls made, killed + resumed", f"{resumed_calls:,}"),
            ("  asked again: in flight at the kill", f"{resumed_calls - calls_priced:,}"),
            ("log lines, distinct ids", f"{len(ids):,}, {len(set(ids)):,}"),
        ]
        width = max(len(name) for name, _ in rows)
        print(f"| {'what'.ljust(width)} | value |\n|{'-' * (width + 2)}|-------|")
        for name, value in rows:
            print(f"| {name.ljust(width)} | {value} |")
        # A request in flight when the process is killed has no answer to keep: it is asked
        # again (at most the concurrency); an answered one never is (one log line per id).
        in_flight = resumed_calls - calls_priced
        ok = made == calls_priced and 0 <= in_flight <= 32 and len(ids) == len(set(ids))
        print("calls priced = calls made; no answered call asked again:", "yes" if ok else "NO")
        if not ok:
            sys.exit(1)


if __name__ == "__main__":
    main()
