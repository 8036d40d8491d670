"""Model inputs for a local Hugging Face model, built the way the model family's own pipeline
builds them, from our exact frames.

The official Qwen-VL path (qwen-vl-utils 0.0.14 with transformers) is: ``process_vision_info``
samples and resizes the frames (``fetch_video``: torchvision bicubic with antialiasing, then
``.float()``), ``processor.apply_chat_template(messages, tokenize=False,
add_generation_prompt=True)`` writes the prompt with one video placeholder, and
``processor(text=..., videos=..., video_metadata=..., do_resize=False, do_sample_frames=False)``
turns them into ``input_ids`` (Qwen3-VL writes ``<t seconds>`` before each 2-frame patch from the
metadata), ``pixel_values_videos``, ``video_grid_thw`` (and ``second_per_grid_ts`` for
Qwen2.5-VL, from the metadata's sampled fps). We do the same with our frames: they were picked by
our sampling rule and resized by the same torchvision call (``video/torch_resize.py``), and their
metadata says where each sits in the source video.
"""

from __future__ import annotations

from typing import Any

from videoeval.models.base import ModelRequest, VideoFrames, WholeVideo


def conversation(request: ModelRequest) -> list[dict[str, Any]]:
    """The chat of one request: the video first, then the question (as the Qwen-VL model cards
    and qwen-vl-utils examples order them)."""
    messages: list[dict[str, Any]] = []
    if request.system:
        messages.append({"role": "system", "content": [{"type": "text", "text": request.system}]})
    content: list[dict[str, Any]] = []
    if request.video is not None:
        content.append({"type": "video"})
    content.append({"type": "text", "text": request.prompt})
    messages.append({"role": "user", "content": content})
    return messages


def video_metadata(video: VideoFrames) -> dict[str, Any]:
    """What transformers' processors read to place frames in time (``VideoMetadata``)."""
    timing = video.as_video
    if timing is None:
        raise ValueError("frames for a local model need their source timing")
    return {
        "fps": timing.fps,
        "frames_indices": list(timing.indices),
        "total_num_frames": timing.total_frames,
        "duration": timing.duration,
    }


def build_inputs(processor: Any, requests: list[ModelRequest], resized: bool = True) -> Any:
    """The processor's batch for ``requests`` (left-padded for generation). ``resized``: our
    frames already have the model's size, so the processor must not resize them again."""
    import torch

    if any(isinstance(r.video, WholeVideo) for r in requests):
        raise ValueError("a local model takes our frames, not a whole file")
    texts = [
        processor.apply_chat_template(conversation(r), tokenize=False, add_generation_prompt=True)
        for r in requests
    ]
    frames = [r.video for r in requests if isinstance(r.video, VideoFrames)]
    kwargs: dict[str, Any] = {}
    if frames:
        if any(f.pixels is None for f in frames):
            raise ValueError("a local model takes uncompressed frames (video mode 'pixels')")
        videos = [torch.from_numpy(f.pixels).permute(0, 3, 1, 2).float() for f in frames]
        kwargs = {"videos": videos, "video_metadata": [video_metadata(f) for f in frames],
                  "do_sample_frames": False}  # fmt: skip
        if resized:
            kwargs["do_resize"] = False
    tokenizer = getattr(processor, "tokenizer", processor)
    tokenizer.padding_side = "left"  # generation continues every row from its last token
    return processor(text=texts, padding=True, return_tensors="pt", **kwargs)
