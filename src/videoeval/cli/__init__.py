"""The ``videoeval`` command line: one module per command over the library API
(``videoeval.api``); ``common.py`` holds the one error and exit-code rule."""

# isort: skip_file
# Commands are registered in the order `videoeval --help` lists them.
from __future__ import annotations

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
    app()


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
