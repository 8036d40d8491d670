"""One asynchronous interface for everything that answers: evaluated models and judges."""

from videoeval.models.base import (
    GenerationSettings,
    Model,
    ModelError,
    ModelRequest,
    ModelResponse,
    SourceTiming,
    VideoFrames,
    WholeVideo,
)

__all__ = [
    "GenerationSettings",
    "Model",
    "ModelError",
    "ModelRequest",
    "ModelResponse",
    "SourceTiming",
    "VideoFrames",
    "WholeVideo",
]
