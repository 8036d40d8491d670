"""The grounding scorer's pass over a prediction file that scores each answer as its line is
read: the line is matched to its GT query (``Matcher``, ``join``'s rules) and scored at once,
so what stays alive is a row per query, not a record per line beside it (100k TimeLens answers:
a peak of about 100 MB of Python allocations instead of 150; ``bench/score_grounding.py``).

It gives what reading the whole file, joining and scoring gives (the same rows, figures and
warnings; ``tests/scoring/test_grounding_stream.py``) wherever each GT query gets one line at
most. Anything else needs every line at once, and is left to that path: a second line for a
query (the last one wins, or every line counts, or mAP pools them), a GT that repeats a
(video, query) or an id, and the protocols that pool repeated lines or read saliency scores.

While the file answers the GT queries in their order (TimeLens's inference writes them so), each
IoU is also handed to the ``poisson`` bootstrap as it is scored (``PoissonStream``): its
replicates are summed on another core while this one reads, and the intervals are ready when
the file is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from videoeval.metrics.poisson_bootstrap import PoissonStream
from videoeval.predictions.grounding import PredictionFile, read_predictions
from videoeval.protocols.grounding import GroundingProtocol
from videoeval.schema import GroundingPrediction, GroundingSample
from videoeval.scoring.grounding import Scored, score_sample_safely
from videoeval.scoring.grounding_join import Joined, Matcher, hint_differs


class AnsweredTwice(Exception):
    """A second line for a query: the whole file is needed to know which line counts."""


class _ScoringSink:
    """Takes each prediction from the reader, matches it and scores it."""

    def __init__(
        self,
        samples: list[GroundingSample],
        matcher: Matcher,
        protocol: GroundingProtocol,
        benchmark_id: str,
        bootstrap: PoissonStream | None,
    ) -> None:
        self.joined = Joined(samples=samples, predictions={}, unique_ids=True)
        self.bootstrap = bootstrap
        self.next = 0
        """The GT query the file answers next while it follows the GT's order."""
        self.target: Callable[..., GroundingSample | None] = matcher.target
        self.protocol, self.benchmark_id, self.missing = protocol, benchmark_id, protocol.missing
        self.scored: dict[str, Scored] = {}
        self.read = 0
        self.gt_differs: list[str] = []
        self.order = np.zeros(0)

    def append(self, pred: GroundingPrediction, /) -> None:
        self.read += 1
        joined = self.joined
        target = self.target(pred, self.scored, joined)
        if target is None:
            joined.unknown.append(pred)
            return
        sample_id = target.sample_id
        if sample_id in self.scored:
            raise AnsweredTwice(sample_id)
        one = self.scored[sample_id] = score_sample_safely(
            target, pred, self.protocol, self.benchmark_id, self.missing
        )
        if self.bootstrap is not None:
            # the IoU to the bootstrap while every query before it was answered: what it got
            # is then the start of the final per-query values (which it checks)
            k, iou, samples = self.next, one.row.iou, joined.samples
            if k < len(samples) and samples[k] is target and iou is not None:
                self.bootstrap.add(iou)
                self.next = k + 1
            else:
                self.bootstrap = None  # out of the GT's order: the rest is resampled at the end
        if (
            pred.gt_hint is not None
            and self.protocol.gt_from_key
            and hint_differs(pred.gt_hint, target.windows[0])
        ):
            self.gt_differs.append(sample_id)

    def extend(self, predictions: Iterable[GroundingPrediction], /) -> None:
        for pred in predictions:
            self.append(pred)

    def rows(self) -> list[Scored]:
        """Once the file is read: one scored query per GT sample, in GT order (the unanswered
        ones scored now), and ``order``, each one's place in the file (the order its query was
        answered in; the unanswered ones after every line). The matcher's indexes go first, so
        that working out the order does not add to the peak."""
        self.target = _file_read
        scored, protocol, samples = self.scored, self.protocol, self.joined.samples
        rank = {sample_id: k for k, sample_id in enumerate(scored)}
        unanswered = self.read  # after every line
        self.order = np.fromiter(
            (rank.get(s.sample_id, unanswered) for s in samples), float, len(samples)
        )
        del rank
        out = []
        for sample in samples:
            one = scored.pop(sample.sample_id, None)
            if one is None:
                one = score_sample_safely(sample, None, protocol, self.benchmark_id, self.missing)
            out.append(one)
        return out


@dataclass
class Streamed:
    joined: Joined
    scored: list[Scored]
    """One per GT query, in GT order."""
    file: PredictionFile
    """The file's layout and skipped lines (its predictions went to the scorer)."""
    read: int
    order: np.ndarray
    """Each row's place in the file (the rank of its query's line among the matched ones)."""
    gt_differs: list[str]
    """The queries whose result key holds another GT span than the annotation's."""


def _file_read(*_: object) -> None:
    raise RuntimeError("the prediction file was read already")


def stream_scored(
    samples: list[GroundingSample],
    path: Path,
    protocol: GroundingProtocol,
    benchmark_id: str,
    bootstrap: PoissonStream | None = None,
) -> Streamed | None:
    """The file scored as it is read (each IoU handed to ``bootstrap`` while the file follows
    the GT's order); None where the GT, the protocol or the file (a query answered twice) needs
    every line at once."""
    if protocol.map_pools_repeats or protocol.with_highlights:
        return None
    matcher = Matcher(samples)
    if matcher.repeated or len({s.sample_id for s in samples}) != len(samples):
        return None
    sink = _ScoringSink(samples, matcher, protocol, benchmark_id, bootstrap)
    del matcher  # the sink's until the file is read
    try:
        file = read_predictions(path, sink)
    except BaseException as exc:
        if bootstrap is not None:
            bootstrap.close(cancel=True)  # its sums will not be asked for
        if isinstance(exc, AnsweredTwice):
            return None
        raise
    if bootstrap is not None:
        bootstrap.close()
    scored = sink.rows()
    return Streamed(sink.joined, scored, file, sink.read, sink.order, sink.gt_differs)
