"""Reading a judge's reply as a dictionary, however it was wrapped.

Judges write JSON inside code fences, add prose around it, leave trailing commas, or answer with a
Python literal (single quotes, True/False/None). This accepts all of those and nothing else:
a reply that still is not a dictionary raises ``ReplyError`` with the reason, and the caller asks
again or records the failure.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from videoeval.parsing.literals import literal_eval

T = TypeVar("T")

_FENCE = re.compile(r"```(?:json|python|JSON)?\s*(.*?)```", re.DOTALL)
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_PY_CONSTANTS = re.compile(r"\b(True|False|None)\b")
_JSON_OF = {"True": "true", "False": "false", "None": "null"}


class ReplyError(ValueError):
    """The reply is not a dictionary of the expected shape."""


def _candidates(text: str) -> list[str]:
    found = [m.group(1) for m in _FENCE.finditer(text)]
    start, end = text.find("{"), text.rfind("}")
    if start >= 0 and end > start:
        found.append(text[start : end + 1])
    return found or [text]


def parse_dict(text: str) -> dict[str, Any]:
    for candidate in _candidates(text.strip()):
        candidate = candidate.strip()
        for attempt in (
            candidate,
            _TRAILING_COMMA.sub(r"\1", candidate),
            _PY_CONSTANTS.sub(
                lambda m: _JSON_OF[m.group(1)], _TRAILING_COMMA.sub(r"\1", candidate)
            ),
        ):
            try:
                value = json.loads(attempt)
            except (ValueError, RecursionError):  # bad JSON, an integer past 4300 digits, ...
                continue
            if isinstance(value, dict):
                return value
        try:
            value = literal_eval(candidate)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            continue
        if isinstance(value, dict):
            return value
    snippet = text.strip().replace("\n", " ")[:120]
    raise ReplyError(f"no dictionary in the reply: {snippet!r}")


@dataclass(frozen=True)
class Reader(Generic[T]):
    """How a reply's dictionary becomes a value (``read`` raises ``ReplyError``), and the JSON
    schema the server is asked to follow where it can (structured output)."""

    read: Callable[[dict[str, Any]], T]
    schema: dict[str, Any] | None = None

    def __call__(self, reply: dict[str, Any]) -> T:
        return self.read(reply)


@dataclass(frozen=True)
class TextReader(Generic[T]):
    """A reply read as the text it is: an official judge prompt asks for prose ("Answer: B. ...",
    "Yes, ...") and its script's rule reads it (``read`` raises ``ReplyError`` to ask again)."""

    read: Callable[[str], T]

    def __call__(self, reply: str) -> T:
        return self.read(reply)


def inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """A pydantic JSON schema with its ``$defs`` written in place (servers' structured-output
    grammars do not all follow ``$ref``)."""
    defs = schema.get("$defs", {})

    def walk(node: Any, names: bool = False) -> Any:
        """``names``: ``node`` maps property names to schemas (a "title" there is a name)."""
        if isinstance(node, dict):
            if "$ref" in node and not names:
                return walk(defs[node["$ref"].rsplit("/", 1)[-1]])
            return {
                k: walk(v, names=(k == "properties" and not names))
                for k, v in node.items()
                if names or k not in ("$defs", "title")
            }
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(schema)
