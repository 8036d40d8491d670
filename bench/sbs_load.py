"""The side-by-side study server under its annotators: a study of N items (default 250) judged
by A annotators (default 3) at once, each item by every annotator (overlap A), against a real
`videoeval sbs serve` process on 127.0.0.1. Each annotator is a client that loads its page and
submits a judgement until it is told it is done, as the browser does (the clip itself is not
fetched: it is a file response). Afterwards every judgement must be in the study.

There is no reference tool for this to be compared with (teams use spreadsheets); the figures
are absolute: page and submit times (median, p95, p99) and judgements per second.
Run: ``python bench/sbs_load.py [--items 250] [--annotators 3]``.
"""

from __future__ import annotations

import argparse
import json
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
import numpy as np

from videoeval.sbs.create import Source, create_study

CHOICE = {"overall": "left", "accuracy": "left", "completeness": "tie", "hallucination": "right"}


def make(root: Path, items: int, annotators: int) -> tuple[Path, dict[str, str]]:
    annotations = root / "DREAM-1k.jsonl"
    with open(annotations, "w") as out:
        for k in range(items):
            asked = {"role": "user", "content": [{"type": "text", "text": "Describe."}]}
            said = {
                "role": "assistant",
                "content": [{"type": "text", "text": "", "reference": f"GT {k}"}],
            }
            row = {"messages": [asked, said],
                   "dataset": ["live_action", "animation", "stock", "youtube", "shorts"][k % 5],
                   "idx": k, "vid": f"clip{k}"}  # fmt: skip
            out.write(json.dumps(row) + "\n")
    (root / "videos").mkdir()
    texts = {str(k): f"A person does thing {k} in a long enough description. " * 6
             for k in range(items)}  # fmt: skip
    sources = [
        Source("one", root, texts),
        Source("two", root, {k: v[::-1] for k, v in texts.items()}),
    ]
    names = [f"annotator{n}" for n in range(annotators)]
    made = create_study(root / "study.sqlite", "dream1k", annotations, root / "videos", sources,
                        names, overlap=annotators)  # fmt: skip
    return made.path, made.links


def run_load(items: int, annotators: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        study, links = make(root, items, annotators)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = subprocess.Popen([sys.executable, "-m", "videoeval", "sbs", "serve", str(study),
                                   "--port", str(port)], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)  # fmt: skip
        pages: list[float] = []
        submits: list[float] = []
        lock = threading.Lock()

        def annotate(link: str) -> None:
            base = f"http://127.0.0.1:{port}{link}"
            with httpx.Client(timeout=30) as client:
                while True:
                    t0 = time.perf_counter()
                    page = client.get(base)
                    t1 = time.perf_counter()
                    found = re.search(r'data-item="([0-9a-f]+)"', page.text)
                    if found is None:
                        return
                    reply = client.post(f"{base}/judge", json={"item": found.group(1),
                                                               "choices": CHOICE})  # fmt: skip
                    t2 = time.perf_counter()
                    assert reply.status_code == 200, reply.text
                    with lock:
                        pages.append(t1 - t0)
                        submits.append(t2 - t1)

        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                    break
                except httpx.HTTPError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            threads = [threading.Thread(target=annotate, args=(link,)) for link in links.values()]
            start = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - start
        finally:
            server.kill()
            server.wait()
        stored = sqlite3.connect(study).execute("SELECT COUNT(*) FROM judgements").fetchone()[0]
    p = np.asarray(pages) * 1000
    s = np.asarray(submits) * 1000
    return {
        "items": items, "annotators": annotators, "judgements stored": stored,
        "judgements expected": items * annotators, "wall s": wall,
        "judgements / s": stored / wall, "page median ms": float(np.median(p)),
        "page p95 ms": float(np.quantile(p, 0.95)), "page p99 ms": float(np.quantile(p, 0.99)),
        "submit median ms": float(np.median(s)), "submit p95 ms": float(np.quantile(s, 0.95)),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=250)
    parser.add_argument("--annotators", type=int, default=3)
    args = parser.parse_args()
    figures = run_load(args.items, args.annotators)
    print("| figure | value |\n|---|---|")
    for name, value in figures.items():
        print(f"| {name} | {value:.1f} |" if isinstance(value, float) else f"| {name} | {value} |")
    if figures["judgements stored"] != figures["judgements expected"]:
        raise SystemExit("not every judgement was stored")


if __name__ == "__main__":
    main()
