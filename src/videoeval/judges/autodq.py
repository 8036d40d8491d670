"""AutoDQ, the text-only judge protocol of DREAM-1K (and CaReBench, on events and objects).

Per clip, with both texts lower-cased: the judge extracts events from the prediction; it labels
every GT event against the prediction (recall) and every predicted event against the GT
description (precision). GT events are used as the annotation gives them; where a benchmark
gives none (CaReBench), they are extracted from the GT description. Every label is a verdict
row. Prompt wording is ours (package data, hashed); ``--prompt-dir`` swaps in other texts.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from videoeval.judges.client import JudgeClient, JudgeFailure
from videoeval.judges.prompt_files import judge_template
from videoeval.judges.replies import Reader, ReplyError
from videoeval.metrics.autodq import hit_rate
from videoeval.schema import CaptionSample, Status, Verdict

LABELS = ("entailment", "neutral", "contradiction")
Aspect = Literal["events", "objects"]
PROMPT_FILES = {
    "extract_events": "autodq_extract_events.txt",
    "extract_objects": "autodq_extract_objects.txt",
    "entail": "autodq_entail.txt",
}
FIELDS = {"extract_events": {"description"}, "extract_objects": {"description"},
          "entail": {"premise", "events"}}  # fmt: skip


@dataclass(frozen=True)
class AutoDQPrompts:
    texts: dict[str, str]
    sources: dict[str, str]

    @property
    def sha256(self) -> str:
        joined = "\x00".join(self.texts[k] for k in sorted(self.texts))
        return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def load_prompts(prompt_dir: Path | None = None) -> AutoDQPrompts:
    """Our texts, or files with the same names in ``prompt_dir`` (the official wording, say)."""
    texts, sources = {}, {}
    for name, filename in PROMPT_FILES.items():
        texts[name], sources[name] = judge_template(filename, FIELDS[name], prompt_dir)
    return AutoDQPrompts(texts, sources)


EVENTS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"events": {"type": "array", "items": {"type": "string"}}},
    "required": ["events"],
}


def _read_events(reply: dict[str, Any]) -> list[str]:
    events = reply.get("events")
    if not isinstance(events, list):
        raise ReplyError("the reply has no 'events' list")
    out = []
    for item in events:
        if isinstance(item, dict):
            item = item.get("event")
        if not isinstance(item, str) or not item.strip():
            raise ReplyError(f"event {item!r} is not a sentence")
        out.append(item.strip())
    return out


read_events = Reader(_read_events, EVENTS_SCHEMA)


def labels_schema(count: int) -> dict[str, Any]:
    verdict = {
        "type": "object",
        "properties": {
            "event": {"type": "string"},
            "relationship": {"type": "string", "enum": list(LABELS)},
            "reason": {"type": "string"},
        },
        "required": ["event", "relationship", "reason"],
    }
    events = {"type": "array", "items": verdict, "minItems": count, "maxItems": count}
    return {"type": "object", "properties": {"events": events}, "required": ["events"]}


def labels_reader(count: int) -> Reader[list[tuple[str, str]]]:
    def read(reply: dict[str, Any]) -> list[tuple[str, str]]:
        items = reply.get("events")
        if not isinstance(items, list):
            raise ReplyError("the reply has no 'events' list")
        if len(items) != count:
            raise ReplyError(f"{len(items)} verdicts for {count} events")
        verdicts = []
        for item in items:
            if not isinstance(item, dict):
                raise ReplyError(f"verdict {item!r} is not an object")
            label = str(item.get("relationship", "")).strip().lower()
            if label not in LABELS:
                raise ReplyError(f"relationship {label!r} is not one of {', '.join(LABELS)}")
            verdicts.append((label, str(item.get("reason", ""))))
        return verdicts

    return Reader(read, labels_schema(count))


@dataclass
class ClipOutcome:
    sample: CaptionSample
    prediction: str | None
    recall: float | None = None
    precision: float | None = None
    status: Status = "ok"
    note: str | None = None
    gt_events: list[str] = field(default_factory=list)
    pred_events: list[str] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)


class AutoDQ:
    def __init__(
        self,
        judge: JudgeClient,
        prompts: AutoDQPrompts,
        aspect: Aspect = "events",
        samples: int = 1,
    ) -> None:
        self.judge = judge
        self.prompts = prompts
        self.aspect = aspect
        self.samples = samples

    @staticmethod
    async def _given(events: Sequence[str]) -> list[str]:
        return list(events)

    async def _extract(self, text: str) -> list[str]:
        template = self.prompts.texts[f"extract_{self.aspect}"]
        # The reference turns double quotes into single ones before extraction (not for judging).
        description = text.replace('"', "'")
        answer = await self.judge.ask(
            template.format(description=description), read_events, f"extract|{self.aspect}"
        )
        return answer.value

    async def _label(
        self, premise: str, events: Sequence[str], side: str, clip: str
    ) -> list[Verdict]:
        """One verdict per event; with several judge samples, the majority label (a tie goes to
        the label that is not entailment)."""
        if not events:
            return []
        # The events as the reference writes them into its prompt: the Python repr of the list.
        prompt = self.prompts.texts["entail"].format(premise=premise, events=repr(list(events)))
        runs = await asyncio.gather(
            *(
                self.judge.ask(prompt, labels_reader(len(events)), f"entail|k{k}" if k else "")
                for k in range(self.samples)
            )
        )
        rows: list[Verdict] = []
        for i, event in enumerate(events):
            votes = Counter(run.value[i][0] for run in runs)
            best = max(votes.values())
            label = next(
                lab for lab in ("contradiction", "neutral", "entailment") if votes[lab] == best
            )
            rows.append(
                {
                    "clip": clip,
                    "side": side,
                    "aspect": self.aspect,
                    "event": event,
                    "label": label,
                    "reason": runs[0].value[i][1],
                    "votes": dict(votes) if self.samples > 1 else None,
                    "judge": self.judge.identity.get("model"),
                    "prompt_sha256": self.prompts.sha256,
                    "cache_keys": [run.cache_key for run in runs],
                }
            )
        return rows

    async def score(
        self, sample: CaptionSample, prediction: str | None, failure: Status | None = None
    ) -> ClipOutcome:
        outcome = ClipOutcome(sample, prediction)
        if prediction is None:
            outcome.status = failure or "missing_prediction"
            outcome.note = (
                "the run failed on this clip" if failure else "no prediction for this clip"
            )
            return outcome
        pred, reference = prediction.lower(), sample.reference.lower()
        given = sample.events if self.aspect == "events" else sample.objects
        try:
            gt_task = self._given(given) if given is not None else self._extract(reference)
            gt_events, pred_events = await asyncio.gather(gt_task, self._extract(pred))
            recall_rows, precision_rows = await asyncio.gather(
                self._label(pred, gt_events, "recall", sample.sample_id),
                self._label(reference, pred_events, "precision", sample.sample_id),
            )
        except JudgeFailure as exc:
            outcome.status, outcome.note = "judge_error", str(exc)
            return outcome
        outcome.gt_events, outcome.pred_events = gt_events, pred_events
        outcome.verdicts = recall_rows + precision_rows
        outcome.recall = hit_rate([r["label"] for r in recall_rows])
        outcome.precision = hit_rate([r["label"] for r in precision_rows])
        if not prediction.strip():
            outcome.note = "empty prediction"
        return outcome
