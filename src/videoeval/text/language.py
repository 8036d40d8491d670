"""pycocoevalcap's language metrics (BLEU-1..4, METEOR, ROUGE-L, CIDEr-D) and its PTB
tokenizer, set up once per scoring run: METEOR and the tokenizer are Java processes, and
starting them per video is where the reference scripts spend their time.

A run scores many groups of (prediction, reference) pairs (one per video and threshold), and
most pairs recur across groups. What depends on a pair or a sentence alone is computed once:
a pair's METEOR statistics (``text/meteor.py``) and ROUGE-L (``text/rouge.py``), a sentence's
n-gram counts, shared by BLEU (``text/bleu.py``) and CIDEr-D (``text/cider.py``). Each group's
figures are then made in the group's order with the library's arithmetic (``BleuScorer``
itself for BLEU), so they equal ``Bleu/Meteor/Rouge/Cider.compute_score`` on the group bit for
bit (``tests/text/`` compares them with the library)."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from videoeval.errors import VideoevalError, install_command
from videoeval.text.bleu import cook_reference, cook_test
from videoeval.text.cider import cider_d
from videoeval.text.meteor import MeteorPool, available_cores
from videoeval.text.ptb import ptb_tokenize
from videoeval.text.rouge import rouge_l

LANGUAGE = ("Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4", "METEOR", "ROUGE_L", "CIDEr")


_LINE_BREAKS = dict.fromkeys(map(ord, "\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"), " ")
_GROUPS_CACHED = 1024
"""Groups scored between two clearings of the n-gram tables (``LanguageScorers._forget``)."""


Pair = tuple[str, str]  # (tokenised prediction, tokenised reference)


class LanguageScorers:
    """pycocoevalcap's scorers for a whole run: METEOR jars started once (``meteor.start``),
    every pair's parts computed once."""

    def __init__(self, meteor_processes: int = 1) -> None:
        try:
            from pycocoevalcap.bleu import bleu_scorer
            from pycocoevalcap.cider import cider_scorer
            from pycocoevalcap.tokenizer import ptbtokenizer  # noqa: F401
        except ImportError:
            raise VideoevalError(
                f"language metrics need pycocoevalcap and Java: {install_command('dense')} "
                "(or pass --no-language for P/R only)"
            ) from None
        self._bleu, self._cider = bleu_scorer, cider_scorer
        self.meteor = MeteorPool(meteor_processes)
        self._parts: dict[Pair, tuple[Any, Any, Any, Any, float]] = {}
        self._counts: dict[str, Any] = {}
        self._bleu_refs: dict[str, Any] = {}

    def tokenize(self, sentences: Sequence[str]) -> list[str]:
        """One tokenizer call over ``sentences``, in order. PTB's tokens of a sentence can
        depend on the line after it (a closing initial, as in "a capital T.", keeps its period
        when a lowercase line follows), so callers that must equal a reference script batch
        their sentences as it does (``tokenize_batches``)."""
        if not sentences:
            return []
        # The tokenizer only turns "\n" into a space; other line breaks split a sentence in the
        # Java process and shift every later sentence's tokens (the reference scores then depend
        # on the hash seed). As spaces they score as the sentence was meant.
        return ptb_tokenize([s.translate(_LINE_BREAKS) for s in sentences])

    def tokenize_batches(self, batches: Sequence[Sequence[str]]) -> list[list[str]]:
        """``tokenize`` of each batch, the calls run side by side (each is a Java process).
        Equal tokens are one string object: the batches repeat most sentences (every threshold
        pairs a video's predictions again), and a dense run holds them all at once."""
        workers = max(1, min(len(batches), available_cores(), 4))
        one: dict[str, str] = {}
        with ThreadPoolExecutor(workers) as pool:
            return [[one.setdefault(tokens, tokens) for tokens in batch]
                    for batch in pool.map(self.tokenize, batches)]  # fmt: skip

    def close(self) -> None:
        """End the METEOR processes and close their pipes."""
        self.meteor.close()

    def _pair_parts(self, pair: Pair) -> tuple[Any, Any, Any, Any, float]:
        parts = self._parts.get(pair)
        if parts is None:
            prediction, reference = pair
            predicted, referenced = self._ngrams(prediction), self._ngrams(reference)
            bleu_refs = self._bleu_refs.get(reference)
            if bleu_refs is None:  # depends on the reference alone; read, never changed
                bleu_refs = self._bleu_refs[reference] = cook_reference(*referenced)
            parts = (
                bleu_refs,
                cook_test(*predicted, bleu_refs),
                [referenced[1]],
                predicted[1],
                rouge_l(prediction, reference),
            )
            self._parts[pair] = parts
        return parts

    def _ngrams(self, sentence: str) -> tuple[int, Any]:
        # (words, precook(sentence, 4)): BLEU's and CIDEr's counts of a sentence are the same,
        # one object per sentence, so text/cider.py turns each into a vector once per group.
        counts = self._counts.get(sentence)
        if counts is None:
            counts = self._counts[sentence] = (
                len(sentence.split()),
                self._cider.precook(sentence, 4),
            )
        return counts

    def group_scores(self, groups: Sequence[Sequence[Pair]]) -> list[dict[str, float]]:
        """Each group's BLEU-1..4, METEOR, ROUGE-L and CIDEr-D, as ``compute_score`` of each
        scorer on that group alone (an empty group scores nothing: ``{}``). Equal groups
        (densevid's thresholds often pair a video the same way) are scored once."""
        distinct = list(dict.fromkeys(tuple(group) for group in groups if group))
        line_of = {pair: (pair[0], (pair[1],)) for group in distinct for pair in group}
        lines = [[line_of[pair] for pair in group] for group in distinct]  # a line per pair
        del line_of
        self.meteor.prefetch(line for group in lines for line in group)
        meteor: list[float] = []
        # The jars align and score in the background while BLEU/ROUGE/CIDEr run here.
        self.meteor.later(lambda: meteor.extend(
            self.meteor.corpus_scores([self.meteor.stats(group) for group in lines])))  # fmt: skip
        scored = []
        for k, group in enumerate(distinct):
            if k % _GROUPS_CACHED == 0:
                self._forget()
            scored.append(self._python_scores(group))
        self.meteor.wait()  # for the background scores
        for scores, corpus in zip(scored, meteor, strict=True):
            scores["METEOR"] = float(corpus)
        by_group = dict(zip(distinct, scored, strict=True))
        self._forget()
        return [{name: by_group[tuple(g)][name] for name in LANGUAGE} if g else {} for g in groups]

    def _forget(self) -> None:
        """Drop the n-gram tables: every pair's are hundreds of MB on a large run, while the
        groups that share a pair (one video's thresholds) come one after another, so a table
        kept for the last ``_GROUPS_CACHED`` groups is found nearly every time it is asked."""
        for cache in (self._parts, self._counts, self._bleu_refs):
            cache.clear()

    def _python_scores(self, group: Sequence[Pair]) -> dict[str, float]:
        parts = [self._pair_parts(pair) for pair in group]
        bleu = self._bleu.BleuScorer(n=4)
        bleu.crefs, bleu.ctest = [p[0] for p in parts], [p[1] for p in parts]
        bleus, _ = bleu.compute_score(option="closest", verbose=0)
        cider_score = cider_d([p[3] for p in parts], [p[2] for p in parts])
        scores = {name: float(v) for name, v in zip(LANGUAGE[:4], bleus, strict=True)}
        scores["ROUGE_L"] = float(np.mean(np.array([p[4] for p in parts])))
        scores["CIDEr"] = float(cider_score)
        return scores
