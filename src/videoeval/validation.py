"""``videoeval validate``: read the annotations and the predictions as ``score`` would, join
them, and say what would be skipped or left unmatched, without scoring anything."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from videoeval.api import Resolved, ScoreRequest, resolve


@dataclass
class Validation:
    view: str
    protocol: str
    counts: list[tuple[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def add(self, what: str, value: Any) -> None:
        self.counts.append((what, value))

    def note(self, lines: Iterable[str], limit: int = 20) -> None:
        lines = list(lines)
        self.problems.extend(lines[:limit])
        if len(lines) > limit:
            self.problems.append(f"... and {len(lines) - limit} more")


def _grounding(request: ScoreRequest, resolved: Resolved, out: Validation) -> None:
    from videoeval.predictions.grounding import read_predictions
    from videoeval.protocols.grounding import get_protocol
    from videoeval.scoring.grounding_join import join
    from videoeval.scoring.score import (
        gt_warnings,
        native_scorer,
        read_durations,
        refuse_foreign_ids,
        with_durations,
    )

    assert request.annotations is not None
    loaded = resolved.view.load(request.annotations)
    if request.durations is not None:
        loaded.samples = with_durations(loaded.samples, read_durations(request.durations))
    out.add("GT queries", len(loaded.samples))
    out.note(loaded.skipped)
    if request.predictions is None:
        return
    file = read_predictions(request.predictions)
    out.add("prediction layout", file.layout)
    out.add("predictions read", len(file.predictions))
    out.note(file.skipped)
    protocol = get_protocol(resolved.protocol.name)
    joined = join(loaded.samples, file.predictions, protocol.dedupe_keys)
    out.add("GT queries with a prediction", len(joined.predictions))
    out.add("GT queries without one", len(joined.samples) - len(joined.predictions))
    out.add("predictions matching no GT query", len(joined.unknown))
    out.add("predictions repeating a query", joined.duplicates)
    out.note(p.origin for p in joined.unknown)
    # the checks `score` makes before scoring, with its words
    refuse_foreign_ids(joined, resolved.benchmark.id)
    out.note(gt_warnings(joined.samples))
    out.note(native_scorer(file.layout, protocol))
    out.note(joined.id_mismatches)
    if protocol.normalised_text_time or protocol.clamp_to_duration:
        unknown = sum(1 for s in joined.samples if s.duration is None)
        if unknown and request.durations is None:
            out.note([f"{unknown} GT queries have no duration, which protocol "
                      f"{protocol.name} needs: pass --durations"])  # fmt: skip


def _captions(request: ScoreRequest, resolved: Resolved, out: Validation) -> None:
    from videoeval.predictions.captions import read_caption_predictions

    assert request.annotations is not None
    loaded = resolved.view.load(request.annotations)
    out.add("GT clips", len(loaded.samples))
    out.note(loaded.skipped)
    if request.predictions is None:
        return
    predictions = read_caption_predictions(request.predictions)
    known = {s.sample_id for s in loaded.samples}
    out.add("prediction layout", predictions.layout)
    out.add("clips with a prediction", len(known & set(predictions.texts)))
    unknown = sorted(set(predictions.texts) - known)
    out.add("predictions matching no clip", len(unknown))
    out.note(f"unknown clip {c}" for c in unknown)


def _dense(request: ScoreRequest, resolved: Resolved, out: Validation) -> None:
    from videoeval.predictions.dense import read_dense_predictions
    from videoeval.scoring.dense import read_references
    from videoeval.scoring.etbench import read_etbench, sample_rows

    if resolved.protocol.name == "etbench":
        assert request.predictions is not None
        groups = read_etbench(request.predictions)
        rows = [row for group in groups.values() for row in sample_rows(group)]
        out.add("dvc / slc samples", len(rows))
        out.add("answers without a readable time", sum(r["status"] != "ok" for r in rows))
        return
    assert request.annotations is not None
    videos: set[str] = set()
    for path in (request.annotations, *request.references):
        refs, problems = read_references(path)
        out.add(f"GT videos in {path.name}", len(refs))
        out.note(problems)
        videos |= set(refs)
    if request.predictions is None:
        return
    predictions = read_dense_predictions(request.predictions)
    out.add("predicted videos", len(predictions.captions) + len(predictions.unparsed))
    out.add("GT videos with predictions", len(videos & set(predictions.captions)))
    out.add("answers without timed events", len(predictions.unparsed))
    unknown = sorted(set(predictions.captions) - videos)
    out.add("predicted videos in no reference file", len(unknown))
    out.note(predictions.problems)


def validate(request: ScoreRequest) -> Validation:
    resolved = resolve(request, need_predictions=False)
    out = Validation(resolved.view.task, resolved.protocol.name)
    checks = {"grounding": _grounding, "captioning": _captions, "dense_captioning": _dense}
    checks[resolved.view.task](request, resolved, out)
    return out
