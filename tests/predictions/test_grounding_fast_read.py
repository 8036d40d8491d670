"""TimeLens result lines read by the typed decoder give the records the general path gives,
whatever the line holds (the typed path declines what it does not know)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from videoeval.predictions import grounding
from videoeval.predictions.grounding import read_predictions

KEY = "v1.mp4>>>a person opens a door>>>[1.5, 7.0]"
OTHER = KEY.replace("door", "window")


def keyed(value: str, key: str = KEY) -> str:
    """``{"<key>": <value>}`` with the value's JSON text as written (NaN, 1e400 included)."""
    return "{" + json.dumps(key) + ": " + value + "}"


ODD_LINES = [
    keyed('{"timestamps": [[2, 6]], "answers": "2 - 6"}'),
    keyed('{"timestamps": [[2.5, 6.25], [1, 3]], "answers": "x", "duration": 30}'),
    keyed('{"timestamps": [], "answers": "no span"}'),
    keyed('{"timestamps": [[2, 6, 0.9]]}'),  # a scored window: three values
    keyed('{"timestamps": [[true, 6]]}'),
    keyed('{"timestamps": [["2", "6"]]}'),
    keyed('{"timestamps": null, "answers": "x"}'),
    keyed('{"timestamps": [[NaN, 6]]}'),
    keyed('{"timestamps": [[1e400, 6]]}'),
    keyed('{"timestamps": [[' + "9" * 30 + ", 6]]}"),
    keyed('{"answers": "from 2 to 6 seconds"}'),
    keyed('{"answers": 12}'),
    keyed('{"answers": null}'),
    keyed('{"other": 1}'),
    keyed("[1, 2]"),
    keyed('{"timestamps": [[2, 6]], "answers": 3}'),
    keyed('{"timestamps": [[2, 6]]}, ' + json.dumps(OTHER) + ': {"timestamps": [[1, 2]]}'),
    keyed('{"timestamps": [[2, 6]]}, ' + json.dumps(KEY) + ': {"timestamps": [[9, 9]]}'),
    keyed('{"timestamps": [[2, 6]]}, "answer": "x"'),
    keyed('{"timestamps": [[2, 6]], "timestamps": [[3, 4]], "answers": "a", "answers": "b"}'),
    keyed('{"timestamps": [[2, 6]], "timestamps": null}'),
    keyed('{"timestamps": null, "timestamps": [[2, 6]]}'),
    keyed('{"timestamps": [[2, 6]]}', "v1>>>q>>>[1.5]"),
    keyed('{"timestamps": [[2, 6]]}', "v1>>>q>>>nonsense"),
    keyed('{"timestamps": [[2, 6]]}', "v1>>>q>>>a>>>[[1.5, 7.0]]"),
    keyed('{"timestamps": [[2, 6]]}', "v1>>>q"),
    "{}",
    "[]",
    '{"vid": "v1", "query": "q", "answer": "2 - 6"}',
    "not json",
]


def read_both(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    def outcome() -> object:
        try:
            result = read_predictions(path)
        except Exception as exc:  # the error itself is compared
            return (type(exc).__name__, str(exc))
        return (result.layout, result.predictions, result.skipped)

    fast = outcome()
    with monkeypatch.context() as patch:
        patch.setattr(grounding, "_read_timelens_typed", lambda *args: False)
        general = outcome()
    return fast, general


@pytest.mark.parametrize("line", ODD_LINES)
def test_each_odd_line_after_a_plain_one(
    line: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "result.jsonl"
    first = keyed('{"timestamps": [[0, 1]], "answers": "0 - 1"}')
    path.write_text(first + "\n" + line + "\n", encoding="utf-8")
    fast, general = read_both(path, monkeypatch)
    assert fast == general


@pytest.mark.parametrize("line", ODD_LINES)
def test_each_odd_line_first(line: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "result.jsonl"
    path.write_text(line + "\n" + keyed('{"answers": "0 - 1"}') + "\n", encoding="utf-8")
    fast, general = read_both(path, monkeypatch)
    assert fast == general


times = st.one_of(
    st.integers(-(2**70), 2**70), st.floats(allow_nan=False), st.booleans(), st.text(max_size=3)
)
values = st.fixed_dictionaries(
    {},
    optional={
        "timestamps": st.lists(st.lists(times, max_size=3), max_size=3) | st.none(),
        "answers": st.text(max_size=10) | st.integers() | st.none(),
        "duration": st.floats(allow_nan=False, allow_infinity=False),
    },
)


@settings(max_examples=200, deadline=None)
@given(st.lists(values, min_size=1, max_size=4))
def test_any_result_values(items: list[dict[str, object]]) -> None:
    import tempfile

    lines = [json.dumps({f"v{k}>>>q {k}>>>[0, {k + 1}]": v}) for k, v in enumerate(items)]
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as patch:
        path = Path(tmp) / "result.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        fast, general = read_both(path, patch)
    assert fast == general
