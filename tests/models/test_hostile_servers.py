"""Servers that never finish or never stop: a request has one total deadline, and a reply is
read up to a size cap."""

from __future__ import annotations

import contextlib
import socket
import threading
import time

import pytest

from tests.models.test_backends import ask
from videoeval.models.base import ModelError, ModelRequest
from videoeval.models.http import MAX_RESPONSE_BYTES
from videoeval.models.openai_compatible import OpenAICompatible


class RawServer:
    """Answers one HTTP request at a time with ``respond(connection)``, on 127.0.0.1."""

    def __init__(self, respond) -> None:  # type: ignore[no-untyped-def]
        self.respond = respond
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                connection, _ = self.sock.accept()
            except OSError:
                continue
            with connection:
                connection.recv(65536)
                with contextlib.suppress(OSError):
                    self.respond(connection, self.stop)

    def __enter__(self) -> RawServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        self.sock.close()


def drip(connection: socket.socket, stop: threading.Event) -> None:
    connection.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                       b"content-length: 1000\r\n\r\n")  # fmt: skip
    while not stop.is_set():  # one byte every 0.1 s: each read is quick, the whole never ends
        connection.sendall(b" ")
        time.sleep(0.1)


def flood(connection: socket.socket, stop: threading.Event) -> None:
    size = MAX_RESPONSE_BYTES + 8 * 2**20
    connection.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                       + f"content-length: {size}\r\n\r\n".encode())  # fmt: skip
    chunk = b" " * 2**20
    for _ in range(size // len(chunk)):
        if stop.is_set():
            return
        connection.sendall(chunk)


def test_a_dripping_server_cannot_hold_a_request_past_its_deadline() -> None:
    with RawServer(drip) as server:
        model = OpenAICompatible("m", f"http://127.0.0.1:{server.port}/v1", timeout=1.0)
        started = time.perf_counter()
        with pytest.raises(ModelError, match="total deadline"):
            ask(model, ModelRequest("q"))
        assert time.perf_counter() - started < 3.0


def test_a_huge_reply_is_not_read() -> None:
    with RawServer(flood) as server:
        model = OpenAICompatible("m", f"http://127.0.0.1:{server.port}/v1", timeout=30.0)
        with pytest.raises(ModelError, match="larger than") as caught:
            ask(model, ModelRequest("q"))
    assert not caught.value.retryable
