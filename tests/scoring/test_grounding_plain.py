"""``score_plain``, the one-step scoring of the common line, gives what the general path of
``score_sample`` gives that line, under every protocol, and takes no other line."""

from __future__ import annotations

import itertools
import math
import random

import pytest

from videoeval.protocols.grounding import PROTOCOLS
from videoeval.schema import GroundingPrediction, GroundingSample
from videoeval.scoring import grounding
from videoeval.scoring.grounding import score_plain, score_sample

BOUNDS = [0.0, 0.5, 3, 5.0, 7.25, 12.0, -1.0, math.nan, math.inf, 1e300, 30.0]


def predictions(rng: random.Random) -> list[GroundingPrediction]:
    out = []
    for start, end in itertools.product(BOUNDS, repeat=2):
        spans = ((start, end),)
        out.append(GroundingPrediction("f:1", spans=spans, answer="From 1 to 2."))  # type: ignore[arg-type]
        out.append(GroundingPrediction("f:2", spans=spans, gt_hint=(2.0, 9.5)))  # type: ignore[arg-type]
    good = ((2.0, 9.0),)
    out += [
        GroundingPrediction("f:3", spans=((2.0, 9.0, 0.7),)),
        GroundingPrediction("f:4", spans=((2.0, 9.0), (1.0, 3.0))),
        GroundingPrediction("f:5", spans=good, problem="bad window"),
        GroundingPrediction("f:6", spans=good, failure="model_error"),
        GroundingPrediction("f:7", spans=good, fallback=True),
        GroundingPrediction("f:8", spans=good, postprocessed=True),
        GroundingPrediction("f:9", spans=()),
        GroundingPrediction("f:10", answer="It happens from 2 to 9 seconds."),
        GroundingPrediction("f:11", spans=good, saliency=(1.0, 2.0)),
    ]
    for _ in range(200):
        start = round(rng.uniform(-2, 40), rng.choice([0, 1, 3]))
        span = ((float(start), float(start + rng.uniform(-3, 20))),)
        out.append(GroundingPrediction(f"r:{_}", spans=span, answer="x"))
    return out


SAMPLES = [
    GroundingSample("v#0", "v", "q", ((2.0, 9.5),), 30.0),
    GroundingSample("v#1", "v", "q", ((2.0, 9.5), (12.0, 20.0)), 30.0),
    GroundingSample("v#2", "v", "q", ((5.0, 5.0),), None),
    GroundingSample("v#3", "v", "q", ((0.0, 7.25),), 7.25),
]


@pytest.mark.parametrize("name", sorted(PROTOCOLS))
def test_the_plain_step_scores_as_the_general_path(name: str, monkeypatch) -> None:
    protocol = PROTOCOLS[name]
    taken = 0
    for sample, pred in itertools.product(SAMPLES, predictions(random.Random(0))):
        plain = score_plain(sample, pred, protocol)
        with monkeypatch.context() as general:
            general.setattr(grounding, "score_plain", lambda *_: None)
            expected = score_sample(sample, pred, protocol, "timelens-charades", protocol.missing)
        if plain is None:
            continue
        taken += 1
        assert plain.row == expected.row, (sample, pred)
        assert (plain.ranked, plain.best_of, plain.highlight) == (
            expected.ranked, expected.best_of, expected.highlight)  # fmt: skip
        assert plain.row.status == "ok" and plain.row.note is None
    assert (taken > 100) == protocol.top1_only


def test_only_the_common_line_is_taken() -> None:
    protocol = PROTOCOLS["timelens"]
    sample = SAMPLES[0]
    assert score_plain(sample, GroundingPrediction("f", spans=((1.0, 4.0),)), protocol)
    for spans in [((4.0, 1.0),), ((1.0, 1.0),), ((-1.0, 4.0),), ((1, 4.0),), ((1.0, math.inf),),
                  ((math.nan, 4.0),), ((1.0, 4.0, 0.5),), ((1.0, 4.0), (5.0, 6.0))]:  # fmt: skip
        # reversed, zero-length, negative, an int, not finite, a score, a second window: each
        # has a note or a rule of its own
        assert score_plain(sample, GroundingPrediction("f", spans=spans), protocol) is None
    assert score_plain(sample, GroundingPrediction("f", answer="1 - 4"), protocol) is None
