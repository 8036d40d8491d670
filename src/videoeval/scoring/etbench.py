"""``videoeval score etbench -p predictions.json``: E.T. Bench DVC and SLC (see metrics/etbench.py).

The prediction file is E.T. Bench's annotation list with each sample's answer in ``a``; the
annotation file, when given, is not needed (the list carries the GT)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from videoeval.benchmarks.etbench import TASKS, read_etbench, sample_id_of
from videoeval.metrics.dense import Caption, detection, pairs_at
from videoeval.metrics.etbench import parse_answer
from videoeval.protocols.configs import EtbenchConfig
from videoeval.schema import EtbenchRow
from videoeval.scoring.base import ScoreContext, Scored

Groups = dict[tuple[str, str], list[dict[str, Any]]]


def sample_rows(
    samples: list[dict[str, Any]], thresholds: Sequence[float] = EtbenchConfig().thresholds
) -> list[EtbenchRow]:
    """One row per sample: its parsed events beside the GT, P and R averaged over the
    thresholds (unscaled), and whether the answer could be read."""
    rows = []
    for position, sample in enumerate(samples):
        answer = str(sample.get("a") or "")
        parsed = parse_answer(answer)
        spans, texts = sample.get("tgt") or [], sample.get("g") or []
        gt = [Caption(float(s), float(e), str(c)) for (s, e), c in zip(spans, texts, strict=False)]
        events = [] if parsed is None else [Caption(t[0], t[1], c)
                                            for t, c in zip(*parsed, strict=True)]  # fmt: skip
        figures: dict[str, float] = {}
        if parsed is not None and gt:
            pr = [detection(events, [gt], t) for t in thresholds]
            figures["precision"] = sum(p for p, _ in pr) / len(pr)
            figures["recall"] = sum(r for _, r in pr) / len(pr)
        rows.append(EtbenchRow(
            sample_id_of(sample, position), str(sample.get("video")), sample.get("task"),
            f"{sample.get('task')}/{sample.get('source')}", answer,
            [[c.start, c.end, c.sentence, 0] for c in gt],
            "ok" if parsed is not None else "parse_error",
            [[c.start, c.end, c.sentence] for c in events], figures,
        ))  # fmt: skip
    return rows


@dataclass
class GroupScore:
    """One (task, source) group: the reference's figures, and each sample's share of them
    (what the bootstrap resamples)."""

    figures: dict[str, float]
    kept: np.ndarray
    """1 for the sample whose answer stands for its video (the last readable one), else 0."""
    precision: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    """(samples, thresholds): the video's P at each threshold on its kept sample, else 0."""
    recall: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    sim: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))


def score_group(
    samples: list[dict[str, Any]],
    encoder: Any,
    tokenize: Any,
    seed: int,
    thresholds: Sequence[float] = EtbenchConfig().thresholds,
) -> dict[str, float]:
    return group_score(samples, encoder, tokenize, seed, thresholds).figures


def group_score(
    samples: list[dict[str, Any]],
    encoder: Any,
    tokenize: Any,
    seed: int,
    thresholds: Sequence[float],
) -> GroupScore:
    gts: dict[str, list[Caption]] = {}
    preds: dict[str, list[Caption]] = {}
    kept_at: dict[str, int] = {}
    failed = 0
    for i, sample in enumerate(samples):
        parsed = parse_answer(str(sample.get("a") or ""))
        if parsed is None:
            failed += 1
            continue
        times, captions = parsed
        video = str(sample["video"])  # a later sample of the same video overwrites, as the script
        gts[video] = [Caption(float(s), float(e), str(c))
                      for (s, e), c in zip(sample["tgt"], sample["g"], strict=False)]  # fmt: skip
        preds[video] = [Caption(t[0], t[1], c) for t, c in zip(times, captions, strict=True)][:1000]
        kept_at[video] = i
    n, k = len(samples), len(thresholds)
    out: dict[str, float] = {"total": float(n), "failed": float(failed)}
    group = GroupScore(out, np.zeros(n), np.zeros((n, k)), np.zeros((n, k)), np.zeros((n, k)))
    if not preds:
        out.update(F1=0.0, Sim=0.0)
        return group
    for i in kept_at.values():
        group.kept[i] = 1.0
    scale = len(preds) / len(samples)
    f1s: list[float] = []
    rng = random.Random(seed)
    pairs: dict[float, dict[str, list[tuple[str, str]]]] = {}
    for j, t in enumerate(thresholds):
        pr = [detection(preds[v], [gts[v]], t) for v in gts]
        for v, (vp, vr) in zip(gts, pr, strict=True):
            group.precision[kept_at[v], j], group.recall[kept_at[v], j] = vp, vr
        p = scale * sum(x[0] for x in pr) / len(pr)
        r = scale * sum(x[1] for x in pr) / len(pr)
        f1 = 0.0 if p + r == 0 else 2 * p * r / (p + r)
        out[f"F1@{t:g}"] = f1
        f1s.append(f1)
        pairs[t] = {v: pairs_at(preds[v], [gts[v]], t, "densevid-2019", rng) for v in gts}
    # One tokenizer call for the group: each call starts a Java process.
    every_pair = (
        pair for by_video in pairs.values() for video in by_video.values() for pair in video
    )
    sentences = list(dict.fromkeys(x for pair in every_pair for x in pair))
    tokens = dict(zip(sentences, tokenize(sentences), strict=True)) if sentences else {}
    # GT captions recur at every threshold: each distinct sentence is embedded once.
    distinct = list(dict.fromkeys(tokens.values()))
    embedding = dict(zip(distinct, encoder.encode(distinct), strict=True)) if distinct else {}
    sims = []
    for j, t in enumerate(thresholds):
        video_sims = []
        for v in gts:
            if not pairs[t][v]:
                video_sims.append(0.0)
                continue
            left = np.stack([embedding[tokens[p]] for p, _ in pairs[t][v]])
            right = np.stack([embedding[tokens[g]] for _, g in pairs[t][v]])
            video_sims.append(float(np.mean(np.sum(left * right, axis=1))))
            group.sim[kept_at[v], j] = video_sims[-1]
        sims.append(sum(video_sims) / len(video_sims))
    out["F1"] = sum(f1s) / len(f1s)
    out["Sim"] = sum(sims) / len(sims)
    out["scale"] = scale
    return group


class SourceResampled:
    """E.T. Bench's intervals (ours: the reference reports none): samples resampled within
    each (task, source) group, each replicate's group F1 and Sim computed as the reference
    computes them (P and R scaled by the readable share, Sim over the kept videos), then
    averaged over the task's sources."""

    def __init__(self, groups: dict[tuple[str, str], GroupScore]) -> None:
        self.groups = groups

    def __call__(self, resamples: int, seed: int) -> dict[str, tuple[float, float]]:
        if resamples <= 0:
            return {}
        rng = np.random.default_rng(seed)
        draws: dict[str, list[np.ndarray]] = {}
        for (task, _), group in sorted(self.groups.items()):
            n = len(group.kept)
            index = rng.integers(0, n, size=(resamples, n))
            kept = group.kept[index].sum(axis=1)
            p = group.precision[index].sum(axis=1) / n  # = readable share x mean over kept
            r = group.recall[index].sum(axis=1) / n
            total = p + r
            f1 = np.divide(2 * p * r, total, out=np.zeros_like(total), where=total > 0)
            sim = np.divide(group.sim[index].sum(axis=1), kept[:, None],
                            out=np.zeros_like(p), where=kept[:, None] > 0)  # fmt: skip
            draws.setdefault(f"{task.upper()}_F1", []).append(f1.mean(axis=1))
            draws.setdefault(f"{task.upper()}_Sim", []).append(sim.mean(axis=1))
        out = {}
        for name, per_source in draws.items():
            values = 100 * np.mean(per_source, axis=0)
            low, high = np.quantile(values, [0.025, 0.975])
            out[name] = (float(low), float(high))
        return out


async def score(ctx: ScoreContext[EtbenchConfig]) -> Scored:
    """The answer list (answers in ``a``); from a run, the annotation list with the run's
    answers written into ``a`` (a failed call leaves it empty: Failed, as an unreadable
    answer)."""
    if ctx.run is None:
        assert ctx.predictions is not None
        skipped: list[str] = []
        groups = read_etbench(ctx.predictions, skipped)
        scored = await asyncio.to_thread(
            etbench_scored, groups, ctx.predictions.name, ctx.config, ctx.scoring.seed
        )
        if skipped:
            scored.warnings.append(f"{len(skipped)} samples could not be scored and were left out")
            scored.warnings.extend(skipped[:20])
        return scored
    answers = {row["sample_id"]: row for row in ctx.run.responses}
    by_group: Groups = {}
    for sample in ctx.samples:
        row = answers.get(sample.sample_id, {})
        answer = row.get("answer", "") if row.get("status") == "ok" else ""
        raw = {**sample.raw, "a": answer}
        by_group.setdefault((str(raw["task"]), str(raw.get("source"))), []).append(raw)
    scored = await asyncio.to_thread(
        etbench_scored, dict(sorted(by_group.items())), "responses.jsonl", ctx.config,
        ctx.scoring.seed,
    )  # fmt: skip
    scored.layout = "videoeval-run"
    return scored


def etbench_scored(groups: Groups, name: str, config: EtbenchConfig, seed: int = 0) -> Scored:
    from videoeval.metrics.sentence_encoder import MiniLMEncoder
    from videoeval.text.language import LanguageScorers

    encoder = MiniLMEncoder()
    scorers = LanguageScorers()
    scores: dict[tuple[str, str], GroupScore] = {}
    try:
        for key, samples in sorted(groups.items()):
            scores[key] = group_score(samples, encoder, scorers.tokenize, seed, config.thresholds)
    finally:
        scorers.close()
    rows: list[dict[str, Any]] = [{"task": task, "source": source, **group.figures}
                                  for (task, source), group in scores.items()]  # fmt: skip
    samples_out = [row for _, group in sorted(groups.items())
                   for row in sample_rows(group, config.thresholds)]  # fmt: skip
    metrics: dict[str, float] = {}
    for task in TASKS:
        mine = [r for r in rows if r["task"] == task]
        if mine:
            # The reference rounds each source to 5 decimals before the task mean.
            metrics[f"{task.upper()}_F1"] = 100 * sum(round(r["F1"], 5) for r in mine) / len(mine)
            metrics[f"{task.upper()}_Sim"] = 100 * sum(round(r["Sim"], 5) for r in mine) / len(mine)
    failed = int(sum(r["failed"] for r in rows))
    total = int(sum(r["total"] for r in rows))
    return Scored(
        rows=samples_out,
        metrics=metrics,
        n_total=total,
        n_scored=total - failed,
        n_counted=total,
        failure_rule=(
            "answers without a readable time are Failed: out of P/R/Sim, and F1 is scaled by "
            "the parsed share (the reference's rule)"
        ),
        intervals=SourceResampled(scores),
        inputs={"predictions": name, "junk_seed": seed},
        by_category={
            f"{r['task']}/{r['source']}": {k: v for k, v in r.items() if isinstance(v, float)}
            for r in rows
        },
        layout="etbench-answers",
    )
