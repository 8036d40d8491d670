"""Video-QA answers that a judge grades: TempCompass caption generation (the judge answers the
video's multiple-choice question from the model's caption alone) and EventHallusion description
matching (the judge says whether a description holds the video's true event). The reference's
judges reply in prose, and the protocol's rule (``parsing/choices.py``) reads that prose, so
the judge is asked for text, not JSON.

Prompt wording is ours (package data, hashed into metrics.json); ``--prompt-dir`` swaps in files
of the same names, and ``qa_judge_system.txt`` there gives the judge a system message (the
official wording, supplied by the user, reproduces the reference's judge)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from videoeval.benchmarks.base import read_text
from videoeval.errors import InputError
from videoeval.judges.client import JudgeClient, JudgeFailure
from videoeval.judges.prompt_files import judge_template
from videoeval.judges.replies import ReplyError, TextReader
from videoeval.models.base import GenerationSettings
from videoeval.schema import QASample


@dataclass(frozen=True)
class JudgedKind:
    """What a judge-graded protocol sends: its template files (by split; ``"-"``: one for every
    question), the fields they use and how a question and its answer fill them, and whether an
    empty answer is asked at all (EventHallusion gives an empty description an empty
    judgement; TempCompass sends it)."""

    files: dict[str, str]
    fields: frozenset[str]
    fill: Callable[[QASample, str], dict[str, str]]
    skip_empty: bool
    read: Callable[[str], str] = str
    """Checks a reply (``ReplyError``: asked again, then a failed judgement)."""


def _says_correct_or_incorrect(reply: str) -> str:
    """TempCompass asks its fallback judge again when the reply holds neither word."""
    if "Correct" not in reply and "Incorrect" not in reply:
        raise ReplyError("the reply says neither Correct nor Incorrect")
    return reply


def _fallback(kind: str) -> JudgedKind:
    return JudgedKind(
        {"-": f"qa_tempcompass_fallback_{kind}.txt"}, frozenset({"question", "gold", "answer"}),
        lambda sample, answer: {"question": sample.question, "gold": sample.gold,
                                "answer": answer},
        False, _says_correct_or_incorrect,
    )  # fmt: skip


KINDS: dict[str, JudgedKind] = {
    "tempcompass-cg": JudgedKind(
        {"-": "qa_tempcompass_cg.txt"}, frozenset({"caption", "question"}),
        lambda sample, answer: {"caption": answer, "question": sample.question}, False,
    ),
    "eventhallusion-desc": JudgedKind(
        {split: f"qa_eventhallusion_{split}.txt"
         for split in ("entire", "interleave", "misleading")},
        frozenset({"description", "event"}),
        lambda sample, answer: {"description": answer, "event": sample.question}, True,
    ),
    # the judge of an answer TempCompass's rules do not read
    "tempcompass-fallback-mc": _fallback("mc"),
    "tempcompass-fallback-yn": _fallback("yn"),
    "tempcompass-fallback-cm": _fallback("cm"),
}  # fmt: skip
SYSTEM_FILE = "qa_judge_system.txt"


@dataclass(frozen=True)
class QAJudgePrompts:
    kind: str
    texts: dict[str, str]
    """Template by split (``"-"``: one for every question)."""
    system: str | None
    sources: dict[str, str]

    @property
    def sha256(self) -> str:
        joined = "\x00".join([*(self.texts[k] for k in sorted(self.texts)), self.system or ""])
        return hashlib.sha256(joined.encode("utf-8")).hexdigest()

    def prompt(self, sample: QASample, answer: str) -> str:
        template = self.texts.get("-") or self.texts.get(sample.category or "")
        if template is None:
            raise InputError(sample.sample_id, f"no judge prompt for split {sample.category!r}")
        return template.format(**KINDS[self.kind].fill(sample, answer))


def load_qa_prompts(kind: str, prompt_dir: Path | None = None) -> QAJudgePrompts:
    """Our texts, or files with the same names in ``prompt_dir``; each must use exactly its
    fields (a template that leaves the caption out would grade nothing)."""
    texts, sources = {}, {}
    for key, filename in KINDS[kind].files.items():
        texts[key], sources[key] = judge_template(filename, KINDS[kind].fields, prompt_dir)
    system = None
    if prompt_dir is not None and (prompt_dir / SYSTEM_FILE).exists():
        system = read_text(prompt_dir / SYSTEM_FILE).strip() or None
        sources["system"] = SYSTEM_FILE
    return QAJudgePrompts(kind, texts, system, sources)


Failed = tuple[str, str]
"""``("judge_error", why)``: the judge could not be asked."""


async def judge_answers(
    samples: list[QASample],
    answers: Mapping[str, Any],
    client: JudgeClient,
    prompts: QAJudgePrompts,
    settings: GenerationSettings,
    on_progress: Callable[[], None] | None = None,
) -> dict[str, str | Failed]:
    """Each answered question's judge reply, by sample id. Questions without a text answer are
    not asked, nor empty ones where the kind says so. Each question is its own call, as in the
    reference (two items with the same caption and question are two samples of the judge, not
    one)."""
    read = TextReader(KINDS[prompts.kind].read)
    skip_empty = KINDS[prompts.kind].skip_empty

    async def one(sample: QASample) -> tuple[str, str | Failed]:
        answer = answers[sample.sample_id]
        try:
            if skip_empty and not answer.strip():
                return sample.sample_id, ""
            reply = await client.ask(prompts.prompt(sample, answer), read,
                                     f"qa|{prompts.kind}|{sample.sample_id}", settings=settings,
                                     system=prompts.system)  # fmt: skip
            return sample.sample_id, reply.value
        except JudgeFailure as exc:
            return sample.sample_id, ("judge_error", str(exc))
        finally:
            if on_progress is not None:
                on_progress()

    asked = [s for s in samples if isinstance(answers.get(s.sample_id), str)]
    return dict(await asyncio.gather(*(one(s) for s in asked)))
