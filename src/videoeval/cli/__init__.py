"""The ``videoeval`` command line: one module per command over the library API
(``videoeval.api``); ``common.py`` holds the one error and exit-code rule.

``from videoeval.cli import app`` gives the app with every command; the console entry point
(:func:`main`) imports only the module of the command it runs."""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import typer

MODULES = (
    "catalog", "score", "run", "suite", "audit", "report", "validate", "data", "pairs",
    "rollouts", "training", "build", "sbs",
)  # fmt: skip
"""The command modules, in the order ``videoeval --help`` lists their commands."""

COMMAND_MODULES = {
    "demo": "catalog",
    "list": "catalog",
    "score": "score",
    "run": "run",
    "suite": "suite",
    "audit": "audit",
    "report": "report",
    "validate": "validate",
    "data": "data",
    "pairs": "pairs",
    "rollouts": "rollouts",
    "sft-data": "training",
    "grpo-data": "training",
    "build": "build",
    "sbs": "sbs",
}
"""Which module defines each command (a test checks it against the registered commands)."""


def load(modules: tuple[str, ...] = MODULES) -> typer.Typer:
    """The app, with the commands of ``modules`` registered."""
    for module in modules:
        importlib.import_module(f"videoeval.cli.{module}")
    from videoeval.cli.common import app

    return app


def __getattr__(name: str) -> object:
    if name == "app":
        return load()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """The console entry point. Only the named command's module is imported, and only that
    command built (typer turns every command's signature into options before it runs one,
    like click without lazy groups). Anything else (no command, a typo, ``--help``) gets them
    all, so the listing and the hints for a typo are whole."""
    name = sys.argv[1] if len(sys.argv) > 1 else ""
    module = COMMAND_MODULES.get(name)
    app = load((module,) if module else MODULES)
    every = list(app.registered_commands)
    named = [c for c in every if name and (c.name or c.callback.__name__) == name]  # type: ignore[union-attr]
    app.registered_commands[:] = named or every
    try:
        app()
    finally:
        app.registered_commands[:] = every


__all__ = ["COMMAND_MODULES", "MODULES", "app", "load", "main"]
