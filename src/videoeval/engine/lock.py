"""One writer per run folder: two runs into one --out would ask every question twice and
interleave their answers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from videoeval.errors import UsageError


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold ``folder/run.lock`` while the block runs; another holder is an error that names it.
    The lock goes with the process (a killed run leaves nothing to clean up)."""
    try:
        import fcntl
    except ImportError:  # no advisory locks on this platform: run unguarded
        yield
        return
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "run.lock"
    handle = open(path, "a+")  # noqa: SIM115 - held for the whole block
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise UsageError(
                f"{folder} is in use by another videoeval process ({holder}); wait for it to "
                "end, or use another --out"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        yield
    finally:
        handle.close()
