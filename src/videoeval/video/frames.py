"""``sample_video``: the one entry point from a video file and a frame protocol to frames with
their exact times, served from a disk cache when the same file and protocol were seen before."""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from videoeval.limits import limit
from videoeval.video.decode import decode_frames
from videoeval.video.probe import probe
from videoeval.video.resize import PixelBudget
from videoeval.video.sampling import SamplingSpec, select_indices

CACHE_VERSION = 3  # 2: per-frame pixel cap no longer truncated (resize.py); 3: checksummed
Resample = Literal["decoder", "torchvision"]
"""How frames are brought to the budget's size: by the decoder's scaler while decoding (fast,
the default), or decoded at full size and resized by torchvision's bicubic with antialiasing on
the uint8 frames, as qwen-vl-utils does (the model backend's frames, for input parity)."""
_EDGE_BYTES = 1 << 16


@dataclass
class SampledVideo:
    """Frames plus everything needed to say which frames they are."""

    video: str
    spec: str
    indices: list[int]
    timestamps: list[float]
    native_fps: float
    reported_fps: float | None
    frame_count: int
    width: int
    height: int
    decoder: str
    frames: np.ndarray = field(repr=False)
    warnings: list[str] = field(default_factory=list)
    from_cache: bool = False

    def record(self) -> dict[str, object]:
        """The frame protocol of this sample, for rows and run.json (no pixels)."""
        data = asdict(self)
        data.pop("frames")
        return data


def file_identity(path: Path) -> str:
    """Size, modification time and the first and last 64 KiB: cheap, and changes when the file
    does (a re-encoded file with the same name gets a new identity)."""
    stat = path.stat()
    digest = hashlib.sha256(f"{stat.st_size}:{stat.st_mtime_ns}".encode())
    with open(path, "rb") as handle:
        digest.update(handle.read(_EDGE_BYTES))
        if stat.st_size > _EDGE_BYTES:
            handle.seek(max(_EDGE_BYTES, stat.st_size - _EDGE_BYTES))
            digest.update(handle.read(_EDGE_BYTES))
    return digest.hexdigest()


class FrameCache:
    """Decoded frames on disk: ``<root>/<key[:2]>/<key>.pixels`` (raw bytes) plus a JSON record
    beside it (dtype, shape, checksum)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def key(
        self,
        path: Path,
        spec: SamplingSpec,
        budget: PixelBudget | None,
        resample: Resample = "decoder",
    ) -> str:
        parts = {
            "v": CACHE_VERSION,
            "file": file_identity(path),
            "spec": spec.model_dump(mode="json"),
            "budget": budget.model_dump(mode="json") if budget else None,
        }
        if resample != "decoder":  # absent otherwise: existing entries keep their keys
            parts["resample"] = resample
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()

    def _paths(self, key: str) -> tuple[Path, Path]:
        folder = self.root / key[:2]
        return folder / f"{key}.pixels", folder / f"{key}.json"

    def get(self, key: str) -> SampledVideo | None:
        """The entry, or ``None`` when it is absent, half-written or not what was written (its
        pixels checked against the checksum stored with them): the frames are decoded again."""
        pixels, meta = self._paths(key)
        try:
            record = json.loads(meta.read_text(encoding="utf-8"))
            # raw bytes, their dtype and shape in the record: no .npy header, whose reading
            # (ast.literal_eval) is not safe on several threads at once (parsing/literals.py)
            layout = record.pop("pixels")
            frames = np.fromfile(pixels, dtype=np.dtype(layout["dtype"]))
            frames = frames.reshape(tuple(layout["shape"]))
            expected = record.pop("frames_sha256")
            sampled = SampledVideo(**record, frames=frames, from_cache=True)
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None
        if _checksum(frames) != expected:
            return None  # changed on disk since it was written: never sent as these frames
        return sampled

    def prune(self, max_bytes: int) -> int:
        """Delete the least recently written entries until the cache holds at most
        ``max_bytes``; returns the bytes freed. (Decoded frames are large: 296 KB of video
        became 120 MB.) An entry deleted here is decoded again when next needed."""
        entries = []
        for pixels in [*self.root.glob("*/*.pixels"), *self.root.glob("*/*.npy")]:
            try:
                stat = pixels.stat()
            except OSError:
                continue
            entries.append((stat.st_mtime, stat.st_size, pixels))
        total = sum(size for _, size, _ in entries)
        freed = 0
        for _, size, pixels in sorted(entries):
            if total - freed <= max_bytes:
                break
            for path in (pixels, pixels.with_suffix(".json")):
                with contextlib.suppress(OSError):
                    path.unlink()
            freed += size
        return freed

    def put(self, key: str, sampled: SampledVideo) -> None:
        pixels, meta = self._paths(key)
        pixels.parent.mkdir(parents=True, exist_ok=True)
        # Write beside, then rename: a crash never leaves a truncated entry under the real name,
        # and two writers of the same entry (threads or processes) never share a temporary file.
        suffix = f".{uuid.uuid4().hex}.tmp"
        tmp_pixels = pixels.with_name(pixels.name + suffix)
        frames = np.ascontiguousarray(sampled.frames)
        with open(tmp_pixels, "wb") as handle:
            handle.write(frames.data)
        record = sampled.record()
        record.pop("from_cache")
        record["pixels"] = {"dtype": frames.dtype.str, "shape": list(frames.shape)}
        record["frames_sha256"] = _checksum(sampled.frames)
        tmp_meta = meta.with_name(meta.name + suffix)
        tmp_meta.write_text(json.dumps(record), encoding="utf-8")
        os.replace(tmp_pixels, pixels)
        os.replace(tmp_meta, meta)


def _checksum(frames: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(frames).data).hexdigest() + str(frames.shape)


def default_cache() -> FrameCache:
    root = os.environ.get("VIDEOEVAL_CACHE") or Path.home() / ".cache" / "videoeval"
    return FrameCache(Path(root) / "frames")


def sample_video(
    path: str | Path,
    spec: SamplingSpec,
    budget: PixelBudget | None = None,
    cache: FrameCache | None = None,
    resample: Resample = "decoder",
) -> SampledVideo:
    """Frames of ``path`` picked by ``spec`` (resized to ``budget`` when given, the
    ``resample`` way)."""
    path = Path(path)
    key = None
    if cache is not None and path.exists():
        key = cache.key(path, spec, budget, resample)
        hit = cache.get(key)
        if hit is not None:
            return hit
    info = probe(path)
    fps = info.reported_fps or info.native_fps
    indices = select_indices(spec, info.frame_times, fps)
    size = budget.size_for(info.width, info.height, len(indices)) if budget else None
    capped = None
    if size is None and info.width * info.height > limit("frame_pixels"):
        # No budget: a huge frame is decoded at a size memory holds, and the record says so.
        scale = math.sqrt(limit("frame_pixels") / (info.width * info.height))
        size = (max(2, int(info.width * scale) // 2 * 2), max(2, int(info.height * scale) // 2 * 2))
        capped = (f"frames of {info.width}x{info.height} scaled to {size[0]}x{size[1]} (at most "
                  f"{limit('frame_pixels'):,} pixels: VIDEOEVAL_MAX_FRAME_PIXELS)")  # fmt: skip
    if resample == "torchvision" and size is not None:
        from videoeval.video.torch_resize import resize_like_qwen_vl_utils

        decoded = decode_frames(info, indices)
        decoded.frames = resize_like_qwen_vl_utils(decoded.frames, size)
    else:
        decoded = decode_frames(info, indices, size=size)
    sampled = SampledVideo(
        video=path.name,
        spec=spec.describe(),
        indices=decoded.indices,
        timestamps=decoded.timestamps,
        native_fps=info.native_fps,
        reported_fps=info.reported_fps,
        frame_count=info.frame_count,
        width=int(decoded.frames.shape[2]),
        height=int(decoded.frames.shape[1]),
        decoder=decoded.decoder,
        frames=decoded.frames,
        warnings=list(info.warnings) + decoded.warnings + ([capped] if capped else []),
    )
    if cache is not None and key is not None:
        try:
            cache.put(key, sampled)
        except OSError as exc:  # a full disk costs speed next time, never this sample
            sampled.warnings.append(f"frame cache not written: {exc}")
    return sampled
