"""Every model call, stored by content: the same backend, model, settings and messages (frames
hashed) give the same key, so a re-run or a re-score asks nothing twice.

SQLite in WAL mode: readers never block, concurrent writers from several processes wait their
turn (busy timeout) instead of failing.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from videoeval.errors import EnvironmentProblem
from videoeval.models.base import ModelRequest, ModelResponse


def call_key(identity: dict[str, Any], request: ModelRequest, salt: str = "") -> str:
    """``salt`` tells apart calls that are meant to be asked again (a judge's k-th sample, a
    retry after a reply that broke the schema)."""
    payload: dict[str, Any] = {"model": identity, "request": request.fingerprint()}
    if salt:
        payload["salt"] = salt
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode("utf-8")).hexdigest()


class CallCache:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(
                self.path, timeout=60, isolation_level=None, check_same_thread=False
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS calls "
                "(key TEXT PRIMARY KEY, response TEXT NOT NULL, created REAL NOT NULL)"
            )
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS served "
                "(identity TEXT PRIMARY KEY, served TEXT NOT NULL, created REAL NOT NULL)"
            )
        except sqlite3.Error as exc:
            raise EnvironmentProblem(
                f"the call cache {self.path} cannot be used ({exc}): move it away, or pass "
                "another --cache"
            ) from None

    def get(self, key: str) -> ModelResponse | None:
        with self._lock:
            row = self._db.execute("SELECT response FROM calls WHERE key = ?", (key,)).fetchone()
        return ModelResponse.from_json(row[0]) if row else None

    def put(self, key: str, response: ModelResponse) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO calls (key, response, created) VALUES (?, ?, ?)",
                (key, response.to_json(), time.time()),
            )

    def served_before(
        self, identity: dict[str, Any], served: dict[str, Any], replace: bool = False
    ) -> dict[str, Any] | None:
        """What the server said it serves under ``identity`` when this cache first stored its
        answers, if that differs from ``served`` now (``None``: the same, or the first time,
        recorded now). ``replace`` records ``served`` as the new truth (answers asked again)."""
        key = json.dumps(identity, sort_keys=True)
        now = json.dumps(served, sort_keys=True)
        with self._lock:
            row = self._db.execute(
                "SELECT served FROM served WHERE identity = ?", (key,)
            ).fetchone()
            if row is None or replace:
                self._db.execute(
                    "INSERT OR REPLACE INTO served (identity, served, created) VALUES (?, ?, ?)",
                    (key, now, time.time()),
                )
                return None
        if row[0] == now:
            return None
        try:
            before = json.loads(row[0])
        except ValueError:
            return {"unreadable": row[0][:100]}
        return before if isinstance(before, dict) else {"unreadable": row[0][:100]}

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM calls").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
