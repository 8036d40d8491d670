"""Our PTB tokenizer call gives pycocoevalcap's ``PTBTokenizer.tokenize`` tokens, sentence for
sentence, and says what went wrong when Java does."""

from __future__ import annotations

import json
import shutil
import sys

import pytest

from tests.conftest import shared_file
from videoeval.errors import VideoevalError
from videoeval.text import ptb

pytestmark = pytest.mark.skipif(shutil.which("java") is None, reason="the tokenizer needs Java")

HOSTILE = [
    "A man with a capital T.",
    "walks in. The park",
    "",
    "  ",
    'He said "hi" -- (ok) ... [x] {y}',
    "it's 5 p.m. on Jan. 3, U.S.A. ",
    "tabs\tinside\tit",
    "a line\nbreak inside",
    "caf\u00e9 na\u00efve \u00fcber \u2014 dash",
    "???!!!",
    "Mr. Smith's dog's ball; the end T.",
    "the end T.",
]


def _library(sentences: list[str]) -> list[str]:
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    tokens = PTBTokenizer().tokenize({i: [{"caption": s}] for i, s in enumerate(sentences)})
    return [tokens[i][0] for i in range(len(sentences))]


def test_tokens_equal_the_librarys() -> None:
    pytest.importorskip("pycocoevalcap")
    entries = json.loads(shared_file("captions/anet_captions_val_1.json").read_text("utf-8"))
    real = [s for entry in list(entries.values())[:300] for s in entry["sentences"]]
    batches = (HOSTILE, HOSTILE[::-1], real + HOSTILE, ["only one line T."], ["", ""], ["  "])
    for batch in batches:
        assert ptb.ptb_tokenize(batch) == _library(batch)


def test_the_speed_line_stays_back_and_a_failure_says_why(capfd, monkeypatch) -> None:
    pytest.importorskip("pycocoevalcap")
    assert ptb.ptb_tokenize(["a man walks."]) == ["a man walks"]
    assert "PTBTokenizer" not in capfd.readouterr().err
    failing = [sys.executable, "-c", "import sys; sys.stderr.write('Exception in main'); exit(3)"]
    monkeypatch.setattr(ptb, "tokenizer_command", lambda path: failing)
    with pytest.raises(VideoevalError, match=r"exit 3.*Exception in main"):
        ptb.ptb_tokenize(["a man walks."])
