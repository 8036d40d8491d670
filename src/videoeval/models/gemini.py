"""Gemini ``generateContent`` over REST (the protocol the google-genai SDK speaks).

Frames go as ``inline_data`` JPEG parts after their time labels; a whole video goes as one
``inline_data`` part with ``video_metadata.fps`` so Gemini samples it at that rate. The key is
read from the named environment variable at call time and sent only in ``x-goog-api-key``.
"""

from __future__ import annotations

import base64
import os
from typing import Any

from videoeval.models.base import ModelError, ModelRequest, ModelResponse, VideoFrames, WholeVideo
from videoeval.models.http import (
    CHECK_DEADLINE,
    check_endpoint,
    check_key_variable,
    make_client,
    model_identity,
    post_json,
    redact,
    safe_url,
)

DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com/v1beta"


class Gemini:
    def __init__(
        self,
        model: str,
        base_url: str | None = None,
        api_key_env: str | None = "GEMINI_API_KEY",
        timeout: float = 300.0,
        concurrency: int = 16,
        key_by_server: bool = False,
        revision: str | None = None,
    ) -> None:
        self.key_by_server = key_by_server
        self.revision = revision
        self.served: dict[str, Any] | None = None
        """What ``GET models/<model>`` says (``check``): its version and input limit."""
        self.model = model
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.api_key_env = api_key_env
        check_key_variable(api_key_env)
        self._client = make_client(timeout, concurrency)

    def identity(self) -> dict[str, Any]:
        return model_identity(
            "gemini", self.model, self.base_url, self.key_by_server, self.revision
        )

    def server(self) -> str:
        return safe_url(self.base_url)

    def body(self, request: ModelRequest) -> dict[str, Any]:
        parts: list[dict[str, Any]] = []
        video = request.video
        if isinstance(video, VideoFrames) and video.as_video is not None:
            raise ModelError("Gemini has no frames-as-one-video input: use --video-mode "
                             "frames or video", False)  # fmt: skip
        if isinstance(video, VideoFrames):
            for i, jpeg in enumerate(video.jpegs):
                label = video.label_before(i)
                if label is not None:
                    parts.append({"text": label})
                data = base64.b64encode(jpeg).decode()
                parts.append({"inline_data": {"mime_type": "image/jpeg", "data": data}})
        elif isinstance(video, WholeVideo):
            part: dict[str, Any] = {
                "inline_data": {
                    "mime_type": video.mime_type,
                    "data": base64.b64encode(video.data).decode(),
                }
            }
            if video.fps is not None:
                part["video_metadata"] = {"fps": video.fps}
            parts.append(part)
        parts.append({"text": request.prompt})
        s = request.settings
        config: dict[str, Any] = {"maxOutputTokens": s.max_tokens}
        if s.temperature is not None:
            config["temperature"] = s.temperature
        if s.seed is not None:
            config["seed"] = s.seed
        if s.top_p is not None:
            config["topP"] = s.top_p
        if request.response_schema is not None:
            config["responseMimeType"] = "application/json"
            config["responseJsonSchema"] = request.response_schema
        body: dict[str, Any] = {
            "contents": [{"role": "user", "parts": parts}],
            "generationConfig": config,
        }
        if request.system:
            body["systemInstruction"] = {"parts": [{"text": request.system}]}
        return body

    async def generate(self, request: ModelRequest) -> ModelResponse:
        headers = {}
        key = os.environ.get(self.api_key_env, "") if self.api_key_env else ""
        if self.api_key_env:
            headers["x-goog-api-key"] = key
        url = f"{self.base_url}/models/{self.model}:generateContent"
        data = await post_json(self._client, url, self.body(request), headers, (key,))
        try:
            candidate = data["candidates"][0]
            text = "".join(p.get("text", "") for p in candidate["content"]["parts"])
        except (KeyError, IndexError, TypeError, AttributeError):
            feedback = data.get("promptFeedback")
            blocked = feedback.get("blockReason") if isinstance(feedback, dict) else None
            reason = f"blocked ({blocked})" if blocked else f"no candidates: {str(data)[:200]}"
            message = redact(f"Gemini reply has {reason}", (key,))
            raise ModelError(message, retryable=not blocked) from None
        usage = data.get("usageMetadata") or {}
        return ModelResponse(
            text=redact(text, (key,)),
            model=data.get("modelVersion"),
            finish_reason=candidate.get("finishReason"),
            prompt_tokens=usage.get("promptTokenCount"),
            completion_tokens=usage.get("candidatesTokenCount"),
        )

    def check(self) -> str | None:
        """GET models/<model>: is the API there, and does it know this model?"""
        key = os.environ.get(self.api_key_env, "") if self.api_key_env else ""
        headers = {"x-goog-api-key": key} if key else {}
        deadline = min(self._client.timeout, CHECK_DEADLINE)
        url = f"{self.base_url}/models/{self.model}"
        try:
            status, body = check_endpoint(url, headers, (key,), deadline)
        except ModelError as exc:
            return str(exc)
        if status == 404:
            return f"Gemini has no model {self.model!r} at {safe_url(self.base_url)}"
        if status in (401, 403):
            return f"Gemini refused the key (HTTP {status})"
        if status == 200 and isinstance(body, dict):
            fields = ("version", "inputTokenLimit")
            self.served = {k: body[k] for k in fields if isinstance(body.get(k), (str, int))}
        return None

    async def aclose(self) -> None:
        await self._client.aclose()
