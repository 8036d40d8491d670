"""How a group's METEOR statistics are added up before the jar scores them (no Java needed)."""

from __future__ import annotations

import pytest

from videoeval.errors import VideoevalError
from videoeval.text.meteor import added_up

# meteor-1.5 lines: lengths, function words, 4 stages x (test/ref content, test/ref function)
# matches, chunks, word matches.
EXACT = "11.0 11.0 4.0 4.0 7.0 7.0 4.0 4.0" + " 0.0" * 12 + " 1.0 11.0 11.0"
PARTIAL = "8.0 12.0 4.0 6.0 0.0 0.0 3.0 3.0" + " 0.0" * 4 + " 1.0 1.0" + " 0.0" * 6 + " 4.0 4.0 4.0"


def test_fields_are_summed_and_an_exact_matchs_chunk_is_left_out() -> None:
    fields = [float(v) for v in added_up([EXACT, PARTIAL]).split()]
    assert fields[:4] == [19.0, 23.0, 8.0, 10.0]
    assert fields[20] == 4.0  # PARTIAL's 4 chunks; EXACT's single chunk is not added
    assert fields[21:] == [15.0, 15.0]
    assert added_up([PARTIAL]) == " ".join(repr(float(v)) for v in PARTIAL.split())
    assert added_up([EXACT]).split()[20] == "0.0"


def test_a_line_of_another_shape_is_refused() -> None:
    with pytest.raises(VideoevalError, match="unexpected METEOR statistics"):
        added_up(["1.0 2.0 3.0"])
