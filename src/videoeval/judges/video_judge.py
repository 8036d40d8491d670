"""The video-aware judge: it sees sampled frames (with their times), lists what is visible, then
scores the GT description (and a candidate, in two-sided mode) on named axes and lists concrete
errors with the frames' evidence. Replies are validated against ``Verdict``; a reply that breaks
it is asked again (``JudgeClient``) and, after the last attempt, recorded as a failure."""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from videoeval.benchmarks.base import read_text
from videoeval.errors import InputError
from videoeval.judges.replies import Reader, ReplyError, inline_refs

MAJOR_FACTUAL = 5
"""A side with factual accuracy at or below this is a major error (as in the write-up)."""


class FrameEvidence(BaseModel):
    timestamps: list[float] = Field(default_factory=list)
    observation: str


class SideScores(BaseModel):
    factual: int = Field(ge=1, le=10)
    completeness: int = Field(ge=1, le=10)
    temporal: int = Field(ge=1, le=10)


class ErrorItem(BaseModel):
    claim: str
    frames_show: str
    timestamps: list[float] = Field(default_factory=list)
    severity: Literal["minor", "major"] = "minor"


class EventCheck(BaseModel):
    """A timed GT event checked against the frames."""

    text_ok: bool
    span_ok: bool
    suggested_span: list[float] | None = None


class Verdict(BaseModel):
    frame_evidence: list[FrameEvidence] = Field(default_factory=list)
    """Required (at least one) unless the evidence step is switched off: see ``reader``."""
    gt: SideScores
    candidate: SideScores | None = None
    errors_gt: list[ErrorItem] = Field(default_factory=list)
    errors_candidate: list[ErrorItem] = Field(default_factory=list)
    credited_candidate_details: list[str] = Field(default_factory=list)
    events: list[EventCheck] | None = None
    """Timed audits only: one check per GT event, in order."""

    @property
    def flagged(self) -> bool:
        events_wrong = any(not (e.text_ok and e.span_ok) for e in self.events or [])
        return bool(self.errors_gt) or events_wrong

    @property
    def major(self) -> bool:
        return self.gt.factual <= MAJOR_FACTUAL


Mode = Literal["gt-audit", "two-sided", "timed"]
PROMPT_FILES: dict[str, tuple[str, set[str]]] = {
    "gt-audit": ("video_audit.txt", {"reference"}),
    "two-sided": ("video_two_sided.txt", {"reference", "candidate"}),
    "timed": ("video_audit_timed.txt", {"events"}),
}


def plain(filename: str) -> str:
    """The packaged prompt without the frame-evidence step (the ablation)."""
    return filename.replace(".txt", "_plain.txt")


def load_video_prompt(
    mode: Mode, path: Path | None = None, evidence: bool = True
) -> tuple[str, str, str]:
    """``(text, source, sha256)`` of the mode's prompt: ours (without the frame-evidence step
    when ``evidence`` is off), or the user's file."""
    from videoeval.prompts.templates import _fields

    filename, fields = PROMPT_FILES[mode]
    if not evidence:
        filename = plain(filename)
    if path is not None:
        text, source = read_text(path), path.name
    else:
        text = (resources.files("videoeval.judges.prompts") / filename).read_text(encoding="utf-8")
        source = f"videoeval:{filename}"
    if _fields(text) != fields:
        raise InputError(
            path or filename, f"the {mode} prompt must use the fields {sorted(fields)}"
        )
    return text, source, hashlib.sha256(text.encode("utf-8")).hexdigest()


SWAPPED_TWO_SIDED = "video_two_sided_candidate_first.txt"
"""The packaged two-sided prompt with the candidate shown first: runs pick one of the two
orders at random (seeded) so that a judge's preference for the first (or second) description
does not lean one way; each run records its order."""


def swapped_two_sided_prompt(evidence: bool = True) -> str:
    folder = resources.files("videoeval.judges.prompts")
    name = SWAPPED_TWO_SIDED if evidence else plain(SWAPPED_TWO_SIDED)
    return (folder / name).read_text(encoding="utf-8")


def verdict_schema(mode: Mode, n_events: int = 0, evidence: bool = True) -> dict[str, Any]:
    """The JSON schema of a verdict in ``mode``, for servers that constrain their output."""
    schema = inline_refs(Verdict.model_json_schema())
    required = ["gt", *(["frame_evidence"] if evidence else [])]
    if mode == "two-sided":
        required.append("candidate")
    if mode == "timed":
        required.append("events")
        schema["properties"]["events"] = {
            "type": "array", "items": schema["properties"]["events"]["anyOf"][0]["items"],
            "minItems": n_events, "maxItems": n_events,
        }  # fmt: skip
    schema["required"] = required
    return schema


def reader(mode: Mode, n_events: int = 0, evidence: bool = True) -> Reader[Verdict]:
    def read(reply: dict[str, Any]) -> Verdict:
        try:
            verdict = Verdict.model_validate(reply)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ReplyError(f"verdict breaks the schema at {where}: {first['msg']}") from None
        if evidence and not verdict.frame_evidence:
            raise ReplyError("the verdict lists no frame evidence")
        if mode == "two-sided" and verdict.candidate is None:
            raise ReplyError("two-sided verdict without candidate scores")
        if mode == "timed" and len(verdict.events or []) != n_events:
            raise ReplyError(f"{len(verdict.events or [])} event checks for {n_events} events")
        return verdict

    return Reader(read, verdict_schema(mode, n_events, evidence))
