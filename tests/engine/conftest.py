"""A small grounding benchmark with real videos, and a script for the fake server."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fake_servers import Received, Reply, openai_reply
from tests.video.synth import write_video

QUERIES = {
    "v0": [("a person opens the door", [0.0, 1.0]), ("someone sits down", [1.0, 2.0])],
    "v1": [("the dog runs away", [0.5, 1.5])],
    "v2": [("a cup falls", [0.2, 0.8])],
    "vmissing": [("nobody filmed this", [0.0, 1.0])],
}
# The scripted model's answers: right for v0's first query, half right for the dog.
ANSWERS = {
    "a person opens the door": "The event happens in 0 - 1 seconds.",
    "someone sits down": "I do not know.",
    "the dog runs away": "The event happens in 1 - 2 seconds.",
    "a cup falls": "The event happens in 0.2 - 0.8 seconds.",
}
QUOTED = re.compile(r'"(.*)"')


@pytest.fixture
def bench(tmp_path: Path) -> dict[str, Path]:
    return make_bench(tmp_path)


def make_bench(tmp_path: Path) -> dict[str, Path]:
    videos = tmp_path / "videos"
    videos.mkdir()
    for vid in ("v0", "v1", "v2"):
        write_video(videos / f"{vid}.mp4", frames=50, fps=25)
    annotations = tmp_path / "charades-timelens.json"
    annotations.write_text(
        json.dumps(
            {
                vid: {"duration": 2.0, "spans": [s for _, s in qs], "queries": [q for q, _ in qs]}
                for vid, qs in QUERIES.items()
            }
        ),
        encoding="utf-8",
    )
    return {"videos": videos, "annotations": annotations, "root": tmp_path}


def query_of(received: Received) -> str:
    match = QUOTED.search(received.prompt)
    assert match, f"the prompt does not quote the query: {received.prompt!r}"
    return match.group(1)


def answer_script(received: Received, n: int) -> Reply:
    # 50 frames at 25 fps, 2 fps rule -> frames 0, 16, 33, 49 at 0, 0.64, 1.32, 1.96 s
    assert received.images == 4, received.images
    assert received.labels == [0.0, 0.6, 1.3, 2.0], received.labels
    assert received.body["temperature"] == 0.0 and received.body["max_tokens"] == 64
    return openai_reply(ANSWERS[query_of(received)])


def flaky_script(calls: dict[str, int]) -> Callable[[Received, int], Reply]:
    """The scripted answers, after failures: 'the dog runs away' rate-limited twice (429),
    'a cup falls' a 500 once, 'someone sits down' always a 400 (not retried). ``calls`` counts
    the requests per query."""

    def flaky(received: Received, n: int) -> Reply:
        query = query_of(received)
        calls[query] = calls.get(query, 0) + 1
        if query == "the dog runs away" and calls[query] <= 2:
            return Reply(status=429, body={"error": "rate"}, headers={"retry-after": "0"})
        if query == "a cup falls" and calls[query] == 1:
            return Reply(status=500, body={"error": "oops"})
        if query == "someone sits down":
            return Reply(status=400, body={"error": "context too long"})
        return answer_script(received, n)

    return flaky
