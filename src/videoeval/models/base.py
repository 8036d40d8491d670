"""The model interface: a request (text, frames with their times or a whole video, settings) in,
a response out. Backends turn it into their wire format; the engine caches and retries it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field


class GenerationSettings(BaseModel):
    """Settings passed to the server as given; ``None`` leaves the server's default."""

    model_config = ConfigDict(frozen=True)

    temperature: float | None = Field(default=0.0, ge=0)
    max_tokens: int = Field(default=512, ge=1)
    seed: int | None = None
    top_p: float | None = Field(default=None, gt=0, le=1)


@dataclass(frozen=True)
class SourceTiming:
    """Where sampled frames sit in their source video, for servers that take the frames as one
    video and compute its time positions themselves (vLLM's ``video/jpeg``: a Qwen-VL processor
    turns ``indices / fps`` into the video's timestamps)."""

    fps: float
    indices: tuple[int, ...]
    total_frames: int
    duration: float


@dataclass(frozen=True)
class VideoFrames:
    """Sampled frames, each a JPEG with its presentation time; ``labels`` are the texts placed
    before each frame (or before each pair, for patch-labelled templates). With ``as_video``
    the frames are sent as one video (its timing given) instead of as separate images. Local
    models take ``pixels`` instead of JPEGs: the uint8 ``(n, height, width, 3)`` RGB frames
    themselves, never compressed."""

    jpegs: tuple[bytes, ...]
    timestamps: tuple[float, ...]
    labels: tuple[str, ...]
    label_every: int = 1
    as_video: SourceTiming | None = None
    pixels: Any = field(default=None, compare=False, repr=False)

    @property
    def nbytes(self) -> int:
        return sum(len(j) for j in self.jpegs) + (0 if self.pixels is None else self.pixels.nbytes)

    def label_before(self, frame: int) -> str | None:
        if frame % self.label_every or frame // self.label_every >= len(self.labels):
            return None
        return self.labels[frame // self.label_every]


@dataclass(frozen=True)
class WholeVideo:
    """The video file itself, for servers that sample frames themselves (vLLM, Gemini)."""

    data: bytes
    mime_type: str
    fps: float | None = None


@dataclass(frozen=True)
class ModelRequest:
    prompt: str
    video: VideoFrames | WholeVideo | None = None
    system: str | None = None
    settings: GenerationSettings = field(default_factory=GenerationSettings)
    response_schema: dict[str, Any] | None = field(default=None, compare=False)
    """A JSON schema the reply must follow, for servers that constrain their output to one
    (OpenAI-compatible ``response_format``, vLLM's guided decoding, Gemini's response schema);
    backends without one ignore it and the reply is read and repaired as ever."""

    def fingerprint(self) -> dict[str, Any]:
        """Everything that decides the answer, with pixels replaced by their hashes."""
        video: dict[str, Any] | None = None
        if isinstance(self.video, VideoFrames):
            video = {
                "frames": [hashlib.sha256(j).hexdigest() for j in self.video.jpegs],
                "labels": list(self.video.labels),
                "label_every": self.video.label_every,
            }
            if self.video.pixels is not None:  # absent otherwise: JPEG keys unchanged
                pixels = self.video.pixels
                digest = hashlib.sha256(pixels.tobytes()).hexdigest()
                video["pixels"] = {"shape": list(pixels.shape), "sha256": digest}
            if self.video.as_video is not None:  # absent otherwise: image-mode keys unchanged
                timing = self.video.as_video
                video["as_video"] = {"fps": timing.fps, "indices": list(timing.indices),
                                     "total_frames": timing.total_frames,
                                     "duration": timing.duration}  # fmt: skip
        elif isinstance(self.video, WholeVideo):
            video = {
                "video": hashlib.sha256(self.video.data).hexdigest(),
                "mime": self.video.mime_type,
                "fps": self.video.fps,
            }
        out = {
            "prompt": self.prompt,
            "system": self.system,
            "video": video,
            "settings": self.settings.model_dump(mode="json"),
        }
        if self.response_schema is not None:  # absent otherwise: earlier keys unchanged
            out["response_schema"] = self.response_schema
        return out


@dataclass(frozen=True)
class ModelResponse:
    text: str
    model: str | None = None
    finish_reason: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None

    def to_json(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ModelResponse:
        return cls(**json.loads(text))


class ModelError(Exception):
    """A call that failed. ``retryable`` calls (429, 5xx, timeouts, dropped connections) are
    tried again by the engine; ``retry_after`` is the server's own wish, in seconds."""

    def __init__(
        self,
        message: str,
        retryable: bool,
        status: int | None = None,
        retry_after: float | None = None,
        unreachable: bool = False,
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.status = status
        self.retry_after = retry_after
        self.unreachable = unreachable
        """The server could not be reached at all, or has no such endpoint or model: asking
        again about other samples will fail the same way."""


class Model(Protocol):
    """What the engine needs from a backend."""

    def identity(self) -> dict[str, Any]:
        """Backend and model name (and the server, when asked): part of every cache key and of
        run.json. Never holds a key or token."""
        ...

    def server(self) -> str:
        """Where the model is served, without credentials (recorded, not part of the key)."""
        ...

    async def generate(self, request: ModelRequest) -> ModelResponse: ...

    def check(self) -> str | None:
        """Before a run: why the server cannot serve this model (unreachable, no such model),
        or ``None`` when it can or cannot tell."""
        ...

    async def aclose(self) -> None: ...
