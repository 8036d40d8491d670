"""Every ``videoeval`` command the documentation shows is run, page by page and in the page's
order, in a folder holding the files it names, against a local server standing in for the
servers it names; each must end as the page says (exit 0, or the exit the page documents).
What a placeholder (``...``) leaves open is filled with the page's own model and judge flags.
Not run here: `videoeval demo` (tests/test_cli.py runs it) and the commands that load a
checkpoint's weights (none can be downloaded here; `run --backend hf` is tested on tiny models
built in tests/models). Dense captioning is scored without its language metrics
(`--no-language`): each command would start Java's METEOR for ~10 s, and those figures are
checked against pycocoevalcap in tests/text and tests/metrics."""

from __future__ import annotations

import glob
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.docs.sandbox import MODELS, build, everyone
from tests.fake_servers import FakeServer
from tests.test_docs import PAGES, _command_lines
from videoeval.cli import app

pytestmark = pytest.mark.cost(20)

ROOT = Path(__file__).resolve().parents[2]
NOT_RUN = {
    "--backend hf": "needs a checkpoint's weights",
    "videoeval demo": "run (into a test folder, 50 resamples) and its outputs checked by "
    "tests/test_cli.py::test_demo_runs_offline_and_writes_every_protocol",
    "videoeval sbs serve": "serves until stopped: tests/sbs/test_server_process.py runs it as a "
    "process, with two annotators in Chromium",
    "videoeval sbs results": "needs judgements: tests/sbs compute it on judged studies",
    "--executor ray": "asks on a Ray cluster: tests/engine/test_ray_executor.py runs run, "
    "rollouts and suite so on a local one",
}
EXIT = {"data check": 1}  # a file that is not the published one: the check says so, exit 1
POLICY = "--model m --base-url {url}"
JUDGE = "--judge-model judge --judge-base-url {url}"
FILLED = {  # a placeholder, filled as the page means it
    "audit dream1k ...": f"audit dream1k -a DREAM-1k.jsonl --videos videos/dream {JUDGE}",
    "--model ...": "--model m",
    "--base-url ...": "--base-url {url}",
    "--judge-model ...": "--judge-model judge",
    "--judge-base-url ...": "--judge-base-url {url}",
}


def runnable(line: str, url: str) -> list[str] | None:
    if any(words in line for words in NOT_RUN):
        return None
    line = line.replace("http://localhost:8000/v1", url).replace("https://api.openai.com/v1", url)
    for short, long in FILLED.items():
        line = line.replace(short, long.format(url=url))
    if line.rstrip().endswith("..."):  # the model's (or the judge's) flags left to the reader
        fill = JUDGE if line.split()[1] == "audit" else POLICY
        line = line.rstrip()[:-3] + fill.format(url=url)
    words = shlex.split(line)[1:]
    if "--backend" in words and "--base-url" not in words:  # Gemini's own address
        words += ["--base-url", url]
    if "--judge-backend" in words and "--judge-base-url" not in words:
        words += ["--judge-base-url", url]
    dense = {"youcook2", "activitynet-captions"}
    if words[0] in ("score", "run") and words[1] in dense and "joint" not in words:
        words.append("--no-language")
    expanded: list[str] = []
    for word in words:
        expanded += sorted(glob.glob(word)) if "*" in word else [word]
    return expanded


@pytest.mark.parametrize("page", [p for p in PAGES if _command_lines(p)], ids=lambda p: p.name)
def test_every_command_of_the_page_runs(page: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("VIDEOEVAL_CACHE", str(tmp_path / "cache"))
    for key in ("OPENAI_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.setenv(key, "test-key-not-a-secret")
    ran = 0
    with FakeServer(everyone, MODELS) as server:
        build(tmp_path, server.base_url, ROOT / "docs" / "suites.md")
        for line in _command_lines(page):
            args = runnable(line, server.base_url)
            if args is None:
                continue
            result = CliRunner().invoke(app, args)
            expected = next(
                (code for start, code in EXIT.items() if " ".join(args).startswith(start)), 0
            )
            assert result.exit_code == expected, f"{page.name}: `{line}`\n{result.output[-3000:]}"
            ran += 1
    assert ran > 0
