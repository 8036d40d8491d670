"""The documentation's commands are real: every ``videoeval`` command line in README.md and
docs/*.md names a command that exists and only flags that command has."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from videoeval.cli import app

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", ROOT / "ARCHITECTURE.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"```bash\n(.*?)```", re.S)


def _command_lines(page: Path) -> list[str]:
    lines = []
    for block in BLOCK.findall(page.read_text(encoding="utf-8")):
        joined = block.replace("\\\n", " ")
        for line in joined.splitlines():
            line = line.split(" #", 1)[0]
            for part in re.split(r"&&|\|\||;|\|", line):
                part = part.strip()
                if part.startswith("videoeval "):
                    lines.append(part)
    return lines


def _options() -> dict[str, set[str]]:
    import typer.main

    group = typer.main.get_command(app)
    out = {}
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        out[name] = {opt for p in command.params for opt in [*p.opts, *p.secondary_opts]}
        for sub, inner in getattr(command, "commands", {}).items():  # a group: `sbs create`
            out[f"{name} {sub}"] = {opt for p in inner.params
                                    for opt in [*p.opts, *p.secondary_opts]}  # fmt: skip
    return out


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_documented_command_and_flag_exists(page: Path) -> None:
    options = _options()
    for line in _command_lines(page):
        words = shlex.split(line.replace("...", ""))
        command = words[1]
        if len(words) > 2 and f"{command} {words[2]}" in options:  # a group's command
            command, words = f"{command} {words[2]}", words[1:]
        assert command in options, f"{page.name}: `{line}` names no command {command!r}"
        flags = [w.split("=", 1)[0] for w in words[2:] if w.startswith("-") and w != "-"]
        unknown = [f for f in flags if f not in options[command] and f != "--help"]
        assert not unknown, f"{page.name}: `{line}`: {command} has no {unknown}"


def test_the_pages_hold_commands() -> None:
    assert sum(len(_command_lines(p)) for p in PAGES) >= 30
