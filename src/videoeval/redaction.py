"""Secrets never written: API keys are read from the environment at call time, and any value of
a secret-looking environment variable that turns up in text we write (a key a server echoes in
an answer or an error, a key pasted into a prediction file) is replaced before it reaches a
results file, a log, the terminal or a report."""

from __future__ import annotations

import os
import re

_SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL", re.IGNORECASE)
MIN_LENGTH = 8
"""Shorter values are too common to replace without mangling ordinary text."""
MARK = "[redacted]"


def environment_secrets() -> tuple[str, ...]:
    """Values of the environment's secret-looking variables, longest first."""
    values = {
        value
        for name, value in os.environ.items()
        if _SECRET_NAME.search(name) and len(value) >= MIN_LENGTH and value.strip() == value
    }
    return tuple(sorted(values, key=len, reverse=True))


def redact(text: str, secrets: tuple[str, ...] | None = None) -> str:
    """``text`` with each secret (the environment's, or the ones given) replaced."""
    for secret in environment_secrets() if secrets is None else secrets:
        if secret and len(secret) >= 4 and secret in text:
            text = text.replace(secret, MARK)
    return text


def redact_bytes(data: bytes, secrets: tuple[str, ...]) -> bytes:
    for secret in secrets:
        encoded = secret.encode("utf-8")
        if encoded in data:
            data = data.replace(encoded, MARK.encode())
    return data
