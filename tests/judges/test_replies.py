from __future__ import annotations

import pytest

from videoeval.judges.replies import ReplyError, parse_dict


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"events": ["a"]}', {"events": ["a"]}),
        ('```json\n{"events": ["a", "b",]}\n```', {"events": ["a", "b"]}),
        ("Sure: {'events': ['a man runs']} Hope this helps.", {"events": ["a man runs"]}),
        ('{"ok": True, "n": None, "x": False}', {"ok": True, "n": None, "x": False}),
        ("```python\n{'events': [{'event': 'e', 'relationship': 'neutral'}]}\n```",
         {"events": [{"event": "e", "relationship": "neutral"}]}),
    ],
)  # fmt: skip
def test_tolerant_parsing(text: str, expected: dict) -> None:
    assert parse_dict(text) == expected


@pytest.mark.parametrize("text", ["", "no json here", "[1, 2, 3]", "{broken", "{'a': os.system}"])
def test_replies_without_a_dictionary_are_errors(text: str) -> None:
    with pytest.raises(ReplyError):
        parse_dict(text)


def test_hostile_replies_are_schema_errors_not_crashes() -> None:
    import pytest

    from videoeval.judges.replies import ReplyError, parse_dict

    for hostile in ("[" * 100_000 + "]" * 100_000, '{"n": ' + "9" * 5000 + "}", "{" * 50_000):
        with pytest.raises(ReplyError):
            parse_dict(hostile)
