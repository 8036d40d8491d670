"""Dense-captioning prediction files: the densevid ``results`` JSON
(``{"version", "results": {vid: [{"sentence", "timestamp": [s, e]}]}, "external_data"}``)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from videoeval.benchmarks.base import read_json
from videoeval.errors import InputError
from videoeval.metrics.dense import Caption

MAX_PROPOSALS = 1000


@dataclass
class DensePredictions:
    captions: dict[str, list[Caption]]
    problems: list[str] = field(default_factory=list)
    truncated: int = 0


def is_densevid(data: object) -> bool:
    return isinstance(data, dict) and isinstance(data.get("results"), dict)


def read_dense_predictions(path: Path, max_proposals: int = MAX_PROPOSALS) -> DensePredictions:
    data = read_json(path)
    if not is_densevid(data):
        raise InputError(path, 'expected {"results": {vid: [{"sentence", "timestamp"}]}, ...}')
    out = DensePredictions(captions={})
    for vid, items in data["results"].items():
        if not isinstance(items, list):
            out.problems.append(f"{vid}: results are not a list")
            continue
        if len(items) > max_proposals:
            out.truncated += 1
        captions = []
        for k, item in enumerate(items[:max_proposals]):
            try:
                start, end = (float(v) for v in item["timestamp"])
                if not (math.isfinite(start) and math.isfinite(end)):
                    raise ValueError("timestamp is not finite")
                captions.append(Caption(start, end, str(item.get("sentence") or "")))
            except (KeyError, TypeError, ValueError) as exc:
                out.problems.append(f"{vid}[{k}]: {exc}")
        out.captions[str(vid)] = captions
    return out
