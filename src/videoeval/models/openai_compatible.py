"""OpenAI chat completions: vLLM, SGLang, Ollama, llama.cpp server, OpenAI.

Frames go as ``image_url`` parts (base64 JPEG), each preceded by its time label as a text part,
or, for vLLM, as one ``video_url`` part ``data:video/jpeg;base64,<jpeg>,<jpeg>,...`` (its
``VideoMediaIO``) with their source timing in ``media_io_kwargs`` so that the model's processor
computes the video's timestamps from our frame indices; a whole video goes as a ``video_url``
part (vLLM), with the sampling fps passed through ``mm_processor_kwargs``. The API key is read
from the environment variable the user names, at call time, and is sent only in the
Authorization header.
"""

from __future__ import annotations

import base64
import os
from typing import Any

from videoeval.models.base import (
    ModelError,
    ModelRequest,
    ModelResponse,
    SourceTiming,
    VideoFrames,
    WholeVideo,
)
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


def jpeg_video_part(video: VideoFrames) -> dict[str, Any]:
    """Our frames, in order, as one vLLM ``video/jpeg`` URL (frames joined by commas)."""
    frames = ",".join(base64.b64encode(j).decode() for j in video.jpegs)
    return {"type": "video_url", "video_url": {"url": "data:video/jpeg;base64," + frames}}


def timing_kwargs(timing: SourceTiming) -> dict[str, Any]:
    """The ``media_io_kwargs["video"]`` that make vLLM keep every frame sent (``num_frames``
    -1; its default keeps the first 32) and give the processor their source positions."""
    return {
        "num_frames": -1,
        "fps": timing.fps,
        "frames_indices": list(timing.indices),
        "total_num_frames": timing.total_frames,
        "duration": timing.duration,
    }


SERVED_FIELDS = ("root", "parent", "max_model_len", "owned_by")
"""The stable fields of a /models entry (vLLM, SGLang): what the server loaded under the name."""


class OpenAICompatible:
    def __init__(
        self,
        model: str,
        base_url: str,
        api_key_env: str | None = None,
        timeout: float = 120.0,
        concurrency: int = 16,
        key_by_server: bool = False,
        revision: str | None = None,
    ) -> None:
        self.key_by_server = key_by_server
        self.revision = revision
        self.served: dict[str, Any] | None = None
        """What the server's model list says of this model (``check``): its root (the path or
        hub id it loaded), parent and context length."""
        self.model = model
        self.base_url = base_url.rstrip("/")
        self.api_key_env = api_key_env
        check_key_variable(api_key_env)
        self._client = make_client(timeout, concurrency)

    def identity(self) -> dict[str, Any]:
        return model_identity(
            "openai", self.model, self.base_url, self.key_by_server, self.revision
        )

    def server(self) -> str:
        return safe_url(self.base_url)

    def body(self, request: ModelRequest) -> dict[str, Any]:
        content: list[dict[str, Any]] = []
        extra: dict[str, Any] = {}
        video = request.video
        if isinstance(video, VideoFrames) and video.as_video is not None:
            content.append(jpeg_video_part(video))
            extra["media_io_kwargs"] = {"video": timing_kwargs(video.as_video)}
        elif isinstance(video, VideoFrames):
            for i, jpeg in enumerate(video.jpegs):
                label = video.label_before(i)
                if label is not None:
                    content.append({"type": "text", "text": label})
                url = "data:image/jpeg;base64," + base64.b64encode(jpeg).decode()
                content.append({"type": "image_url", "image_url": {"url": url}})
        elif isinstance(video, WholeVideo):
            url = f"data:{video.mime_type};base64," + base64.b64encode(video.data).decode()
            content.append({"type": "video_url", "video_url": {"url": url}})
            if video.fps is not None:
                extra["mm_processor_kwargs"] = {"fps": video.fps}
        content.append({"type": "text", "text": request.prompt})
        messages: list[dict[str, Any]] = []
        if request.system:
            messages.append({"role": "system", "content": request.system})
        messages.append({"role": "user", "content": content})
        s = request.settings
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "max_tokens": s.max_tokens,
        }
        for name in ("temperature", "seed", "top_p"):
            value = getattr(s, name)
            if value is not None:
                body[name] = value
        if request.response_schema is not None:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "reply", "schema": request.response_schema},
            }
        body.update(extra)
        return body

    async def generate(self, request: ModelRequest) -> ModelResponse:
        headers = {}
        key = os.environ.get(self.api_key_env, "") if self.api_key_env else ""
        if self.api_key_env:
            headers["Authorization"] = f"Bearer {key}"
        data = await post_json(
            self._client, f"{self.base_url}/chat/completions", self.body(request), headers, (key,)
        )
        try:
            choice = data["choices"][0]
            text = choice["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise ModelError(
                redact(f"reply has no choices[0].message.content: {str(data)[:200]}", (key,)),
                True,
            ) from None
        if not isinstance(text, str):
            # A null or structured content is no answer: a model_error, never cached as "".
            raise ModelError(f"reply content is {type(text).__name__}, not text", False)
        usage = data.get("usage") or {}
        return ModelResponse(
            text=redact(text, (key,)),
            model=data.get("model"),
            finish_reason=choice.get("finish_reason"),
            prompt_tokens=usage.get("prompt_tokens"),
            completion_tokens=usage.get("completion_tokens"),
        )

    def check(self) -> str | None:
        """GET /models: is the server there, and does it serve this model?"""
        key = os.environ.get(self.api_key_env, "") if self.api_key_env else ""
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        deadline = min(self._client.timeout, CHECK_DEADLINE)
        try:
            status, body = check_endpoint(f"{self.base_url}/models", headers, (key,), deadline)
        except ModelError as exc:
            return str(exc)
        if status in (401, 403):
            return f"the server at {safe_url(self.base_url)} refused the key (HTTP {status})"
        if status != 200 or not isinstance(body, dict) or not isinstance(body.get("data"), list):
            return None  # no model list here: the first request will tell
        entries = [m for m in body["data"] if isinstance(m, dict)]
        served = [str(m.get("id"))[:200] for m in entries]
        if served and self.model not in served:
            return (f"the server at {safe_url(self.base_url)} does not serve model "
                    f"{self.model!r}; it serves: {', '.join(served[:10])}")  # fmt: skip
        entry = next((m for m in entries if str(m.get("id")) == self.model), None)
        if entry is not None:
            # "created" is left out: vLLM writes the time of the request there.
            self.served = {
                k: entry[k] for k in SERVED_FIELDS if isinstance(entry.get(k), (str, int))
            }
        return None

    async def aclose(self) -> None:
        await self._client.aclose()
