"""ROUGE-L of one (candidate, reference) pair, as pycocoevalcap 1.2's ``Rouge.calc_score``
computes it with a single reference: the same float expression, on the same LCS length.

The library finds the LCS length with a Python dynamic programme (one cell per token pair);
here it comes from the bit-parallel algorithm (Allison and Dix 1986; Hyyro 2004), one big-int
step per token of the other sentence. The length is an integer, so the score is the same
double (``tests/text/test_rouge.py`` compares both on random and hostile token lists).
"""

from __future__ import annotations

BETA = 1.2


def lcs_length(first: list[str], second: list[str]) -> int:
    """Length of the longest common subsequence of two token lists."""
    if not first or not second:
        return 0
    masks: dict[str, int] = {}
    for position, token in enumerate(first):
        masks[token] = masks.get(token, 0) | (1 << position)
    full = (1 << len(first)) - 1
    state = full
    for token in second:
        match = masks.get(token)
        if match is not None:
            kept = state & match
            state = ((state + kept) | (state - kept)) & full
    return len(first) - bin(state).count("1")


def rouge_l(candidate: str, reference: str) -> float:
    """``Rouge().calc_score([candidate], [reference])``."""
    token_c = candidate.split(" ")
    token_r = reference.split(" ")
    lcs = lcs_length(token_r, token_c)
    prec = lcs / float(len(token_c))
    rec = lcs / float(len(token_r))
    if prec != 0 and rec != 0:
        return ((1 + BETA**2) * prec * rec) / float(rec + BETA**2 * prec)
    return 0.0
