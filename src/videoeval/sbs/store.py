"""A side-by-side study is one SQLite file (WAL): what is compared (items: one video and two
descriptions, or a gold item whose better side is known), who compares (annotators, known by the
hash of their link token), who was given what (assignments, each with its own left/right) and
what they said (judgements, one per annotator and item, committed before the reply).

Every write is a short transaction with ``synchronous=FULL``: a server killed after answering a
submit has the judgement on disk. Assignment happens inside ``BEGIN IMMEDIATE`` so two
annotators asking at once never take an item past the study's overlap."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from videoeval.errors import InputError

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS systems (
    id INTEGER PRIMARY KEY, label TEXT NOT NULL UNIQUE, source TEXT NOT NULL,
    metrics TEXT NOT NULL DEFAULT '{}');
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, sample_id TEXT NOT NULL,
    video_id TEXT NOT NULL, category TEXT NOT NULL, media TEXT,
    system_a INTEGER REFERENCES systems(id), system_b INTEGER REFERENCES systems(id),
    text_a TEXT NOT NULL, text_b TEXT NOT NULL,
    gold_better TEXT CHECK (gold_better IN ('a', 'b')));
CREATE TABLE IF NOT EXISTS annotators (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, token_sha256 TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS assignments (
    annotator INTEGER NOT NULL REFERENCES annotators(id),
    item INTEGER NOT NULL REFERENCES items(id),
    left_side TEXT NOT NULL CHECK (left_side IN ('a', 'b')),
    position INTEGER NOT NULL, assigned_at REAL NOT NULL,
    PRIMARY KEY (annotator, item));
CREATE TABLE IF NOT EXISTS judgements (
    annotator INTEGER NOT NULL REFERENCES annotators(id),
    item INTEGER NOT NULL REFERENCES items(id),
    left_side TEXT NOT NULL, choices TEXT NOT NULL, reason TEXT NOT NULL,
    submitted_at REAL NOT NULL, PRIMARY KEY (annotator, item));
CREATE INDEX IF NOT EXISTS assignments_item ON assignments(item);
"""
CHOICES = ("left", "tie", "right")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA busy_timeout=30000")
    return db


@contextmanager
def transaction(db: sqlite3.Connection, immediate: bool = False) -> Iterator[sqlite3.Connection]:
    db.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def open_study(path: Path) -> sqlite3.Connection:
    """An existing study (never creates one: a mistyped path is an error, not a new study)."""
    if not path.is_file():
        raise InputError(path, "is not a study (make one with `videoeval sbs create`)")
    db = connect(path)
    try:
        version = db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
    except sqlite3.DatabaseError as exc:
        raise InputError(path, f"is not a study database ({exc})") from None
    if version is None or json.loads(version[0]) != "videoeval-sbs-1":
        raise InputError(path, "is not a study database this version reads")
    return db


def meta(db: sqlite3.Connection) -> dict[str, Any]:
    return {row["key"]: json.loads(row["value"]) for row in db.execute("SELECT * FROM meta")}


@dataclass(frozen=True)
class Assigned:
    """An item as one annotator sees it: left and right already placed."""

    key: str
    left: str
    right: str
    has_media: bool
    done: int
    remaining: int


def annotator_of(db: sqlite3.Connection, token: str) -> int | None:
    row = db.execute("SELECT id FROM annotators WHERE token_sha256 = ?",
                     (token_hash(token),)).fetchone()  # fmt: skip
    return None if row is None else int(row["id"])


def _flip(seed: int, annotator: int, item: int) -> str:
    """Which side is left for this annotator and item: a hash, so neither the item's order nor
    another annotator's page tells anything."""
    digest = hashlib.sha256(f"{seed}:{annotator}:{item}".encode()).digest()
    return "a" if digest[0] % 2 == 0 else "b"


def _order(seed: int, annotator: int, item: int) -> bytes:
    return hashlib.sha256(f"order:{seed}:{annotator}:{item}".encode()).digest()


def _open_candidates(db: sqlite3.Connection, annotator: int, overlap: int) -> list[sqlite3.Row]:
    """Items this annotator has not been given that still need a judge: a gold item goes to
    everyone; any other until ``overlap`` annotators have it."""
    return list(db.execute(
        """SELECT i.id, i.gold_better, COUNT(a.annotator) AS taken FROM items i
           LEFT JOIN assignments a ON a.item = i.id
           WHERE i.id NOT IN (SELECT item FROM assignments WHERE annotator = ?)
           GROUP BY i.id HAVING i.gold_better IS NOT NULL OR taken < ?""",
        (annotator, overlap)))  # fmt: skip


def next_item(db: sqlite3.Connection, annotator: int) -> Assigned | None:
    """The annotator's open item (resume), else a new one, or ``None`` when nothing is left.
    Items already started by others come first, so the overlap the study asks for fills up
    (agreement needs it); within that, an order of the annotator's own."""
    info = meta(db)
    seed, overlap = int(info["seed"]), int(info["overlap"])
    with transaction(db, immediate=True):
        row = db.execute(
            """SELECT a.item, a.left_side FROM assignments a
               LEFT JOIN judgements j ON j.annotator = a.annotator AND j.item = a.item
               WHERE a.annotator = ? AND j.item IS NULL ORDER BY a.position LIMIT 1""",
            (annotator,)).fetchone()  # fmt: skip
        if row is None:
            candidates = _open_candidates(db, annotator, overlap)
            if not candidates:
                return None
            chosen = min(
                candidates,
                key=lambda c: (
                    -min(int(c["taken"]), overlap - 1),
                    _order(seed, annotator, int(c["id"])),
                ),
            )
            item, left = int(chosen["id"]), _flip(seed, annotator, int(chosen["id"]))
            position = db.execute("SELECT COUNT(*) FROM assignments WHERE annotator = ?",
                                  (annotator,)).fetchone()[0]  # fmt: skip
            db.execute("INSERT INTO assignments VALUES (?, ?, ?, ?, ?)",
                       (annotator, item, left, position, time.time()))  # fmt: skip
        else:
            item, left = int(row["item"]), str(row["left_side"])
        remaining = len(_open_candidates(db, annotator, overlap))
        done = db.execute("SELECT COUNT(*) FROM judgements WHERE annotator = ?",
                          (annotator,)).fetchone()[0]  # fmt: skip
        it = db.execute("SELECT * FROM items WHERE id = ?", (item,)).fetchone()
    texts = {"a": it["text_a"], "b": it["text_b"]}
    return Assigned(
        it["key"],
        texts[left],
        texts["b" if left == "a" else "a"],
        it["media"] is not None,
        int(done),
        remaining,
    )


def assigned_item(db: sqlite3.Connection, annotator: int, key: str) -> sqlite3.Row | None:
    """The item ``key`` if it was given to this annotator (any other key is unknown to them)."""
    return db.execute(
        """SELECT i.*, a.left_side FROM items i JOIN assignments a ON a.item = i.id
           WHERE i.key = ? AND a.annotator = ?""", (key, annotator)).fetchone()  # fmt: skip


class SubmitError(ValueError):
    """A judgement that does not fit the study (unknown item, a missing criterion, ...)."""


def submit(db: sqlite3.Connection, annotator: int, key: str, choices: Any, reason: Any) -> bool:
    """Store one judgement; ``False`` when this annotator had judged the item already (the
    first judgement stands: a resubmitted form changes nothing)."""
    criteria = meta(db)["criteria"]
    if not isinstance(choices, dict) or set(choices) != set(criteria):
        raise SubmitError(f"give a choice for each of {', '.join(criteria)}")
    if any(choices[c] not in CHOICES for c in criteria):
        raise SubmitError(f"each choice is one of {', '.join(CHOICES)}")
    if not isinstance(reason, str) or len(reason) > 4000:
        raise SubmitError("the reason is text of at most 4000 characters")
    with transaction(db, immediate=True):
        item = assigned_item(db, annotator, key)
        if item is None:
            raise SubmitError("no such item for this annotator")
        said = json.dumps({c: choices[c] for c in criteria})
        cursor = db.execute("INSERT OR IGNORE INTO judgements VALUES (?, ?, ?, ?, ?, ?)",
                            (annotator, item["id"], item["left_side"], said, reason.strip(),
                             time.time()))  # fmt: skip
    return cursor.rowcount == 1
