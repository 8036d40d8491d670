"""Number patterns for the answer parsers, written so that matching takes linear time.

The reference parsers write numbers as ``\\d+\\.?\\d*`` or ``\\d+\\.*\\d*`` followed by a separator
(``\\s*-``, ``\\s+to``, ``:``). On a long run of digits without the separator Python's
backtracking engine then tries every split of the run at every start position: cubic time (a
2,500-digit answer took 45 s). Where a number must be followed by a character that is neither a
digit nor a dot, the number it matches is always the maximal one, so the same matches come out
when the engine is kept from splitting runs: ``(?<!\\d)`` starts a number only at the start of a
digit run and ``(?!\\d)`` / ``(?!\\.)`` end each part only where the run ends. The tests compare
these patterns with the references' on random strings.
"""

from __future__ import annotations

NUMBER_DOT = r"(?<!\d)\d+(?!\d)\.?\d*(?!\d)"
"""``\\d+\\.?\\d*`` before a separator that is not a digit or a dot."""
NUMBER_DOTS = r"(?<!\d)\d+(?!\d)\.*(?!\.)\d*(?!\d)"
"""``\\d+\\.*\\d*`` before a separator that is not a digit or a dot."""
NUMBER_FRACTION = r"(?<!\d)\d+(?!\d)(?:\.\d+(?!\d))?"
"""``\\d+(?:\\.\\d+)?`` before a separator that is not a digit (lmms-eval)."""
