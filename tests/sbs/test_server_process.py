"""The study server as annotators meet it: a real `videoeval sbs serve` process (killed with
SIGKILL while judgements are being submitted: every acknowledged one is on disk), and two
annotators in Chromium at once (blinding in the page and on the wire, left/right drawn per
annotator, resume after a reload, the keyboard path, results equal to a hand-computed table)."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.report.test_browser import page_factory  # noqa: F401
from tests.sbs.helpers import MINE, make_study
from videoeval.sbs.results import study_results
from videoeval.sbs.store import open_study

pytest.importorskip("uvicorn", reason="the sbs extra (uvicorn) is not installed")
CHOICE = {"overall": "left", "accuracy": "left", "completeness": "tie", "hallucination": "right"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(study: Path, port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "videoeval", "sbs", "serve", str(study), "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("the study server did not start")


def test_a_server_killed_mid_submit_loses_no_acknowledged_judgement(tmp_path: Path) -> None:
    made, _ = make_study(tmp_path, n=60, annotators=("ana", "ben", "cy"), overlap=3,
                         video_clips=0)  # fmt: skip
    port = free_port()
    server = start(made.path, port)
    acknowledged: list[tuple[str, str]] = []
    lock = threading.Lock()
    stop = threading.Event()

    def annotate(name: str) -> None:
        base = f"http://127.0.0.1:{port}{made.links[name]}"
        with httpx.Client(timeout=5) as client:
            while not stop.is_set():
                try:
                    page = client.get(base).text
                    key = re.search(r'data-item="([0-9a-f]+)"', page)
                    if key is None:
                        return
                    reply = client.post(f"{base}/judge",
                                        json={"item": key.group(1), "choices": CHOICE})  # fmt: skip
                except httpx.HTTPError:
                    return
                if reply.status_code == 200:
                    with lock:
                        acknowledged.append((name, key.group(1)))

    threads = [threading.Thread(target=annotate, args=(n,)) for n in made.links]
    for t in threads:
        t.start()
    while len(acknowledged) < 40:
        time.sleep(0.01)
    os.kill(server.pid, signal.SIGKILL)
    server.wait()
    stop.set()
    for t in threads:
        t.join()
    db = sqlite3.connect(made.path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = set(db.execute(
        "SELECT n.name, i.key FROM judgements j JOIN annotators n ON n.id = j.annotator "
        "JOIN items i ON i.id = j.item"))  # fmt: skip
    assert set(acknowledged) <= stored and len(acknowledged) >= 40
    db.close()
    again = start(made.path, port)  # served again: each annotator goes on where they were
    try:
        page = httpx.get(f"http://127.0.0.1:{port}{made.links['ana']}").text
        done = int(re.search(r"done: (\d+)", page).group(1))  # type: ignore[union-attr]
        assert done == sum(1 for name, _ in stored if name == "ana")
    finally:
        again.kill()
        again.wait()


def test_two_annotators_in_chromium(tmp_path: Path, page_factory) -> None:  # noqa: F811
    made, files = make_study(tmp_path, n=10, overlap=2, video_clips=10)
    port = free_port()
    server = start(made.path, port)
    secret = ["mine", "theirs", "DREAM", "dream1k", ".mp4", ".jsonl", str(files["videos"])]
    seen: dict[str, dict[int, bool]] = {"ana": {}, "ben": {}}
    bodies: list[str] = []
    try:
        pages = {}
        for name in ("ana", "ben"):
            context = page_factory.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
            page.on("response", lambda r: bodies.append(r.text())
                    if "/media/" not in r.url and r.status == 200 else None)  # fmt: skip
            page.goto(f"http://127.0.0.1:{port}{made.links[name]}")
            pages[name] = (page, errors)
        reloaded = False
        for _step in range(10):  # the two annotators alternate, item by item
            for name, (page, errors) in pages.items():
                page.wait_for_selector("#judge")
                key = page.get_attribute("#judge", "data-item")
                if name == "ana" and not reloaded and _step == 3:  # resume after a reload
                    page.reload()
                    page.wait_for_selector("#judge")
                    assert page.get_attribute("#judge", "data-item") == key
                    reloaded = True
                texts = page.locator(".texts article p").all_inner_texts()
                k = int(re.search(r"\((\d+)\)", texts[0]).group(1))  # type: ignore[union-attr]
                mine_left = texts[0] == MINE.format(n=k)
                seen[name][k] = mine_left
                wants_mine = name == "ana" or k % 2 == 0  # ben prefers "theirs" on odd clips
                key_press = "1" if wants_mine == mine_left else "3"
                for _ in range(4):  # the four criteria, by keyboard
                    page.keyboard.press(key_press)
                with page.expect_navigation():
                    page.keyboard.press("Enter")
                dom = page.content()
                assert not any(word in dom for word in secret)
                assert errors == []
        for page, _ in pages.values():
            page.wait_for_selector("text=All done")
        pages["ana"][0].screenshot(path=str(tmp_path / "sbs.png"))
    finally:
        server.kill()
        server.wait()
    for text in bodies:  # nothing on the wire names a system or a file
        assert not any(word in text for word in secret)
    for name in seen:
        assert len(seen[name]) == 10 and 0 < sum(seen[name].values()) < 10
    assert seen["ana"] != seen["ben"]
    figures = study_results(open_study(made.path), resamples=200)
    overall = figures["comparisons"][0]["criteria"]["overall"]
    assert (figures["comparisons"][0]["system"], overall["win"], overall["tie"],
            overall["loss"]) == ("mine", 15, 0, 5)  # fmt: skip
    assert overall["advantage"] == pytest.approx(50.0)  # items: 1 (even clips), 0 (odd)
    assert figures["agreement"]["overall"]["all_agree"] == 50.0
    assert json.loads(json.dumps(figures))  # metrics.json-ready
