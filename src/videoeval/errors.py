"""Errors a user can act on: each names the file (and line) and says what was expected."""

from __future__ import annotations

from pathlib import Path
from typing import Any


class VideoevalError(Exception):
    """Base class for errors shown to the user without a traceback."""


class InputError(VideoevalError):
    """An input file cannot be read as what it was given as."""

    def __init__(self, path: str | Path, message: str, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


class NothingToScoreError(VideoevalError):
    """Raised when not a single sample could be scored; the CLI exits non-zero. ``rows`` (and
    ``files``: further row files by name), when given, say each sample's cause: they are
    written without figures."""

    def __init__(
        self,
        message: str,
        rows: list[Any] | None = None,
        files: dict[str, list[Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.rows = rows or []
        self.files = files or {}


class UsageError(VideoevalError):
    """The command asks for something that does not fit together: an option that does not
    apply to the chosen task, an option given twice, a protocol of another task."""


class EnvironmentProblem(VideoevalError):
    """The inputs are fine but the world is not: the model server is down or serves another
    model, the disk is full, the cache cannot be read. The command exits with code 3."""


def install_command(extra: str) -> str:
    """How to add an extra to this installation: ``pip install -e '.[x]'`` for a checkout
    installed in place, ``pip install 'videoeval[x]'`` otherwise."""
    import json
    from importlib import metadata

    try:
        direct = metadata.distribution("videoeval").read_text("direct_url.json") or "{}"
        editable = bool(json.loads(direct).get("dir_info", {}).get("editable"))
    except (metadata.PackageNotFoundError, ValueError):
        editable = False
    return f"pip install -e '.[{extra}]'" if editable else f"pip install 'videoeval[{extra}]'"
