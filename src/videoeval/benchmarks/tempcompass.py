"""TempCompass (Liu et al. 2024): 410 videos, five temporal dimensions (action, direction,
speed, order, attribute_change), asked four ways, each its own benchmark id as Tarsier2's Table
3 reports them: multi-choice (``tempcompass-mc``, 1580 questions), yes/no (``tempcompass-yn``,
2453), caption matching (``tempcompass-cm``, 1503) and caption generation (``tempcompass-cg``,
2004; judge-graded: the official script grades a caption against the *first* multi-choice
question of the same video and dimension, not the captioning item's own answer, so the
``multi-choice.json`` beside ``captioning.json`` is read too).

Files: llyx97/TempCompass @ e1b46316 ``questions/<task>.json``, ``{video: {dimension: [{"question",
"answer"}]}}``; a ``meta_info.json`` beside it adds the 11 fine-grained aspects. Prompts are the
official runners' (``run_qwen2_vl.py``): the stored question, a newline, then "Please directly
give the best option:" (mc, cm) or "Please answer yes or no:" (yn); cg sends the stored
question alone (it ends with "Generated Caption:"). Videos: ``<videos>/<video
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
    "cg": "",
}
PUBLISHED = {"mc": 1580, "yn": 2453, "cm": 1503, "cg": 2004}
FILES = {"mc": "multi-choice.json", "yn": "yes_no.json", "cm": "caption_matching.json",
         "cg": "captioning.json"}  # fmt: skip
SHA256 = {
    "mc": "c5bbdd249bbeca2d8fc70adec639509d8b9cb6d0bb3edfe4b838477a5efc3bbd",
    "yn": "f10910c595a30aff3104c48b9cddcd88e71d512ba14dd7eff77d30e39807768d",
    "cm": "ef8038edfbcd713e14a361cb617bc4fe815e3cafffe003cc024bcac86c9d764d",
    "cg": "49815114d9753ab26a63d410892950fb4577b4def096e7e4e523ac91fb98f1eb",
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


def _graded_against(path: Path) -> dict[str, Any]:
    """The multi-choice file beside a captioning file: its first question of each video and
    dimension is what a caption is graded against."""
    found = sorted(p for p in path.parent.glob("*multi-choice.json") if p.is_file())
    if not found:
        why = "caption generation is graded against the multi-choice questions"
        raise InputError(path, f"{why}: put TempCompass's multi-choice.json beside it")
    data = read_json(found[0])
    if not isinstance(data, dict):
        raise InputError(found[0], "expected TempCompass's {video: {dimension: [questions]}}")
    return data


def _cg_target(mc: dict[str, Any], video: str, dim: str) -> tuple[str, str]:
    items = (mc.get(video) or {}).get(dim) if isinstance(mc.get(video), dict) else None
    if not isinstance(items, list) or not items or not isinstance(items[0], dict):
        raise ValueError("the multi-choice file has no question of this video and dimension "
                         "to grade the caption against")  # fmt: skip
    return str(items[0]["question"]), str(items[0]["answer"])


def loader(kind: str) -> Any:
    def load(path: Path) -> LoadResult:
        data = read_json(path)
        if not isinstance(data, dict):
            raise InputError(path, "expected TempCompass's {video: {dimension: [questions]}}")
        mc = _graded_against(path) if kind == "cg" else {}
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
                        prompt = question + SUFFIX[kind]
                        if kind == "cg":
                            question, gold = _cg_target(mc, str(video), dim)
                    except (KeyError, TypeError, ValueError) as exc:
                        result.skipped.append(f"{path.name}[{video}][{dim}][{n}]: "
                                              f"{entry_problem(exc)}")  # fmt: skip
                        continue
                    aspect = aspects.get((str(video), dim))
                    result.samples.append(QASample(
                        f"{video}/{dim}/{n}", str(video), question, gold,
                        prompt, _options(question, "mc" if kind == "cg" else kind), dim,
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
    _benchmark("cg", "caption generation (judge-graded)"),
)
