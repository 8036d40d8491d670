"""The ``videoeval`` command line: one module per command over the library API
(``videoeval.api``); ``common.py`` holds the one error and exit-code rule."""

# isort: skip_file
# Commands are registered in the order `videoeval --help` lists them.
from __future__ import annotations

import sys

from videoeval.cli import (
    catalog,
    score,
    run,
    audit,
    report,
    validate,
    pairs,
    rollouts,
    training,
    build,
)
from videoeval.cli.common import app


def main() -> None:
    """The console entry point. Typer turns every command's signature into options before it
    runs one (a sixth of a 0.3 s start); like click's lazy groups, only the command named on
    the command line is built. Anything else (no command, a typo, ``--help``) gets them all."""
    name = sys.argv[1] if len(sys.argv) > 1 else ""
    every = list(app.registered_commands)
    named = [c for c in every if name and (c.name or c.callback.__name__) == name]  # type: ignore[union-attr]
    app.registered_commands[:] = named or every
    try:
        app()
    finally:
        app.registered_commands[:] = every


__all__ = [
    "app",
    "audit",
    "build",
    "catalog",
    "main",
    "pairs",
    "report",
    "rollouts",
    "run",
    "score",
    "training",
    "validate",
]
