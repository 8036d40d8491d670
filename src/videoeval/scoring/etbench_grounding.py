"""E.T. Bench's grounding tasks (TVG, EPM, TAL, EVS, VHD) scored as its
``evaluation/compute_metrics.py`` scores them: per (task, source) group, each group's figures
rounded to 5 decimals, a task the mean of its sources, and "F1 (gnd)" the mean of the five."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

import numpy as np

from videoeval.benchmarks.base import strip_video_suffix
from videoeval.benchmarks.etbench import EtbenchSample, grounding_gt, load_grounding
from videoeval.errors import NothingToScoreError
from videoeval.metrics.etbench_grounding import (
    TaskMeanIntervals,
    evs_f1,
    tal_f1,
    tvg_hits,
    vhd_hit,
)
from videoeval.parsing.etbench_times import UnreadableNumber, etbench_spans, vhd_time
from videoeval.protocols.configs import EtbenchGroundingConfig
from videoeval.schema import LocalizationRow
from videoeval.scoring.base import ScoreContext, Scored

ORDER = ("tvg", "epm", "tal", "evs", "vhd")


def _read(task: str, answer: str) -> tuple[Any, str | None]:
    """What the reference reads from the answer, or a reason it read nothing."""
    try:
        read = vhd_time(answer) if task == "vhd" else etbench_spans(answer)
    except UnreadableNumber as exc:
        return None, str(exc)
    return read, None if read is not None else "no time the reference reads"


Group = tuple[dict[str, float], list[LocalizationRow], list[float]]


def _group(task: str, items: list[tuple[dict[str, Any], str]], config: EtbenchGroundingConfig,
           ids: list[str]) -> Group:  # fmt: skip
    """One (task, source) group: the reference's figures (fractions), a row per sample, and
    each counted sample's share of the group's F1 (its mean is the F1)."""
    thresholds, n = config.thresholds, len(items)
    hits, sums, ious, evs, rows = [0.0] * len(thresholds), [0.0] * len(thresholds), 0.0, [], []
    failed, shares = 0, []
    for (raw, answer), sample_id in zip(items, ids, strict=True):
        read, problem = _read(task, answer)
        video = strip_video_suffix(str(raw.get("video")))
        if read is None:
            failed += 1
            if task != "evs":  # EVS's mean is over the parsed samples only
                shares.append(0.0)
            rows.append(LocalizationRow(sample_id, video, task, str(raw.get("source")), answer,
                                        None, 0.0 if task != "evs" else None, "parse_error",
                                        problem))  # fmt: skip
            continue
        gt = grounding_gt(raw)
        if task in ("tvg", "epm"):
            iou, reached = tvg_hits(read, gt, thresholds)
            ious += iou
            hits = [h + r for h, r in zip(hits, reached, strict=True)]
            score = iou
            shares.append(sum(reached) / len(reached))
        elif task == "tal":
            f1s = tal_f1(read, gt, thresholds)
            sums = [s + f for s, f in zip(sums, f1s, strict=True)]
            score = sum(f1s) / len(f1s)
            shares.append(score)
        elif task == "evs":
            score = evs_f1(read, gt, config.evs_bins)
            evs.append(score)
            shares.append(score)
        else:
            score = float(vhd_hit(read, gt))
            hits[0] += score
            shares.append(score)
        rows.append(LocalizationRow(sample_id, video, task, str(raw.get("source")), answer,
                                    read, score, "ok"))  # fmt: skip
    d = config.rounding
    out: dict[str, float] = {"total": float(n), "failed": float(failed)}
    if task in ("tvg", "epm"):
        recall = [h / n for h in hits]
        out |= {f"F1@{t}": round(r, d) for t, r in zip(thresholds, recall, strict=True)}
        out |= {"F1": round(sum(recall) / len(recall), d), "mIoU": round(ious / n, d)}
    elif task == "tal":
        f1 = [s / n for s in sums]
        out |= {f"F1@{t}": round(f, d) for t, f in zip(thresholds, f1, strict=True)}
        out["F1"] = round(sum(f1) / len(f1), d)
    elif task == "evs":  # over the parsed samples only
        out["F1"] = round(sum(evs) / len(evs), d) if evs else 0.0
    else:
        out["F1"] = round(hits[0] / n, d)
    return out, rows, shares


def grounding_scored(groups: dict[tuple[str, str], list[tuple[dict[str, Any], str]]],
                     ids: dict[tuple[str, str], list[str]],
                     config: EtbenchGroundingConfig) -> Scored:  # fmt: skip
    d = config.rounding
    by_group: dict[str, dict[str, float]] = {}
    per_task: dict[str, list[float]] = defaultdict(list)
    rows: list[LocalizationRow] = []
    shares: dict[tuple[str, str], np.ndarray] = {}
    for (task, source), items in sorted(groups.items(), key=lambda kv: (ORDER.index(kv[0][0]),
                                                                       kv[0][1])):  # fmt: skip
        figures, group_rows, group_shares = _group(task, items, config, ids[(task, source)])
        shares[(task, source)] = np.asarray(group_shares, dtype=float)
        rows += group_rows
        per_task[task].append(figures["F1"])
        by_group[f"{task}/{source}"] = {k: (100 * v if k not in ("total", "failed") else v)
                                        for k, v in figures.items()}  # fmt: skip
    task_means = {t: round(sum(v) / len(v), d) for t, v in per_task.items()}
    metrics = {t.upper(): 100 * m for t, m in task_means.items()}
    warnings = []
    if len(task_means) == len(ORDER):
        metrics["F1_gnd"] = sum(task_means.values()) * 100 / len(ORDER)
    else:
        missing = [t for t in ORDER if t not in task_means]
        warnings.append(f"no {', '.join(missing)} samples: F1_gnd (the mean of the five tasks) "
                        "is not given")  # fmt: skip
    every = [f for values in per_task.values() for f in values]
    metrics["mean_f1_rows"] = 100 * round(sum(every) / len(every), d)
    return Scored(
        rows=rows, metrics=metrics, n_total=len(rows),
        n_scored=sum(r.status == "ok" for r in rows), n_counted=len(rows),
        failure_rule="an answer with no time the reference reads fails: a miss for TVG, EPM, "
        "TAL and VHD (counted in every denominator), left out for EVS (the mean is over the "
        "parsed samples, as the reference's)",
        warnings=warnings, by_category=by_group,
        intervals=TaskMeanIntervals({k: v for k, v in shares.items() if len(v)}, ORDER),
    )  # fmt: skip


async def score(ctx: ScoreContext[EtbenchGroundingConfig]) -> Scored:
    """The answer list (answers in ``a``), or the annotation list with a run's answers."""
    groups: dict[tuple[str, str], list[tuple[dict[str, Any], str]]] = defaultdict(list)
    ids: dict[tuple[str, str], list[str]] = defaultdict(list)
    skipped: list[str] = []
    if ctx.run is None:  # the answer file is the GT list with each answer in `a`
        assert ctx.predictions is not None
        loaded = load_grounding(ctx.predictions)
        samples, skipped = loaded.samples, loaded.skipped
        layout = "etbench answers"
    else:
        samples = ctx.samples
        layout = "videoeval-run"
    answers = {row["sample_id"]: row for row in ctx.run.responses} if ctx.run else {}
    for sample in samples:
        assert isinstance(sample, EtbenchSample)
        if ctx.run is None:
            answer = str(sample.raw.get("a") or "")
        else:
            row = answers.get(sample.sample_id, {})
            answer = str(row.get("answer") or "") if row.get("status") == "ok" else ""
        key = (str(sample.raw["task"]), str(sample.raw.get("source")))
        groups[key].append((sample.raw, answer))
        ids[key].append(sample.sample_id)
    if not any(answer.strip() for items in groups.values() for _, answer in items):
        raise NothingToScoreError(
            f"nothing to score: none of the {sum(map(len, groups.values()))} grounding samples "
            f"has an answer ({'its `a` field' if ctx.run is None else 'the run asked none'})"
        )  # fmt: skip
    scored = await asyncio.to_thread(grounding_scored, dict(groups), dict(ids), ctx.config)
    scored.layout = layout
    scored.inputs = {"predictions": ctx.source_name, "layout": layout}
    if skipped:
        scored.warnings += [f"{len(skipped)} samples could not be scored and were left out",
                            *skipped[:20]]  # fmt: skip
    return scored
