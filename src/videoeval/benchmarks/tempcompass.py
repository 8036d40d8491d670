"""TempCompass (Liu et al. 2024): 410 videos, five temporal dimensions (action, direction,
speed, order, attribute_change), asked four ways. Three are here, each its own benchmark id as
Tarsier2's Table 3 reports them: multi-choice (``tempcompass-mc``, 1580 questions), yes/no
(``tempcompass-yn``, 2453) and caption matching (``tempcompass-cm``, 1503).

Files: llyx97/TempCompass @ e1b46316 ``questions/<task>.json``, ``{video: {dimension: [{"question",
"answer"}]}}``; a ``meta_info.json`` beside it adds the 11 fine-grained aspects. Prompts are the
official runners' (``run_qwen2_vl.py``): the stored question, a newline, then "Please directly
give the best option:" (mc, cm) or "Please answer yes or no:" (yn). Videos: ``<videos>/<video
id>.mp4``. Question n of a dimension is ``<video>/<dimension>/<n>``, as the official
predictions file nests it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from videoeval.benchmarks.base import Benchmark, LoadResult, View, entry_problem, read_json
from videoeval.errors import InputError
from videoeval.schema import QASample

SUFFIX = {
    "mc": "\nPlease directly give the best option:",
    "yn": "\nPlease answer yes or no:",
    "cm": "\nPlease directly give the best option:",
}
PUBLISHED = {"mc": 1580, "yn": 2453, "cm": 1503}
FILES = {"mc": "multi-choice.json", "yn": "yes_no.json", "cm": "caption_matching.json"}
SHA256 = {
    "mc": "c5bbdd249bbeca2d8fc70adec639509d8b9cb6d0bb3edfe4b838477a5efc3bbd",
    "yn": "f10910c595a30aff3104c48b9cddcd88e71d512ba14dd7eff77d30e39807768d",
    "cm": "ef8038edfbcd713e14a361cb617bc4fe815e3cafffe003cc024bcac86c9d764d",
}


def _aspects(path: Path) -> dict[tuple[str, str], str]:
    """(video, dimension) -> fine-grained aspect, from meta_info.json beside the file."""
    meta = path.parent / "meta_info.json"
    if not meta.is_file():
        return {}
    out = {}
    for video, info in read_json(meta).items():
        for dim, value in ((info or {}).get("eval_dim") or {}).items():
            aspect = value.get("type") if isinstance(value, dict) else None
            # the order dimension has no entry of its own: its aspect is "order"
            aspect = aspect or ("order" if dim == "order" else None)
            if aspect:
                out[(str(video), dim)] = aspect
    return out


def _options(question: str, kind: str) -> dict[str, str]:
    lines = question.split("\n")[1:]
    if kind == "mc":
        return {line[0]: line[3:] for line in lines if len(line) > 2 and line[1] == "."}
    if kind == "cm":
        return {line.split(": ")[0]: line.split(": ", 1)[-1] for line in lines}
    return {"yes": "yes", "no": "no"}


def loader(kind: str) -> Any:
    def load(path: Path) -> LoadResult:
        data = read_json(path)
        if not isinstance(data, dict):
            raise InputError(path, "expected TempCompass's {video: {dimension: [questions]}}")
        aspects = _aspects(path)
        result = LoadResult(samples=[])
        for video, dimensions in data.items():
            if not isinstance(dimensions, dict):
                result.skipped.append(f"{path.name}[{video}]: not a {{dimension: [...]}} object")
                continue
            for dim, items in dimensions.items():
                for n, item in enumerate(items if isinstance(items, list) else []):
                    try:
                        question, gold = str(item["question"]), str(item["answer"])
                    except (KeyError, TypeError) as exc:
                        result.skipped.append(f"{path.name}[{video}][{dim}][{n}]: "
                                              f"{entry_problem(exc)}")  # fmt: skip
                        continue
                    aspect = aspects.get((str(video), dim))
                    result.samples.append(QASample(
                        f"{video}/{dim}/{n}", str(video), question, gold,
                        question + SUFFIX[kind], _options(question, kind), dim,
                        facets={"aspect": aspect} if aspect else {},
                    ))  # fmt: skip
        return result

    return load


def _benchmark(kind: str, title: str) -> Benchmark:
    return Benchmark(
        id=f"tempcompass-{kind}",
        title=f"TempCompass {title}",
        views=(
            View(
                "video_qa",
                loader(kind),
                f"tempcompass-{kind}",
                f"TempCompass questions/{FILES[kind]}",
                prompt_field="prompt",
            ),
        ),
        facts={
            "published_samples": {"video_qa": [PUBLISHED[kind]]},
            "known_files": [
                {
                    "sha256": SHA256[kind],
                    "copy": f"llyx97/TempCompass @ e1b46316 : questions/{FILES[kind]}",
                }
            ],
        },
    )


BENCHMARKS = (
    _benchmark("mc", "multi-choice QA"),
    _benchmark("yn", "yes/no QA"),
    _benchmark("cm", "caption matching"),
)
