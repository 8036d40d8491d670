"""The pre-run check has one total deadline and a size cap; a checkpoint served again under the
same name is never answered from another checkpoint's cached replies."""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path

import pytest

from tests.engine.conftest import answer_script
from tests.engine.test_failures import run
from tests.fake_servers import FakeServer
from tests.models.test_hostile_servers import RawServer
from videoeval.models.gemini import Gemini
from videoeval.models.openai_compatible import OpenAICompatible

pytestmark = pytest.mark.cost(10)


def _drip_body(connection: socket.socket, stop: threading.Event) -> None:
    connection.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                       b"content-length: 100000\r\n\r\n")  # fmt: skip
    while not stop.is_set():
        connection.sendall(b" ")
        time.sleep(0.05)


def _drip_headers(connection: socket.socket, stop: threading.Event) -> None:
    for byte in b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n":
        if stop.is_set():
            return
        connection.sendall(bytes([byte]))
        time.sleep(0.3)


def _flood(connection: socket.socket, stop: threading.Event) -> None:
    size = 200 * 2**20
    connection.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                       + f"content-length: {size}\r\n\r\n".encode() + b'{"data": [')  # fmt: skip
    chunk = b'{"id": "m"},' * 100_000
    for _ in range(size // len(chunk)):
        if stop.is_set():
            return
        connection.sendall(chunk)


def _nested(connection: socket.socket, stop: threading.Event) -> None:
    body = b'{"data": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    connection.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                       + f"content-length: {len(body)}\r\n\r\n".encode() + body)  # fmt: skip


@pytest.mark.parametrize("respond", [_drip_body, _drip_headers])
@pytest.mark.parametrize("backend", [OpenAICompatible, Gemini])
def test_a_dripping_model_list_cannot_hold_the_check(respond, backend, monkeypatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "test-key")
    with RawServer(respond) as server:
        model = backend("m", f"http://127.0.0.1:{server.port}/v1", timeout=1.0)
        started = time.perf_counter()
        problem = model.check()
        assert time.perf_counter() - started < 4.0
        assert problem is not None and ("deadline" in problem or "did not answer" in problem)


def test_a_flood_of_a_model_list_is_not_read_whole() -> None:
    with RawServer(_flood) as server:
        model = OpenAICompatible("m", f"http://127.0.0.1:{server.port}/v1", timeout=20.0)
        started = time.perf_counter()
        assert model.check() is None  # a list it could not read: the first request will tell
        assert time.perf_counter() - started < 10.0
        assert model.served is None


def test_a_deeply_nested_model_list_is_no_crash() -> None:
    with RawServer(_nested) as server:
        model = OpenAICompatible("m", f"http://127.0.0.1:{server.port}/v1", timeout=5.0)
        assert model.check() is None


def _entry(root: str) -> dict:
    return {"id": "fake-vl", "object": "model", "created": time.time(), "root": root,
            "max_model_len": 32768, "owned_by": "vllm"}  # fmt: skip


def test_a_retrained_checkpoint_under_the_same_name_is_not_answered_from_the_cache(
    bench: dict[str, Path],
) -> None:
    models = [_entry("./checkpoints/step-1000")]
    with FakeServer(answer_script, models=models) as server:
        first = run(bench, server.base_url, "first")
        assert first.exit_code == 0, first.output
        asked = len(server.received)
        run_json = json.loads((bench["root"] / "first" / "run.json").read_text())
        assert run_json["served"] == {"root": "./checkpoints/step-1000", "max_model_len": 32768,
                                      "owned_by": "vllm"}  # fmt: skip
        models[0] = _entry("./checkpoints/step-2000")  # the server now loads another folder
        refused = run(bench, server.base_url, "second")
        assert refused.exit_code == 2, refused.output
        assert "--revision" in refused.output and len(server.received) == asked
        named = run(bench, server.base_url, "third", "--revision", "step-2000")
        assert named.exit_code == 0, named.output
        assert len(server.received) == 2 * asked  # asked anew, not read from the cache
        # the same folder, resumed against yet another checkpoint: refused too
        models[0] = _entry("./checkpoints/step-3000")
        (bench["root"] / "third" / "responses.jsonl").write_text("")
        mixed = run(bench, server.base_url, "third", "--revision", "step-2000")
        assert mixed.exit_code == 2 and "another checkpoint" in mixed.output
        refreshed = run(bench, server.base_url, "fourth", "--refresh")
        assert refreshed.exit_code == 0, refreshed.output
        assert len(server.received) == 3 * asked


def test_a_model_list_without_the_entry_fields_checks_nothing_more(bench) -> None:
    with FakeServer(answer_script, models=["fake-vl"]) as server:
        assert run(bench, server.base_url, "a").exit_code == 0
        assert "served" not in json.loads((bench["root"] / "a" / "run.json").read_text())
