"""Where a grounding prediction reader puts each record it reads: a list, or a scorer that
takes each one as its line is read (``scoring/grounding_stream.py``), so that a file's records
need not all be alive at once."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from videoeval.schema import GroundingPrediction


class PredictionSink(Protocol):
    def append(self, prediction: GroundingPrediction, /) -> None: ...

    def extend(self, predictions: Iterable[GroundingPrediction], /) -> None: ...
