"""TVBench (Cores et al. 2024): 2525 temporal multiple-choice questions in 10 tasks (Action
Count 536 ... Unexpected Action 82), 2 to 4 options.

File: the Tarsier2 copy, bytedance/tarsier @ 63de87a7 ``data/annotations/TVBench.jsonl``: JSON
lines ``{"messages": [user, assistant], "dataset": "TVBench/<task>", "idx", "vid"}`` whose user
text is ``Question: <q>`` and ``(A) ...`` lines, and whose assistant item holds the gold letter
as ``reference``. A question is its ``idx``. Videos: ``<videos>/<vid>``. Protocols: the official
``mvbench`` (TVBench's own scorer is MVBench's ``check_ans``) and ``tarsier-mc`` (the scorer
behind Tarsier2's figures: unreadable answers leave the denominator). ``run`` asks the question
and its "(A) ..." lines in our wording (``--prompt-file`` with ``{question}`` and ``{choices}``
for another); the official prompt also pre-fills the assistant's "Best option:(", which a chat
server cannot be made to do alike."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from videoeval.benchmarks.base import (
    Benchmark,
    LoadResult,
    View,
    entry_problem,
    iter_jsonl,
    nonempty,
    strip_video_suffix,
)
from videoeval.schema import QASample

OPTION = re.compile(r"^\(([A-Z])\) ?(.*)$")


def _parts(message: Any) -> list[dict[str, Any]]:
    content = message.get("content") if isinstance(message, dict) else None
    return [c for c in content if isinstance(c, dict)] if isinstance(content, list) else []


def load(path: Path) -> LoadResult:
    result = LoadResult(samples=[])
    for number, obj in iter_jsonl(path, result.skipped):
        try:
            user, assistant = obj["messages"][0], obj["messages"][1]
            text = next(str(c["text"]) for c in _parts(user) if c.get("type") == "text")
            gold = next(str(c["reference"]) for c in _parts(assistant) if "reference" in c)
            lines = text.split("\n")
            question = lines[0].removeprefix("Question: ")
            options = {m.group(1): m.group(2) for line in lines[1:] if (m := OPTION.match(line))}
            task = str(obj.get("dataset", "")).split("/", 1)[-1]
            sample = QASample(str(obj["idx"]), strip_video_suffix(str(obj["vid"])), question,
                              gold.strip("() "), "", options, task)  # fmt: skip
        except (KeyError, IndexError, StopIteration, TypeError, AttributeError) as exc:
            result.skipped.append(f"{path}:{number}: {entry_problem(exc)}")
            continue
        result.samples.append(sample)
    return nonempty(result, path, "TVBench questions in Tarsier2's layout")


BENCHMARK = Benchmark(
    id="tvbench",
    title="TVBench: temporal video QA (multiple choice)",
    views=(
        View(
            "video_qa",
            load,
            "mvbench",
            "TVBench.jsonl (Tarsier2's layout)",
            prompt="video_qa_default.txt",
        ),
    ),
    facts={
        "published_samples": {"video_qa": [2525]},
        "known_files": [
            {
                "sha256": "04183b1e2e266a1868cd54e54e5983c485ff3ec7bcfb369c3ee5e3eef4df9162",
                "copy": "bytedance/tarsier @ 63de87a7 : data/annotations/TVBench.jsonl",
            }
        ],
    },
)
