"""``ast.literal_eval`` for every caller of this process, one at a time.

CPython 3.11 and 3.12 keep the state of converting a parse tree to Python objects per
interpreter, not per thread: two threads inside ``ast.parse`` at once can fail with
"SystemError: AST constructor recursion depth mismatch" (CPython issue gh-106905). A run parses
judge replies and answer files on several threads; a spurious error there would be recorded as
a failed sample. Every literal this package reads goes through this lock."""

from __future__ import annotations

import ast
import threading
from typing import Any

_LOCK = threading.Lock()


def literal_eval(text: str) -> Any:
    with _LOCK:
        return ast.literal_eval(text)
