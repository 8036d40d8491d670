"""Prompt templates: our own wording ships as package data; ``--prompt-file`` swaps in any text
(the exact official prompt, say). Every template is identified by the hash of its text."""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from videoeval.benchmarks.base import read_text
from videoeval.errors import InputError


@dataclass(frozen=True)
class PromptTemplate:
    text: str
    source: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def render(self, **fields: str) -> str:
        return self.text.format(**fields)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def load_template(path: Path | None, default: str, required: set[str]) -> PromptTemplate:
    """A user's template file, or the packaged ``default``; checks the ``{fields}`` it uses."""
    if path is None:
        text = (resources.files("videoeval.prompts") / default).read_text(encoding="utf-8")
        source = f"videoeval:{default}"
    else:
        text, source = read_text(path), path.name
    try:
        used = _fields(text)
    except ValueError as exc:
        raise InputError(
            path or default, f"not a valid template ({exc}); write literal braces as {{{{ }}}}"
        ) from None
    unknown = used - required
    if unknown or not required <= used:
        raise InputError(
            path or default,
            f"the template must use exactly the fields {sorted(required)} "
            f"(found {sorted(used)}); write literal braces as {{{{ and }}}}",
        )
    return PromptTemplate(text=text.strip("\n"), source=source)
