"""A judge's prompt template: ours (packaged), or the file of the same name in a folder the user
gives (the official wording, which we do not ship), checked to use exactly its fields."""

from __future__ import annotations

from collections.abc import Set
from importlib import resources
from pathlib import Path

from videoeval.benchmarks.base import read_text
from videoeval.errors import InputError


def judge_template(filename: str, fields: Set[str], prompt_dir: Path | None) -> tuple[str, str]:
    """``(text, source)``: a template that left a field out would grade without it, so one
    whose fields differ is refused with its place."""
    from videoeval.prompts.templates import _fields

    path = prompt_dir / filename if prompt_dir else None
    if path is not None and path.exists():
        text, source = read_text(path), path.name
    else:
        package = resources.files("videoeval.judges.prompts") / filename
        text, source = package.read_text(encoding="utf-8"), f"videoeval:{filename}"
    if _fields(text) != fields:
        raise InputError(path or filename, f"the template must use the fields {sorted(fields)}")
    return text, source
