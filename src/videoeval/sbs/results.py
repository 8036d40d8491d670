"""What a study found: per pair of systems and criterion, wins / ties / losses and the advantage
rate (win - loss) with a bootstrap interval over items, per category; agreement between
annotators on the items several judged (Cohen's kappa per pair of annotators, Fleiss' kappa);
each annotator's accuracy on gold items; whether the left side wins more than the right."""

from __future__ import annotations

import itertools
import json
import math
import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np

OUTCOMES = ("a", "tie", "b")


@dataclass(frozen=True)
class Judgement:
    annotator: str
    item: int
    key: str
    category: str
    system_a: str | None
    system_b: str | None
    gold_better: str | None
    left_side: str
    choices: dict[str, str]
    """Criterion -> ``left`` / ``tie`` / ``right`` as the annotator saw the page."""

    def outcome(self, criterion: str) -> str:
        """The choice as a side of the item: ``a``, ``b`` or ``tie``."""
        said = self.choices[criterion]
        if said == "tie":
            return "tie"
        right_side = "b" if self.left_side == "a" else "a"
        return self.left_side if said == "left" else right_side


def read_judgements(db: sqlite3.Connection) -> list[Judgement]:
    rows = db.execute(
        """SELECT n.name, i.id, i.key, i.category, sa.label AS la, sb.label AS lb,
                  i.gold_better, j.left_side, j.choices
           FROM judgements j JOIN items i ON i.id = j.item JOIN annotators n ON n.id = j.annotator
           LEFT JOIN systems sa ON sa.id = i.system_a LEFT JOIN systems sb ON sb.id = i.system_b
           ORDER BY i.id, n.name""")  # fmt: skip
    return [Judgement(r["name"], r["id"], r["key"], r["category"], r["la"], r["lb"],
                      r["gold_better"], r["left_side"], json.loads(r["choices"]))
            for r in rows]  # fmt: skip


def _item_scores(judged: list[Judgement], criterion: str, first: str) -> dict[int, float]:
    """Each item's mean score for ``first`` (+1 a win, 0 a tie, -1 a loss) over its judges."""
    scores: dict[int, list[float]] = defaultdict(list)
    for j in judged:
        outcome = j.outcome(criterion)
        winner = {"a": j.system_a, "b": j.system_b}.get(outcome)
        scores[j.item].append(0.0 if outcome == "tie" else (1.0 if winner == first else -1.0))
    return {item: float(np.mean(v)) for item, v in scores.items()}


def _advantage(judged: list[Judgement], criterion: str, first: str, resamples: int,
               seed: int) -> dict[str, Any]:  # fmt: skip
    counts: Counter[str] = Counter()
    for j in judged:
        outcome = j.outcome(criterion)
        winner = {"a": j.system_a, "b": j.system_b}.get(outcome)
        counts["tie" if outcome == "tie" else ("win" if winner == first else "loss")] += 1
    scores = np.asarray(list(_item_scores(judged, criterion, first).values()))
    n = sum(counts.values())
    advantage = 100.0 * float(scores.mean()) if len(scores) else None
    out: dict[str, Any] = {
        "win": counts["win"],
        "tie": counts["tie"],
        "loss": counts["loss"],
        "judgements": n,
        "items": len(scores),
        "advantage": advantage,
    }
    if len(scores) >= 2 and resamples > 0:
        rng = np.random.default_rng(seed)
        means = np.empty(resamples)
        for start in range(0, resamples, 256):
            stop = min(resamples, start + 256)
            picks = rng.integers(0, len(scores), size=(stop - start, len(scores)))
            means[start:stop] = scores[picks].mean(axis=1)
        low, high = np.quantile(100.0 * means, [0.025, 0.975])
        out["ci95"] = [float(low), float(high)]
    return out


def system_pairs(judged: list[Judgement]) -> list[tuple[str, str]]:
    pairs = {(j.system_a, j.system_b) for j in judged if j.system_a and j.system_b}
    return sorted((a, b) for a, b in pairs if a is not None and b is not None)


def comparisons(judged: list[Judgement], criteria: list[str], resamples: int = 2000,
                seed: int = 0) -> list[dict[str, Any]]:  # fmt: skip
    """Per pair of systems (the first named is the one whose advantage is given) and criterion:
    overall and per category."""
    real = [j for j in judged if j.gold_better is None]
    out = []
    for a, b in system_pairs(real):
        mine = [j for j in real if (j.system_a, j.system_b) == (a, b)]
        entry: dict[str, Any] = {"system": a, "versus": b, "criteria": {}}
        for criterion in criteria:
            figures = _advantage(mine, criterion, a, resamples, seed)
            categories = sorted({j.category for j in mine})
            figures["by_category"] = {
                c: _advantage([j for j in mine if j.category == c], criterion, a, resamples, seed)
                for c in categories
            }
            entry["criteria"][criterion] = figures
        out.append(entry)
    return out


def cohen_kappa(x: list[str], y: list[str]) -> float | None:
    """Cohen's kappa of two raters' labels on the same items (``None``: no variation)."""
    n = len(x)
    if n == 0:
        return None
    observed = sum(p == q for p, q in zip(x, y, strict=True)) / n
    cx, cy = Counter(x), Counter(y)
    expected = sum(cx[k] * cy[k] for k in set(cx) | set(cy)) / (n * n)
    return None if expected >= 1.0 else (observed - expected) / (1.0 - expected)


def fleiss_kappa(table: list[Counter[str]]) -> float | None:
    """Fleiss' kappa over items that each have the same number of ratings (``table``: per item,
    the count of each outcome)."""
    if not table:
        return None
    m = sum(table[0].values())
    if m < 2 or any(sum(t.values()) != m for t in table):
        return None
    n = len(table)
    p_item = [(sum(v * v for v in t.values()) - m) / (m * (m - 1)) for t in table]
    totals: Counter[str] = Counter()
    for t in table:
        totals.update(t)
    p_cat = [v / (n * m) for v in totals.values()]
    p_bar, p_e = sum(p_item) / n, sum(p * p for p in p_cat)
    return None if p_e >= 1.0 else (p_bar - p_e) / (1.0 - p_e)


def agreement(judged: list[Judgement], criteria: list[str]) -> dict[str, Any]:
    """On items judged by two or more annotators: Cohen's kappa of each pair of annotators
    (and their mean), Fleiss' kappa over the items with the most common number of judges, and
    plain agreement."""
    real = [j for j in judged if j.gold_better is None]
    by_item: dict[int, dict[str, Judgement]] = defaultdict(dict)
    for j in real:
        by_item[j.item][j.annotator] = j
    shared = {i: v for i, v in by_item.items() if len(v) >= 2}
    out: dict[str, Any] = {"items_with_overlap": len(shared)}
    if not shared:
        return out
    names = sorted({a for v in shared.values() for a in v})
    sizes = Counter(len(v) for v in shared.values())
    m = sizes.most_common(1)[0][0]
    for criterion in criteria:
        pairs = {}
        for p, q in itertools.combinations(names, 2):
            common = [v for v in shared.values() if p in v and q in v]
            if common:
                kappa = cohen_kappa([v[p].outcome(criterion) for v in common],
                                    [v[q].outcome(criterion) for v in common])  # fmt: skip
                pairs[f"{p} / {q}"] = {"items": len(common), "cohen_kappa": kappa}
        table = [Counter(j.outcome(criterion) for j in v.values())
                 for v in shared.values() if len(v) == m]  # fmt: skip
        agree = [len({j.outcome(criterion) for j in v.values()}) == 1 for v in shared.values()]
        kappas = [p["cohen_kappa"] for p in pairs.values() if p["cohen_kappa"] is not None]
        out[criterion] = {
            "pairs": pairs,
            "mean_cohen_kappa": float(np.mean(kappas)) if kappas else None,
            "fleiss_kappa": fleiss_kappa(table), "fleiss_items": len(table), "raters": m,
            "all_agree": 100.0 * sum(agree) / len(agree),
        }  # fmt: skip
    return out


def gold_accuracy(judged: list[Judgement], criterion: str) -> dict[str, dict[str, float]]:
    """Per annotator: the share of gold items where ``criterion`` picked the better side (a tie
    is wrong)."""
    per: dict[str, list[bool]] = defaultdict(list)
    for j in judged:
        if j.gold_better is not None:
            per[j.annotator].append(j.outcome(criterion) == j.gold_better)
    return {a: {"gold_items": float(len(v)), "accuracy": 100.0 * sum(v) / len(v)}
            for a, v in sorted(per.items())}  # fmt: skip


def _binomial_two_sided(k: int, n: int) -> float:
    """Exact two-sided binomial p-value of ``k`` of ``n`` at p = 0.5."""
    if n == 0:
        return 1.0
    probs = [math.comb(n, i) / 2**n for i in range(n + 1)]
    return float(min(1.0, sum(p for p in probs if p <= probs[k] * (1 + 1e-9))))


def position_bias(judged: list[Judgement], criterion: str) -> dict[str, Any]:
    """How often the left description wins against the right one (ties apart), over every
    judgement gold included: a fair study has p well above 0.05."""
    said = Counter(j.choices[criterion] for j in judged)
    decided = said["left"] + said["right"]
    return {"left": said["left"], "right": said["right"], "tie": said["tie"],
            "left_share": 100.0 * said["left"] / decided if decided else None,
            "p_value": _binomial_two_sided(said["left"], decided)}  # fmt: skip


def study_results(db: sqlite3.Connection, resamples: int = 2000, seed: int = 0
                  ) -> dict[str, Any]:  # fmt: skip
    from videoeval.sbs.store import meta

    info = meta(db)
    criteria = list(info["criteria"])
    judged = read_judgements(db)
    items = db.execute("SELECT COUNT(*) FROM items").fetchone()[0]
    systems = {r["label"]: json.loads(r["metrics"])
               for r in db.execute("SELECT label, metrics FROM systems")}  # fmt: skip
    per_annotator = Counter(j.annotator for j in judged)
    return {
        "study": info["name"], "benchmark": info["benchmark"], "criteria": criteria,
        "overlap": info["overlap"], "items": items, "judgements": len(judged),
        "annotators": dict(sorted(per_annotator.items())), "systems": systems,
        "comparisons": comparisons(judged, criteria, resamples, seed),
        "agreement": agreement(judged, criteria),
        "gold": gold_accuracy(judged, criteria[0]),
        "position_bias": position_bias(judged, criteria[0]),
        "bootstrap": {"resamples": resamples, "seed": seed, "unit": "item"},
    }  # fmt: skip
