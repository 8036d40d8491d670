"""The file-level scorer: durations, robustness of the whole pipeline on arbitrary input."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.scoring.helpers import run, sample
from videoeval.errors import InputError
from videoeval.protocols.grounding import PROTOCOLS
from videoeval.schema import GroundingPrediction
from videoeval.scoring.grounding_scorer import read_durations, score_files


def test_durations_from_csv_and_json(tmp_path: Path) -> None:
    csv_path = tmp_path / "Charades_v1_test.csv"
    csv_path.write_text("id,subject,length\n3MSZA,x,30.47\nAO8RW,y,33.67\n", encoding="utf-8")
    assert read_durations(csv_path) == {"3MSZA": 30.47, "AO8RW": 33.67}
    json_path = tmp_path / "durations.json"
    json_path.write_text(json.dumps({"3MSZA.mp4": 30.47}), encoding="utf-8")
    assert read_durations(json_path) == {"3MSZA": 30.47}
    bad = tmp_path / "bad.csv"
    bad.write_text("video,seconds\na,1\n", encoding="utf-8")
    with pytest.raises(InputError, match="length/duration column"):
        read_durations(bad)


def test_durations_feed_protocols_that_need_them(tmp_path: Path) -> None:
    ann = tmp_path / "charades_sta_test.txt"
    ann.write_text("3MSZA 24.3 30.4##person turn a light on.\n", encoding="utf-8")
    pred = tmp_path / "p.jsonl"
    pred.write_text(
        '{"vid": "3MSZA", "query": "person turn a light on", "span": [24.3, 40]}\n', "utf-8"
    )
    durations = tmp_path / "d.json"
    durations.write_text('{"3MSZA": 30.47}', encoding="utf-8")
    without = score_files("charades-sta", ann, pred, "videomind", resamples=0)
    with_d = score_files("charades-sta", ann, pred, "videomind", durations, resamples=0)
    assert without.rows[0].scored_span == pytest.approx((24.3, 40.0))  # float32, as in torch
    assert "duration unknown" in without.rows[0].note
    # clamped to 30.47, rounded to 0.1 -> 30.5
    assert with_d.rows[0].scored_span == pytest.approx((24.3, 30.5))
    assert with_d.report.inputs["durations"] == "d.json"


_number = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.integers(min_value=-(10**6), max_value=10**6).map(float),
)
_prediction = st.one_of(
    st.builds(lambda text: GroundingPrediction(origin="h", sample_id="a", answer=text), st.text()),
    st.builds(
        lambda pairs: GroundingPrediction(
            origin="h",
            sample_id="a",
            spans=tuple(pairs),
            problem=None if all(math.isfinite(v) for p in pairs for v in p) else "not finite",
        ),
        st.lists(st.tuples(_number, _number), max_size=3),
    ),
)


@settings(max_examples=150, deadline=None)
@given(
    prediction=_prediction,
    gt=st.tuples(st.floats(0, 500), st.floats(0, 500)),
    duration=st.one_of(st.none(), st.floats(0, 1000)),
)
def test_no_input_breaks_any_protocol(prediction, gt, duration) -> None:
    for name in PROTOCOLS:
        result = run("qvhighlights", name, [sample("a", gt, duration=duration)], [prediction])
        (row,) = result.rows
        assert row.counted and row.iou is not None and 0.0 <= row.iou <= 1.0
        assert all(math.isfinite(v) for v in result.report.metrics.values())
