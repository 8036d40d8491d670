"""``videoeval score etbench -p predictions.json``: E.T. Bench DVC and SLC (see metrics/etbench.py).

The prediction file is E.T. Bench's annotation list with each sample's answer in ``a``; the
annotation file, when given, is not needed (the list carries the GT)."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from videoeval import __version__
from videoeval.benchmarks.base import read_json
from videoeval.benchmarks.etbench import sample_id_of
from videoeval.errors import InputError
from videoeval.metrics.dense import Caption, detection, pairs_at
from videoeval.metrics.etbench import THRESHOLDS, parse_answer
from videoeval.schema import MetricsReport

REFERENCE = "PolyU-ChenLab/ETBench evaluation/compute_metrics.py (dvc_eval, DVCEval)"
TASKS = ("dvc", "slc")


def _problem(sample: dict[str, Any]) -> str | None:
    """Why a dvc / slc sample cannot be scored (the reference would stop on it)."""
    if "video" not in sample:
        return "no video"
    spans, captions = sample.get("tgt"), sample.get("g")
    if not isinstance(spans, list) or not isinstance(captions, list):
        return "no tgt / g lists"
    try:
        for span in spans:
            start, end = (float(v) for v in span)
            if not (math.isfinite(start) and math.isfinite(end)):
                return f"span {span} is not finite"
    except (TypeError, ValueError, OverflowError):
        return f"tgt {str(spans)[:40]} is not a list of [start, end]"
    return None


def read_etbench(
    path: Path, skipped: list[str] | None = None
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """The dvc / slc samples by (task, source); a sample that cannot be scored is left out and
    noted in ``skipped`` instead of stopping the whole score."""
    data = read_json(path)
    if not isinstance(data, list):
        raise InputError(path, "expected E.T. Bench's list of samples")
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for position, sample in enumerate(data):
        if isinstance(sample, dict) and sample.get("task") in TASKS:
            problem = _problem(sample)
            if problem is not None:
                if skipped is not None:
                    skipped.append(f"{path.name}[{position}]: {problem}: left out")
                continue
            groups[(sample["task"], str(sample.get("source")))].append(sample)
    if not groups:
        raise InputError(path, "no dense captioning (dvc) or step localisation (slc) samples")
    return dict(groups)


def sample_rows(samples: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per sample: its parsed events beside the GT, P and R averaged over the
    thresholds (unscaled), and whether the answer could be read."""
    rows = []
    for position, sample in enumerate(samples):
        answer = str(sample.get("a") or "")
        parsed = parse_answer(answer)
        spans, texts = sample.get("tgt") or [], sample.get("g") or []
        gt = [Caption(float(s), float(e), str(c)) for (s, e), c in zip(spans, texts, strict=False)]
        row: dict[str, Any] = {
            "sample_id": sample_id_of(sample, position),
            "video_id": str(sample.get("video")), "task": sample.get("task"),
            "category": f"{sample.get('task')}/{sample.get('source')}", "answer": answer,
            "gt_events": [[c.start, c.end, c.sentence, 0] for c in gt],
            "status": "ok" if parsed is not None else "parse_error",
        }  # fmt: skip
        events = [] if parsed is None else [Caption(t[0], t[1], c)
                                            for t, c in zip(*parsed, strict=True)]  # fmt: skip
        row["predicted_events"] = [[c.start, c.end, c.sentence] for c in events]
        if parsed is not None and gt:
            pr = [detection(events, [gt], t) for t in THRESHOLDS]
            row["precision"] = sum(p for p, _ in pr) / len(pr)
            row["recall"] = sum(r for _, r in pr) / len(pr)
        rows.append(row)
    return rows


def score_group(samples: list[dict[str, Any]], encoder: Any, tokenize: Any, seed: int) -> dict:
    gts: dict[str, list[Caption]] = {}
    preds: dict[str, list[Caption]] = {}
    failed = 0
    for sample in samples:
        parsed = parse_answer(str(sample.get("a") or ""))
        if parsed is None:
            failed += 1
            continue
        times, captions = parsed
        video = str(sample["video"])  # a later sample of the same video overwrites, as the script
        gts[video] = [Caption(float(s), float(e), str(c))
                      for (s, e), c in zip(sample["tgt"], sample["g"], strict=False)]  # fmt: skip
        preds[video] = [Caption(t[0], t[1], c) for t, c in zip(times, captions, strict=True)][:1000]
    out: dict[str, float] = {"total": float(len(samples)), "failed": float(failed)}
    if not preds:
        out.update(F1=0.0, Sim=0.0)
        return out
    scale = len(preds) / len(samples)
    f1s: list[float] = []
    rng = random.Random(seed)
    pairs: dict[float, dict[str, list[tuple[str, str]]]] = {}
    for t in THRESHOLDS:
        pr = [detection(preds[v], [gts[v]], t) for v in gts]
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
    for t in THRESHOLDS:
        video_sims = []
        for v in gts:
            if not pairs[t][v]:
                video_sims.append(0.0)
                continue
            left = np.stack([embedding[tokens[p]] for p, _ in pairs[t][v]])
            right = np.stack([embedding[tokens[g]] for _, g in pairs[t][v]])
            video_sims.append(float(np.mean(np.sum(left * right, axis=1))))
        sims.append(sum(video_sims) / len(video_sims))
    out["F1"] = sum(f1s) / len(f1s)
    out["Sim"] = sum(sims) / len(sims)
    out["scale"] = scale
    return out


def score_etbench(path: Path, seed: int = 0) -> tuple[MetricsReport, list[dict[str, Any]]]:
    """The report (per-source figures in ``by_category``) and one row per sample."""
    skipped: list[str] = []
    report, rows = score_etbench_groups(read_etbench(path, skipped), path.name, seed)
    if skipped:
        report.warnings.append(f"{len(skipped)} samples could not be scored and were left out")
        report.warnings.extend(skipped[:20])
    return report, rows


def score_etbench_groups(
    groups: dict[tuple[str, str], list[dict[str, Any]]], name: str, seed: int = 0
) -> tuple[MetricsReport, list[dict[str, Any]]]:
    from videoeval.metrics.sentence_encoder import MiniLMEncoder
    from videoeval.text.language import LanguageScorers

    encoder = MiniLMEncoder()
    scorers = LanguageScorers()
    try:
        rows = []
        for (task, source), samples in sorted(groups.items()):
            result = score_group(samples, encoder, scorers.tokenize, seed)
            rows.append({"task": task, "source": source, **result})
    finally:
        scorers.close()
    samples_out = [row for _, group in sorted(groups.items()) for row in sample_rows(group)]
    metrics: dict[str, float] = {}
    for task in TASKS:
        mine = [r for r in rows if r["task"] == task]
        if mine:
            # The reference rounds each source to 5 decimals before the task mean.
            metrics[f"{task.upper()}_F1"] = 100 * sum(round(r["F1"], 5) for r in mine) / len(mine)
            metrics[f"{task.upper()}_Sim"] = 100 * sum(round(r["Sim"], 5) for r in mine) / len(mine)
    failed = int(sum(r["failed"] for r in rows))
    total = int(sum(r["total"] for r in rows))
    report = MetricsReport(
        benchmark="etbench",
        task="dense_captioning",
        protocol="etbench",
        protocol_reference=REFERENCE,
        n_total=total,
        n_scored=total - failed,
        n_counted=total,
        metrics=metrics,
        ci95={},
        failures={"parse_error": failed} if failed else {},
        failure_rule=(
            "answers without a readable time are Failed: out of P/R/Sim, and F1 is scaled by "
            "the parsed share (the reference's rule)"
        ),
        inputs={"predictions": name, "junk_seed": seed},
        by_category={
            f"{r['task']}/{r['source']}": {k: v for k, v in r.items() if isinstance(v, float)}
            for r in rows
        },
        videoeval_version=__version__,
    )
    return report, samples_out
