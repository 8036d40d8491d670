"""``--executor`` and ``--ray-address``: refused where they cannot apply, with what to do; Ray
is optional and its absence is said, not a traceback."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.engine.conftest import make_bench
from videoeval.cli import app
from videoeval.errors import UsageError


def invoke(*args: object):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, [str(a) for a in args])


def run(tmp_path: Path, *extra: object):  # type: ignore[no-untyped-def]
    bench = make_bench(tmp_path)
    return invoke("run", "timelens-charades", "-a", bench["annotations"], "--videos",
                  bench["videos"], "--model", "m", "--base-url", "http://127.0.0.1:9/v1", "-o",
                  tmp_path / "out", *extra)  # fmt: skip


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--ray-address", "auto"], "--ray-address applies to --executor ray only"),
        (["--executor", "spark"], "--executor is local or ray"),
        (["--executor", "ray", "--dry-run"], "--executor does not apply to --dry-run"),
    ],
)
def test_executor_options_that_cannot_apply_are_refused(tmp_path: Path, extra, message) -> None:
    result = run(tmp_path, *extra)
    assert result.exit_code == 2 and message in " ".join(result.output.split())
    assert not (tmp_path / "out" / "responses.jsonl").exists()


def test_a_suite_that_only_checks_refuses_an_executor(tmp_path: Path) -> None:
    from tests.suite.test_suite import write_suite

    suite = write_suite(tmp_path, "http://127.0.0.1:9/v1")
    result = invoke("suite", suite, "--check", "--executor", "ray")
    assert result.exit_code == 2 and "--check or --dry-run" in " ".join(result.output.split())


def test_ray_absent_is_said_with_the_install_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from videoeval.engine.ray_executor import connect

    monkeypatch.setitem(sys.modules, "ray", None)  # import ray fails as when not installed
    with pytest.raises(UsageError, match=r'pip install "videoeval\[ray\]"'):
        connect(None)
