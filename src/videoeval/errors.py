"""Errors a user can act on: each names the file (and line) and says what was expected."""

from __future__ import annotations

from pathlib import Path


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
    """Raised when not a single sample could be scored; the CLI exits non-zero."""


class UsageError(VideoevalError):
    """The command asks for something that does not fit together: an option that does not
    apply to the chosen task, an option given twice, a protocol of another task."""


class EnvironmentProblem(VideoevalError):
    """The inputs are fine but the world is not: the model server is down or serves another
    model, the disk is full, the cache cannot be read. The command exits with code 3."""
