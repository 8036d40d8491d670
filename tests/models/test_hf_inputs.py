"""Input parity for the local backend: the inputs ``--backend hf`` builds for a Qwen2.5-VL or
Qwen3-VL checkpoint equal, element for element, those of the official path on the same decoded
frames.

The official path is what the Qwen3-VL repository's README runs with qwen-vl-utils 0.0.14:
``process_vision_info(messages, image_patch_size=P, return_video_kwargs=True,
return_video_metadata=True)`` (its ``fetch_video``: ``smart_nframes``, the linspace indices, the
pixel budget and the torchvision resize), then ``processor.apply_chat_template`` and
``processor(text, videos, video_metadata, do_resize=False, **video_kwargs)``. Its video reader
is fed by a stand-in ``decord`` module that serves the frames our decoder gives, so both sides
start from the same decoded pixels and every rule after decoding is the official code. Compared:
``input_ids`` (for Qwen3-VL with its ``<t seconds>`` text), ``attention_mask``,
``pixel_values_videos``, ``video_grid_thw``, ``second_per_grid_ts`` (Qwen2.5-VL) and the 3-D
rope position ids the model computes from them.
"""

from __future__ import annotations

import inspect
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from tests.models.tiny_vlm import FAMILIES, build_checkpoint
from tests.video.synth import write_video
from videoeval.api.run import RunRequest
from videoeval.engine.run_inputs import frame_protocol
from videoeval.models.base import ModelRequest
from videoeval.models.hf_inputs import build_inputs
from videoeval.options import ModelOptions
from videoeval.video.decode import decode_frames
from videoeval.video.probe import probe
from videoeval.video.provider import encode_frames

PROMPT = "When does the red square stop moving?"


class _Batch:
    def __init__(self, frames: np.ndarray) -> None:
        self.frames = frames

    def asnumpy(self) -> np.ndarray:
        return self.frames


class _DecordFromOurDecoder:
    """``decord.VideoReader`` over the frames our decoder returns (full size, RGB)."""

    def __init__(self, path: str) -> None:
        self.info = probe(Path(path))

    def __len__(self) -> int:
        return self.info.frame_count

    def get_avg_fps(self) -> float:
        return self.info.reported_fps or self.info.native_fps

    def get_batch(self, indices: list[int]) -> _Batch:
        return _Batch(decode_frames(self.info, list(indices)).frames)


@pytest.fixture(scope="module")
def stack() -> types.SimpleNamespace:
    """torch and the official path, imported where a test needs them (seconds of imports that
    collection on every worker would pay otherwise)."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("torchvision")
    pytest.importorskip("transformers")
    vision_process = pytest.importorskip("qwen_vl_utils.vision_process")
    return types.SimpleNamespace(torch=torch, vision_process=vision_process)


@pytest.fixture(scope="module")
def checkpoints(
    stack: types.SimpleNamespace, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("tiny")
    return {family: build_checkpoint(family, root / family) for family in FAMILIES}


@pytest.fixture
def official_reader(stack: types.SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(
        sys.modules, "decord", types.SimpleNamespace(VideoReader=_DecordFromOurDecoder)
    )
    monkeypatch.setattr(stack.vision_process, "get_video_reader_backend", lambda: "decord")


def official_inputs(processor, path: Path, patch: int):  # type: ignore[no-untyped-def]
    messages = [{"role": "user", "content": [{"type": "video", "video": str(path)},
                                             {"type": "text", "text": PROMPT}]}]  # fmt: skip
    text = processor.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    from qwen_vl_utils import vision_process

    _, videos, video_kwargs = vision_process.process_vision_info(
        messages, image_patch_size=patch, return_video_kwargs=True, return_video_metadata=True
    )
    videos, metadata = zip(*videos, strict=True)
    return processor(text=[text], videos=list(videos), video_metadata=list(metadata),
                     return_tensors="pt", do_resize=False, **video_kwargs)  # fmt: skip


def our_inputs(processor, checkpoint: Path, path: Path):  # type: ignore[no-untyped-def]
    request = RunRequest(benchmark="charades-sta", annotations=Path("gt.txt"), videos=path.parent,
                         model=ModelOptions(str(checkpoint), backend="hf"))  # fmt: skip
    protocol = frame_protocol(request.flat())  # no frame option: the checkpoint family's preset
    video, _ = encode_frames(path, protocol, None)
    return build_inputs(processor, [ModelRequest(PROMPT, video)]), protocol


def rope_index(model, inputs):  # type: ignore[no-untyped-def]
    names = inspect.signature(model.model.get_rope_index).parameters
    return model.model.get_rope_index(**{k: v for k, v in inputs.items() if k in names})[0]


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize(("size", "frames", "fps"), [((320, 180), 75, 30), ((200, 348), 62, 25)])
def test_our_inputs_equal_the_official_pipelines(
    family: str, size: tuple[int, int], frames: int, fps: int, checkpoints: dict[str, Path],
    official_reader: None, stack: types.SimpleNamespace, tmp_path: Path,
) -> None:  # fmt: skip
    from transformers import AutoModelForImageTextToText, AutoProcessor

    path = tmp_path / "clip.mp4"
    write_video(path, frames=frames, fps=fps, size=size)
    processor = AutoProcessor.from_pretrained(checkpoints[family])
    ours, protocol = our_inputs(processor, checkpoints[family], path)
    assert protocol.preset == f"{family} v1" and protocol.mode == "pixels"
    official = official_inputs(processor, path, 14 if family == "qwen2.5-vl" else 16)
    expected_keys = {"input_ids", "attention_mask", "pixel_values_videos", "video_grid_thw"}
    assert expected_keys <= set(official)
    assert set(ours) == set(official)
    for key in official:
        a, b = ours[key], official[key]
        if isinstance(b, stack.torch.Tensor):
            assert a.dtype == b.dtype and a.shape == b.shape, key
            assert stack.torch.equal(a, b), key
        else:
            assert a == b, key
    if family == "qwen3-vl":  # the processor wrote the frames' times as text
        assert "seconds>" in processor.tokenizer.decode(ours["input_ids"][0])
    else:
        assert "second_per_grid_ts" in official
    model = AutoModelForImageTextToText.from_pretrained(checkpoints[family])
    assert stack.torch.equal(rope_index(model, ours), rope_index(model, official))
