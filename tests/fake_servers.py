"""Local model servers for tests: they speak the real wire protocols (OpenAI chat completions,
Gemini generateContent) on 127.0.0.1, record and check what they receive, and answer from a
script (delays, 429 with Retry-After, 500s, garbage) so the engine's behaviour can be pinned."""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LABEL = re.compile(r"<(\d+(?:\.\d+)?) seconds>")


@dataclass
class Received:
    """What one request carried, as the server decoded it."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    images: int = 0
    videos: int = 0
    labels: list[float] = field(default_factory=list)
    prompt: str = ""


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    raw: bytes | None = None


Script = Callable[[Received, int], Reply]


class FakeServer:
    """``script(received, n)`` decides the reply to the n-th request (0-based)."""

    def __init__(self, script: Script, models: list[Any] | None = None) -> None:
        self.script = script
        self.models = models
        """Models served on GET /v1/models, by id or as whole entries (``{"id", "root", ...}``,
        as vLLM lists them); ``None``: no such endpoint, a 404."""
        self.received: list[Received] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real servers do

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                name = self.path.split("/models/", 1)[-1] if "/models/" in self.path else None
                if server.models is not None and name in server.models:  # Gemini's models/<m>
                    payload = json.dumps({"name": f"models/{name}", "version": "fake"}).encode()
                    self.send_response(200)
                elif server.models is None or not self.path.endswith("/models"):
                    payload = b'{"error": "not found"}'
                    self.send_response(404)
                else:
                    entries = [m if isinstance(m, dict) else {"id": m} for m in server.models]
                    payload = json.dumps({"data": entries}).encode()
                    self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                received = server.decode(self.path, dict(self.headers), body)
                with server._lock:
                    n = len(server.received)
                    server.received.append(received)
                reply = server.script(received, n)
                if reply.delay:
                    time.sleep(reply.delay)
                payload = reply.raw if reply.raw is not None else json.dumps(reply.body).encode()
                self.send_response(reply.status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(payload)

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._http.daemon_threads = True
        self.port = self._http.server_address[1]
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    def decode(self, path: str, headers: dict[str, str], body: dict[str, Any]) -> Received:
        received = Received(
            path=path, headers={k.lower(): v for k, v in headers.items()}, body=body
        )
        texts: list[str] = []
        if "messages" in body:  # OpenAI
            for message in body["messages"]:
                content = message["content"]
                parts = (
                    content if isinstance(content, list) else [{"type": "text", "text": content}]
                )
                for part in parts:
                    if part["type"] == "image_url":
                        url = part["image_url"]["url"]
                        assert url.startswith("data:image/jpeg;base64,")
                        jpeg = base64.b64decode(url.split(",", 1)[1])
                        assert jpeg[:2] == b"\xff\xd8", "not a JPEG"
                        received.images += 1
                    elif part["type"] == "video_url":
                        received.videos += 1
                    elif message["role"] == "user":
                        texts.append(part["text"])
        else:  # Gemini
            for content in body["contents"]:
                for part in content["parts"]:
                    if "inline_data" in part:
                        mime = part["inline_data"]["mime_type"]
                        received.images += mime == "image/jpeg"
                        received.videos += mime.startswith("video/")
                    else:
                        texts.append(part["text"])
        received.labels = [float(m) for t in texts for m in LABEL.findall(t)]
        received.prompt = texts[-1] if texts else ""
        return received

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> FakeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.shutdown()
        self._http.server_close()


def openai_reply(text: str) -> Reply:
    return Reply(
        body={
            "id": "cmpl-1",
            "model": "fake-vl",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 100, "completion_tokens": 12},
        }
    )


def gemini_reply(text: str) -> Reply:
    return Reply(
        body={
            "candidates": [
                {"content": {"parts": [{"text": text}], "role": "model"}, "finishReason": "STOP"}
            ],
            "usageMetadata": {"promptTokenCount": 100, "candidatesTokenCount": 12},
            "modelVersion": "gemini-fake",
        }
    )
