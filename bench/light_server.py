"""A deliberately light OpenAI-compatible server for the benchmarks, run in its own process.

It reads each request, waits a fixed delay and answers with ``answer(body, n)``, so the figures
measure our client, not the server's parsing. (The protocol-checking test server is
tests/fake_servers.py.)
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import time
from collections.abc import Callable
from typing import Any

Answer = Callable[[dict[str, Any], int], str]


def _serve(delay: float, port, calls, stop, answer: Answer) -> None:  # type: ignore[no-untyped-def]
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                if head.startswith(b"GET"):  # no model list: the pre-run check passes
                    writer.write(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n")
                    await writer.drain()
                    continue
                length = next(
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                body = json.loads(await reader.readexactly(length))
                with calls.get_lock():
                    calls.value += 1
                    n = calls.value
                await asyncio.sleep(delay)
                message = {"role": "assistant", "content": answer(body, n)}
                payload = json.dumps(
                    {"model": "bench", "choices": [{"index": 0, "finish_reason": "stop",
                                                    "message": message}]}
                ).encode()  # fmt: skip
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                    + f"content-length: {len(payload)}\r\n\r\n".encode()
                    + payload
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port.value = server.sockets[0].getsockname()[1]
        while not stop.is_set():
            await asyncio.sleep(0.05)
        server.close()

    asyncio.run(main())


class LightServer:
    """``with LightServer(delay, answer) as server: server.url, server.calls``."""

    def __init__(self, delay: float, answer: Answer) -> None:
        self._port = multiprocessing.Value("i", 0)
        self._calls = multiprocessing.Value("i", 0)
        self._stop = multiprocessing.Event()
        self._process = multiprocessing.Process(
            target=_serve, args=(delay, self._port, self._calls, self._stop, answer)
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port.value}/v1"

    @property
    def calls(self) -> int:
        return int(self._calls.value)

    def __enter__(self) -> LightServer:
        self._process.start()
        while not self._port.value:
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._process.join()
