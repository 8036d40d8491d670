"""Resizing the way qwen-vl-utils resizes video frames, for the local model backend.

qwen-vl-utils 0.0.14 ``fetch_video`` decodes frames at full size and calls
``torchvision.transforms.functional.resize(video, [h, w], interpolation=BICUBIC,
antialias=True)`` on the uint8 ``(T, C, H, W)`` tensor (uint8 in, uint8 out, rounded), then
``.float()``. The decoder's own scaler gives other pixel values, so a model fed through
``--backend hf`` gets frames resized by this very call. Needs torch and torchvision (the
``hf`` extra).
"""

from __future__ import annotations

import numpy as np

from videoeval.errors import EnvironmentProblem


def resize_like_qwen_vl_utils(frames: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``frames`` (n, height, width, 3) uint8 RGB resized to ``size`` = (width, height)."""
    try:
        import torch
        from torchvision.transforms import InterpolationMode
        from torchvision.transforms import functional as tvf
    except ImportError as exc:
        raise EnvironmentProblem(
            f"resizing frames as qwen-vl-utils does needs torch and torchvision ({exc}): "
            "pip install 'videoeval[hf]'"
        ) from None
    width, height = size
    video = torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2)
    resized = tvf.resize(
        video, [height, width], interpolation=InterpolationMode.BICUBIC, antialias=True
    )
    return resized.permute(0, 2, 3, 1).contiguous().numpy()
