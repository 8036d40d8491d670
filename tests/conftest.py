"""Shared fixtures: the real annotation files beside the repository, and small writers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def shared_file(relative: str) -> Path:
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"real annotation file {relative} is not beside the repository")
    return path


@pytest.fixture
def write_json(tmp_path: Path):
    def _write(name: str, data: object) -> Path:
        path = tmp_path / name
        path.write_text(json.dumps(data), encoding="utf-8")
        return path

    return _write


@pytest.fixture
def write_jsonl(tmp_path: Path):
    def _write(name: str, rows: list[object]) -> Path:
        path = tmp_path / name
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
        return path

    return _write


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The costly files first (``pytestmark = pytest.mark.cost(seconds)``, measured with
    ``--durations=0`` on 2 cores). Each file runs on one worker (``--dist loadfile``): started
    first, the files of tens of seconds overlap the many short ones, instead of one of them
    starting last and the others waiting for it."""

    def cost(item: pytest.Item) -> float:
        marker = item.get_closest_marker("cost")
        return float(marker.args[0]) if marker else 0.0

    items.sort(key=lambda item: -cost(item))  # stable: a file's tests keep their order
