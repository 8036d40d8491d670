"""Attach each grounding prediction to the GT query it answers.

Predictions name their query by id, or by (video, query text) with an optional GT span from a
result key to tell repeated queries apart. Every line a query received is kept in order
(``history``): Moment-DETR's mAP pools repeated lines while its R1 takes the last.
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from dataclasses import dataclass, field

from videoeval.schema import GroundingPrediction, GroundingSample


def match_key(video_id: str, query: str) -> tuple[str, str]:
    """Loose identity of a query across files: case, spacing and end periods do not matter."""
    return video_id, " ".join(query.split()).strip(".").strip().casefold()


@dataclass
class Joined:
    samples: list[GroundingSample]
    predictions: dict[str, GroundingPrediction]
    unknown: list[GroundingPrediction] = field(default_factory=list)
    duplicates: int = 0
    collapsed_samples: int = 0
    id_mismatches: list[str] = field(default_factory=list)
    by_id: int = 0
    """Predictions that named their query by id (the ones ``id_mismatches`` checks)."""
    first_line: dict[str, int] = field(default_factory=dict)
    """Position in the prediction file of the first line that named each answered query: the
    order a result dict keyed by query holds them in (a file scored as it was read gives each
    query's rank among the answered ones instead: the same order)."""
    history: dict[str, list[GroundingPrediction]] = field(default_factory=dict)
    """For a query that received several predictions: all of them, in file order (the last one
    is in ``predictions``)."""
    history_lines: dict[str, list[int]] = field(default_factory=dict)
    """The file positions of ``history``'s predictions."""
    by_position: int = 0
    """Predictions that named their query by its position in the video (``query_index``)."""
    unique_ids: bool = False
    """The GT ids are known to be unique (a file scored as read checked them first)."""


def hint_differs(hint: tuple[float, float], window: tuple[float, float]) -> bool:
    """Whether a result key's GT span is another than the annotation's (float16 copies)."""
    return abs(hint[0] - window[0]) > 1e-6 or abs(hint[1] - window[1]) > 1e-6


class Matcher:
    """Which GT query a prediction answers, by ``join``'s rules: the indexes over the GT are
    built once, and each prediction is matched in file order against the queries answered so
    far (the streaming scorer matches each line as it is read, with the same rules)."""

    def __init__(self, samples: Sequence[GroundingSample]) -> None:
        self.samples = samples
        # One sample per query text as a rule, keyed by the text alone (a (video, query) tuple
        # per query took 5 MB per 100k); the same text in other videos goes to ``by_pair``, and
        # a (video, query) the annotation repeats to ``repeated``, with all its entries.
        self.by_query: dict[str, GroundingSample] = {}
        self.by_pair: dict[tuple[str, str], GroundingSample] = {}
        self.repeated: dict[tuple[str, str], list[GroundingSample]] = {}
        by_query, by_pair, repeated = self.by_query, self.by_pair, self.repeated
        for sample in samples:
            first = by_query.setdefault(sample.query, sample)
            if first is sample:
                continue
            key = (sample.video_id, sample.query)
            if first.video_id != sample.video_id:
                first = by_pair.setdefault(key, sample)
                if first is sample:
                    continue
            repeated.setdefault(key, [first]).append(sample)
        self._by_id: dict[str, GroundingSample] | None = None
        self._by_loose: dict[tuple[str, str], list[GroundingSample]] = {}
        self._in_video: dict[str, list[GroundingSample]] = {}

    def exact(self, video_id: str, query: str) -> GroundingSample | None:
        """The first GT entry of this (video, query)."""
        hit = self.by_query.get(query)
        if hit is None or hit.video_id == video_id:
            return hit
        return self.by_pair.get((video_id, query)) if self.by_pair else None

    @property
    def by_id(self) -> dict[str, GroundingSample]:
        """Built for the first prediction that names its query by id (result files do not)."""
        if self._by_id is None:
            self._by_id = {s.sample_id: s for s in self.samples}
        return self._by_id

    def _lookup(self, video_id: str, query: str) -> list[GroundingSample]:
        exact = self.exact(video_id, query)
        if exact is not None:
            return self.repeated.get((video_id, query)) or [exact]
        by_loose = self._by_loose
        if not by_loose:  # built on the first near miss only
            for sample in self.samples:
                by_loose.setdefault(match_key(sample.video_id, sample.query), []).append(sample)
        return by_loose.get(match_key(video_id, query), [])

    def target(
        self, pred: GroundingPrediction, answered: Container[str], joined: Joined
    ) -> GroundingSample | None:
        """The GT query ``pred`` answers (None: no query), counting in ``joined`` how it was
        named; ``answered``: the ids answered by earlier lines."""
        target: GroundingSample | None = None
        if pred.query_index is not None and pred.sample_id not in self.by_id:
            if not self._in_video:  # built on the first prediction that needs it
                for sample in self.samples:
                    self._in_video.setdefault(sample.video_id, []).append(sample)
            queries = self._in_video.get(pred.video_id or "", [])
            if 0 <= pred.query_index < len(queries):
                target = queries[pred.query_index]
                joined.by_position += 1
        elif pred.sample_id is None and pred.query is not None and pred.video_id is not None:
            # the common case first: one GT entry of this (video, query)
            target = self.exact(pred.video_id, pred.query)
            if (
                target is not None
                and self.repeated
                and (pred.video_id, pred.query) in self.repeated
            ):
                target = None  # several entries: chosen below
        if target is not None:
            return target
        if pred.sample_id is not None and pred.sample_id in self.by_id:
            target = self.by_id[pred.sample_id]
            joined.by_id += 1
            if pred.video_id is not None and pred.video_id != target.video_id:
                joined.id_mismatches.append(
                    f"{pred.origin}: id {pred.sample_id} is video {target.video_id} in the GT, "
                    f"not {pred.video_id}"
                )
        elif pred.video_id is not None and pred.query is not None:
            candidates = self._lookup(pred.video_id, pred.query)
            if pred.gt_hint is not None and len(candidates) > 1:
                hinted = [
                    c
                    for c in candidates
                    if abs(c.windows[0][0] - pred.gt_hint[0]) < 1e-6
                    and abs(c.windows[0][1] - pred.gt_hint[1]) < 1e-6
                ]
                candidates = hinted or candidates
            if len(candidates) == 1:  # what the rule below picks for a single candidate
                target = candidates[0]
            else:
                free = [c for c in candidates if c.sample_id not in answered]
                target = free[0] if free else (candidates[0] if candidates else None)
        return target


def join(
    samples: Sequence[GroundingSample],
    predictions: Sequence[GroundingPrediction],
    dedupe_keys: bool,
) -> Joined:
    """Attach each prediction to one GT query; the last prediction for a query wins.

    Predictions are matched against every GT entry first, in file order, so that a file written
    one answer per annotation lines up even where the annotation repeats itself; only then do
    entries with the same (video, query, GT span) collapse, keeping the first entry's place and
    the answer written last, as a result dict keyed that way does.
    """
    matcher = Matcher(samples)
    joined = Joined(samples=list(samples), predictions={})
    answered, first_line = joined.predictions, joined.first_line
    order: dict[str, int] = {}
    for position, pred in enumerate(predictions):
        target = matcher.target(pred, answered, joined)
        if target is None:
            joined.unknown.append(pred)
            continue
        sample_id = target.sample_id
        if sample_id in answered:
            joined.duplicates += 1
            joined.history.setdefault(sample_id, [answered[sample_id]]).append(pred)
            joined.history_lines.setdefault(sample_id, [order[sample_id]]).append(position)
        answered[sample_id] = pred
        first_line.setdefault(sample_id, position)
        order[sample_id] = position
    if dedupe_keys:
        _collapse_keys(joined, order, matcher.repeated)
    return joined


def _collapse_keys(
    joined: Joined, order: dict[str, int], repeated: dict[tuple[str, str], list[GroundingSample]]
) -> None:
    """Entries that repeat a (video, query, GT) key collapse into the first. Such entries
    share their (video, query), so only the groups ``repeated`` lists are looked at (a dict of
    every sample's key took 10 MB per 100k queries, for nothing in most files)."""
    repeats: list[list[GroundingSample]] = []
    for group in repeated.values():
        by_gt: dict[object, list[GroundingSample]] = {}
        for sample in group:
            gt = sample.gt_text if sample.gt_text is not None else sample.windows
            by_gt.setdefault(gt, []).append(sample)
        repeats.extend(members for members in by_gt.values() if len(members) > 1)
    if not repeats:
        return
    dropped: set[int] = set()
    for members in repeats:
        first = members[0]
        answered = [m for m in members if m.sample_id in joined.predictions]
        if answered:
            last = max(answered, key=lambda m: order[m.sample_id])
            joined.predictions[first.sample_id] = joined.predictions[last.sample_id]
            joined.first_line[first.sample_id] = min(
                joined.first_line[m.sample_id] for m in answered
            )
        for other in members[1:]:
            dropped.add(id(other))
            joined.predictions.pop(other.sample_id, None)
            if answered:
                joined.first_line.pop(other.sample_id, None)
    kept = [s for s in joined.samples if id(s) not in dropped]
    joined.collapsed_samples = len(joined.samples) - len(kept)
    joined.samples = kept
