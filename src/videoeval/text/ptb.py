"""pycocoevalcap 1.2's PTB tokenizer call (``PTBTokenizer.tokenize``) for one batch of
sentences: the same jar, class, options and input (the sentences joined by "\\n", each "\\n"
inside one made a space), the same reading of its output (split at "\\n", punctuation tokens
dropped). What differs is how Java runs: VM flags that start the tokenizer in a quarter of the
CPU time (a dense run makes ten calls), and its speed line kept back unless the call fails.
``tests/text/test_ptb.py`` compares the tokens with the library's on hostile sentences.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Sequence

from videoeval.errors import VideoevalError

TOKENIZER_CLASS = "edu.stanford.nlp.process.PTBTokenizer"
# The serial collector and the client compiler only: ~0.25 CPU-s instead of ~0.65 for a call on
# 17,000 sentences, the same output (VM flags change speed, not what the program prints).
JVM_FLAGS = ("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")


def tokenizer_command(path: str) -> list[str]:
    """pycocoevalcap's command (``PTBTokenizer.tokenize``'s ``cmd`` and file) with ``JVM_FLAGS``."""
    from pycocoevalcap.tokenizer import ptbtokenizer

    jar = os.path.join(
        os.path.dirname(os.path.abspath(ptbtokenizer.__file__)),
        ptbtokenizer.STANFORD_CORENLP_3_4_1_JAR,
    )
    return ["java", *JVM_FLAGS, "-cp", jar, TOKENIZER_CLASS, "-preserveLines", "-lowerCase", path]


def ptb_tokenize(sentences: Sequence[str]) -> list[str]:
    """The tokens of each sentence, one Java call for the batch."""
    from pycocoevalcap.tokenizer.ptbtokenizer import PUNCTUATIONS

    if not sentences:
        return []
    punctuation = frozenset(PUNCTUATIONS)
    text = "\n".join(s.replace("\n", " ") for s in sentences)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "sentences.txt")
        with open(path, "wb") as handle:
            handle.write(text.encode())
        try:
            done = subprocess.run(
                tokenizer_command(path), stdin=subprocess.DEVNULL, capture_output=True
            )
        except OSError as exc:
            raise VideoevalError(f"the PTB tokenizer could not start Java: {exc}") from None
    lines = done.stdout.decode().split("\n")
    if done.returncode != 0 or len(lines) < len(sentences):
        said = done.stderr.decode(errors="replace").strip()[-2000:]
        raise VideoevalError(
            f"the PTB tokenizer failed (exit {done.returncode}, {len(lines)} lines for "
            f"{len(sentences)} sentences): {said or 'no message'}"
        )
    return [
        " ".join(w for w in line.rstrip().split(" ") if w not in punctuation)
        for line in lines[: len(sentences)]
    ]
