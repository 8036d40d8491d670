"""jsonio.loads is json.loads: the same values and the same errors, msgspec or not."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from videoeval import jsonio

ODD_TEXTS = [
    '{"a": NaN, "b": Infinity, "c": -Infinity}',  # json reads these; msgspec refuses them
    '{"a": 1e400, "b": -1e400}',  # out of range: inf in json
    '{"a": "\\ud800"}',  # a lone surrogate escape
    '{"a": ' + "1" * 400 + ".5}",
    '{"a": 123456789012345678901234567890}',
    '{"a": 1, "a": 2}',  # the last duplicate key wins in both
    ' {"a": [1.0, -0.0, 5e-324, 0.1e1]} \n',
    '"\\u0000\\u2028"',
]
BAD_TEXTS = ['{"a": [1, 2,]}', '{"a": 1}x', "", "{", '{"a": ' + "1" * 5000 + "}", "[" * 5000]


def same(a: object, b: object) -> bool:
    """Equal, counting NaN equal to NaN and telling -0.0 from 0.0 (repr keeps both apart)."""
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or repr(a) == repr(b)
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        assert isinstance(b, dict)
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        assert isinstance(b, list)
        return len(a) == len(b) and all(map(same, a, b))
    return a == b


@pytest.mark.parametrize("text", ODD_TEXTS)
def test_reads_what_json_reads(text: str) -> None:
    assert same(jsonio.loads(text), json.loads(text))
    assert same(jsonio.loads(text.encode()), json.loads(text.encode()))


@pytest.mark.parametrize("text", BAD_TEXTS)
def test_refuses_with_json_error(text: str) -> None:
    with pytest.raises((ValueError, RecursionError)) as ours:
        jsonio.loads(text)
    with pytest.raises((ValueError, RecursionError)) as theirs:
        json.loads(text)
    assert type(ours.value) is type(theirs.value)
    assert str(ours.value) == str(theirs.value)


values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(values)
def test_any_value_round_trips_as_json_reads_it(value: object) -> None:
    text = json.dumps(value, ensure_ascii=False)
    assert same(jsonio.loads(text), json.loads(text))
    escaped = json.dumps(value)  # \\u escapes, surrogate pairs included
    assert same(jsonio.loads(escaped), json.loads(escaped))
