"""ms-swift reward plugin: ``swift rlhf --rlhf_type grpo --external_plugins <this file>
--reward_funcs videoeval_iou videoeval_format``.

The dataset needs a ``span`` column (GT ``[start, end]`` in seconds) and may have a
``duration`` column; the reward is ``$VIDEOEVAL_REWARD`` (default ``timelens-train``, TimeLens's
GRPO reward; ``timelens-eval`` and the other ``<protocol>-eval`` score as evaluation does), read
when the trainer builds the reward. ``python -c "import videoeval.training.swift_plugin as m;
print(m.__file__)"`` prints the path to pass.
"""

from __future__ import annotations

import os
from typing import Any

from videoeval.training.rewards import DEFAULT_REWARD, trl_reward

try:  # ms-swift 4 moved the registry from swift.plugin to swift.rewards
    from swift.rewards import ORM, orms
except ImportError:
    try:
        from swift.plugin import ORM, orms
    except ImportError:  # importable without ms-swift, for tests and for reading
        ORM, orms = object, {}


def _protocol() -> str:
    return os.environ.get("VIDEOEVAL_REWARD", DEFAULT_REWARD)


class VideoevalIoU(ORM):
    """tIoU of the answer's span with the GT span, under the named reward."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.reward = trl_reward("iou", _protocol())

    def __call__(self, completions: list[Any], **kwargs: Any) -> list[float]:
        return self.reward(completions, **kwargs)


class VideoevalFormat(ORM):
    """1.0 when the reward's parser reads a span from the answer."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.reward = trl_reward("format", _protocol())

    def __call__(self, completions: list[Any], **kwargs: Any) -> list[float]:
        return self.reward(completions, **kwargs)


orms["videoeval_iou"] = VideoevalIoU
orms["videoeval_format"] = VideoevalFormat
