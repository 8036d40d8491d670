"""EventSim: an offline stand-in for AutoDQ, for people without a judge. Not AutoDQ.

The prediction is split into sentences (at . ! ? ; and at ", then" / "and then"); a GT event is
recalled when some predicted sentence has cosine similarity >= the protocol's threshold
(``EventSimConfig``, 0.6) with it under
all-MiniLM-L6-v2 embeddings, and a predicted sentence is precise when some GT event reaches the
threshold with it. Empty lists score 1.0 and clips aggregate per category as AutoDQ does, so
the numbers are comparable in shape but not in value. The threshold is a heuristic: paraphrases
of one action land above it, different actions of the same subject mostly below.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from videoeval.metrics.autodq import ClipScore
from videoeval.metrics.sentence_encoder import MiniLMEncoder
from videoeval.schema import CaptionSample

# "(?<!\s)": a run of spaces is tried from its first space only (the leftmost match is there
# when there is one): linear time on long runs of spaces, the same splits.
_SPLIT = re.compile(r"[.!?;]+|,\s*(?:and\s+)?then\s+|(?<!\s)\s+and\s+then\s+", re.IGNORECASE)


def split_events(text: str) -> list[str]:
    return [part.strip(" ,") for part in _SPLIT.split(text) if part.strip(" ,")]


def event_similarity_scores(
    samples: Sequence[CaptionSample],
    predictions: dict[str, str],
    encoder: MiniLMEncoder,
    threshold: float,
) -> list[ClipScore]:
    """One score per sample; ``None`` recall/precision for clips without a prediction."""
    sentences: list[str] = []
    spans: dict[str, tuple[int, int, int, int]] = {}
    for sample in samples:
        text = predictions.get(sample.sample_id)
        if text is None:
            continue
        gt = list(sample.events) if sample.events is not None else split_events(sample.reference)
        pred = split_events(text)
        start = len(sentences)
        sentences.extend(gt)
        sentences.extend(pred)
        spans[sample.sample_id] = (
            start,
            start + len(gt),
            start + len(gt),
            start + len(gt) + len(pred),
        )
    # Each distinct sentence is encoded once: GT events recur (a preference pair's two
    # descriptions share theirs) and models repeat themselves.
    distinct = list(dict.fromkeys(sentences))
    where = {sentence: k for k, sentence in enumerate(distinct)}
    encoded = encoder.encode(distinct) if distinct else np.zeros((0, 384), dtype=np.float32)
    vectors = encoded[[where[s] for s in sentences]] if sentences else encoded
    scores = []
    for sample in samples:
        if sample.sample_id not in spans:
            scores.append(ClipScore(sample.sample_id, sample.category, None, None))
            continue
        g0, g1, p0, p1 = spans[sample.sample_id]
        gt_vectors, pred_vectors = vectors[g0:g1], vectors[p0:p1]
        if len(gt_vectors) and len(pred_vectors):
            sim = gt_vectors @ pred_vectors.T
            recall = float((sim.max(axis=1) >= threshold).mean())
            precision = float((sim.max(axis=0) >= threshold).mean())
        else:
            recall = 1.0 if not len(gt_vectors) else 0.0
            precision = 1.0 if not len(pred_vectors) else 0.0
        scores.append(ClipScore(sample.sample_id, sample.category, recall, precision))
    return scores
