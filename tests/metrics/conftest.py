"""One METEOR process (a Java start costs seconds) shared by the tests that need it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="module")
def scorers() -> Iterator[Any]:
    if shutil.which("java") is None:
        pytest.skip("SODA_c needs Java (METEOR)")
    pytest.importorskip("pycocoevalcap", reason="pycocoevalcap is not installed")
    from videoeval.scoring.dense import LanguageScorers

    shared = LanguageScorers()
    try:
        yield shared
    finally:
        shared.close()
