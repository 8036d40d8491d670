"""What every command shares: the app, the consoles, one rule for errors and exit codes, and
the refusal of options that are repeated or do not apply.

Exit codes: 0 done; 1 nothing could be scored; 2 the input or the command is wrong (a file that
cannot be read, an option that does not apply, a protocol of another task); 3 the environment
failed (the model server is unreachable or serves another model, a disk or cache problem).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperCommand

from videoeval.errors import EnvironmentProblem, NothingToScoreError, UsageError, VideoevalError
from videoeval.redaction import redact
from videoeval.version import __version__

app = typer.Typer(
    name="videoeval",
    help=(
        "Evaluate video language models on what happened and when.\n\n"
        "Start with `videoeval demo` (offline, no arguments), then `videoeval score` on your own "
        "prediction files. `videoeval list` shows every benchmark, view and protocol."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# No emoji codes: a query or caption holding ":smile:" is printed as written.
console = Console(emoji=False)
err = Console(stderr=True, emoji=False)

# Option panels of --help, by what they apply to.
GROUNDING = "Grounding options"
JUDGE = "Judge options"
DENSE = "Dense-captioning options"
FRAMES = "Frames and prompt"
SERVER = "Model server"
LOCAL = "Local model (--backend hf)"

EXECUTOR_FLAGS = {"executor", "ray_address"}
Executor = Annotated[
    str,
    typer.Option(help="Where items are asked: local (this machine) or ray (a Ray cluster: the "
                 'driver writes the run folder and cache, workers decode and ask; pip install '
                 '"videoeval[ray]").'),
]  # fmt: skip
RayAddress = Annotated[
    str | None,
    typer.Option(help="With --executor ray: the cluster (auto, ray://head:10001); default a "
                 "local cluster of this machine's cores."),
]  # fmt: skip
# The judge's server, the same option in every command that asks a judge.
JudgeBaseUrl = Annotated[
    str | None,
    typer.Option(help="The judge's URL (OpenAI-compatible; Gemini: its default API).",
                 rich_help_panel=JUDGE),
]  # fmt: skip
JudgeBackend = Annotated[str, typer.Option(help="'openai' or 'gemini'.", rich_help_panel=JUDGE)]
JudgeKeyEnv = Annotated[
    str | None,
    typer.Option(help="Environment variable with the judge's key.", rich_help_panel=JUDGE),
]
NoJudgeSchema = Annotated[
    bool,
    typer.Option(
        "--no-judge-schema",
        help="Do not ask the judge's server to follow the reply's JSON schema (structured "
        "output: OpenAI-compatible response_format, vLLM guided decoding, Gemini's response "
        "schema); replies are then only read tolerantly and asked again when they break it.",
        rich_help_panel=JUDGE,
    ),
]


# The click that typer runs on (recent typer versions carry their own copy of it).
_CLICK_CORE = importlib.import_module(TyperCommand.__mro__[1].__module__)


def _is_option(param: Any) -> bool:
    return getattr(param, "param_type_name", "") == "option"


class StrictCommand(TyperCommand):
    """A command that refuses an option given twice: click would keep the last one silently
    (``-a val_1.json -a val_2.json`` would score one reference file). Its help is shown as
    written: square brackets are text ("videoeval[hf]", "reward_funcs=[...]"), not markup."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = escape(self.help) if self.help else self.help
        for param in self.params:
            if getattr(param, "help", None):
                param.help = escape(param.help)  # type: ignore[attr-defined]

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        parser = self.make_parser(ctx)
        _, _, order = parser.parse_args(args=list(args))
        seen: set[str] = set()
        for param in order:
            if not _is_option(param) or getattr(param, "multiple", False):
                continue
            if getattr(param, "count", False):
                continue
            if param.name in seen:
                raise _CLICK_CORE.UsageError(f"{param.opts[0]} is given twice; give it once", ctx)
            seen.add(param.name or "")
        return super().parse_args(ctx, args)


def command(name: str | None = None, **kwargs: Any) -> Any:
    return app.command(name, cls=StrictCommand, **kwargs)


def given_options(ctx: typer.Context) -> set[str]:
    """The parameters the user set on the command line (or through the environment)."""
    explicit = ("COMMANDLINE", "ENVIRONMENT")
    return {
        name
        for name in ctx.params
        if getattr(ctx.get_parameter_source(name), "name", None) in explicit
    }


def flag(ctx: typer.Context, name: str) -> str:
    for param in ctx.command.params:
        if param.name == name and _is_option(param):
            return str(param.opts[0])
    return name


def refuse_inapplicable(
    ctx: typer.Context, given: Iterable[str], allowed: Iterable[str], context: str
) -> None:
    extra = sorted(set(given) - set(allowed))
    if extra:
        names = ", ".join(flag(ctx, name) for name in extra)
        verb, pronoun = ("does", "it") if len(extra) == 1 else ("do", "them")
        raise UsageError(f"{names} {verb} not apply to {context}; leave {pronoun} out")


JUDGE_SETTINGS = {"judge_base_url", "judge_backend", "judge_api_key_env", "judge_temperature",
                  "no_judge_schema"}  # fmt: skip


def refuse_judge_settings_without_judge(ctx: typer.Context) -> None:
    """A judge's address or settings without ``--judge-model`` would be dropped: the offline
    scorer runs instead."""
    if ctx.params.get("judge_model") is None:
        given = given_options(ctx) & JUDGE_SETTINGS
        refuse_inapplicable(ctx, given, set(), "a run without --judge-model")


def fail(message: str, code: int) -> typer.Exit:
    text = escape(redact(message))
    err.print(f"[bold red]error:[/bold red] {text}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


@contextmanager
def exit_codes() -> Iterator[None]:
    """The one rule: nothing scored -> 1, a wrong input or command -> 2, the environment -> 3,
    Ctrl-C -> 130, each with one line."""
    try:
        yield
    except KeyboardInterrupt:
        raise fail(
            "interrupted: every answer and judgement finished so far is kept (the run folder "
            "and the cache); the same command resumes from there", 130,
        ) from None  # fmt: skip
    except NothingToScoreError as exc:
        raise fail(str(exc), 1) from None
    except EnvironmentProblem as exc:
        raise fail(str(exc), 3) from None
    except OSError as exc:  # a full disk, a folder that cannot be written
        raise fail(f"{type(exc).__name__}: {exc}", 3) from None
    except (VideoevalError, ValueError) as exc:
        raise fail(str(exc), 2) from None


def print_counts(title: str, counts: dict[str, Any]) -> None:
    """A dry run's counts as one table."""
    from rich.table import Table

    table = Table(title=title)
    table.add_column("what")
    table.add_column("count", justify="right")
    for name, value in counts.items():
        shown = f"{value:,}" if isinstance(value, (int, float)) else str(value)
        table.add_row(name.replace("_", " "), shown)
    console.print(table)


def say(text: str) -> None:
    console.print(redact(text), markup=False, highlight=False)


def _version(value: bool) -> None:
    if value:
        console.print(f"videoeval {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    pass


__all__ = ["UsageError", "app", "command", "console", "err", "exit_codes", "fail", "say"]
