"""``videoeval validate``: read the annotations and the predictions as ``score`` would, join
them, and say what would be skipped or left unmatched, without scoring anything."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from videoeval.api.score import Resolved, ScoreRequest, resolve
from videoeval.errors import UsageError
from videoeval.options import as_path
from videoeval.protocols import load_function


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


def grounding(request: ScoreRequest, resolved: Resolved, out: Validation) -> None:
    from videoeval.predictions.grounding import read_predictions
    from videoeval.protocols.grounding import get_protocol
    from videoeval.scoring.grounding_join import join
    from videoeval.scoring.grounding_scorer import read_durations, with_durations
    from videoeval.scoring.grounding_warnings import (
        gt_warnings,
        native_scorer,
        refuse_foreign_ids,
    )

    assert resolved.annotations is not None
    durations = as_path(request.grounding.durations) if request.grounding else None
    loaded = resolved.view.load(resolved.annotations)
    if durations is not None:
        loaded.samples = with_durations(loaded.samples, read_durations(durations))
    out.add("GT queries", len(loaded.samples))
    out.note(loaded.skipped)
    if resolved.predictions is None:
        return
    file = read_predictions(resolved.predictions)
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
        if unknown and durations is None:
            out.note([f"{unknown} GT queries have no duration, which protocol "
                      f"{protocol.name} needs: pass --durations"])  # fmt: skip


def captions(request: ScoreRequest, resolved: Resolved, out: Validation) -> None:
    from videoeval.predictions.captions import read_caption_predictions

    assert resolved.annotations is not None
    loaded = resolved.view.load(resolved.annotations)
    out.add("GT clips", len(loaded.samples))
    out.note(loaded.skipped)
    if resolved.predictions is None:
        return
    predictions = read_caption_predictions(resolved.predictions)
    known = {s.sample_id for s in loaded.samples}
    out.add("prediction layout", predictions.layout)
    out.add("clips with a prediction", len(known & set(predictions.texts)))
    unknown = sorted(set(predictions.texts) - known)
    out.add("predictions matching no clip", len(unknown))
    out.note(f"unknown clip {c}" for c in unknown)


def etbench(request: ScoreRequest, resolved: Resolved, out: Validation) -> None:
    from videoeval.benchmarks.etbench import read_etbench
    from videoeval.scoring.etbench import sample_rows

    if resolved.predictions is None:
        raise UsageError(f"{request.benchmark}'s answers file is its GT: give it with -p")
    groups = read_etbench(resolved.predictions)
    rows = [row for group in groups.values() for row in sample_rows(group)]
    out.add("dvc / slc samples", len(rows))
    out.add("answers without a readable time", sum(r.status != "ok" for r in rows))


def dense(request: ScoreRequest, resolved: Resolved, out: Validation) -> None:
    from videoeval.predictions.dense import read_dense_predictions
    from videoeval.scoring.dense import references_of

    assert resolved.annotations is not None
    more = request.dense.references if request.dense and request.dense.references else ()
    videos: set[str] = set()
    for path in (resolved.annotations, *(Path(p) for p in more)):
        loaded = resolved.view.load(path)
        refs = references_of(loaded.samples)
        out.add(f"GT videos in {path.name}", len(refs))
        out.note(loaded.skipped)
        videos |= set(refs)
    if resolved.predictions is None:
        return
    predictions = read_dense_predictions(resolved.predictions)
    out.add("predicted videos", len(predictions.captions) + len(predictions.unparsed))
    out.add("GT videos with predictions", len(videos & set(predictions.captions)))
    out.add("answers without timed events", len(predictions.unparsed))
    unknown = sorted(set(predictions.captions) - videos)
    out.add("predicted videos in no reference file", len(unknown))
    out.note(predictions.problems)


def validate(request: ScoreRequest) -> Validation:
    """What scoring ``request`` would read, join and skip, scoring nothing."""
    resolved = resolve(request, need_predictions=False)
    out = Validation(resolved.view.task, resolved.protocol.name)
    if resolved.protocol.check is None:
        raise UsageError(f"validate has no checks for protocol {resolved.protocol.name}")
    load_function(resolved.protocol.check)(request, resolved, out)
    return out
