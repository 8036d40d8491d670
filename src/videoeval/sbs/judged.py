"""Our video-aware judge on the study's own pairs, so its verdicts can be checked against the
people's: the two-sided judge (``judges/video_judge.py``) sees the clip's frames and scores both
descriptions; its preference per criterion is compared with the annotators' majority. Asked
through the cached judge path: running the results again asks nothing again."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

from videoeval.judges.video_judge import Verdict
from videoeval.options import JudgeOptions
from videoeval.sbs.results import Judgement, cohen_kappa

# how a criterion of the study reads a two-sided verdict (higher is better)
READINGS = {
    "accuracy": lambda side, errors: side.factual,
    "completeness": lambda side, errors: side.completeness,
    "hallucination": lambda side, errors: -len(errors),
    "overall": lambda side, errors: side.factual + side.completeness + side.temporal,
}


def preference(verdict: Verdict, criterion: str) -> str:
    """``a`` (the reference side), ``b`` (the candidate side) or ``tie``."""
    assert verdict.candidate is not None
    read = READINGS[criterion]
    a = read(verdict.gt, verdict.errors_gt)
    b = read(verdict.candidate, verdict.errors_candidate)
    return "tie" if a == b else ("a" if a > b else "b")


async def judge_items(db: sqlite3.Connection, options: JudgeOptions, nframes: int = 16,
                      seed: int = 0) -> tuple[dict[int, Verdict], dict[str, Any]]:  # fmt: skip
    """One two-sided verdict per compared item with a clip (gold items apart): the item's
    description a as the reference, b as the candidate, in a seeded order per item so that a
    judge's taste for the first text does not lean one way."""
    from videoeval.judges.audit import Auditor
    from videoeval.judges.video_judge import load_video_prompt, swapped_two_sided_prompt
    from videoeval.models.base import GenerationSettings
    from videoeval.models.factory import cache_root
    from videoeval.options import as_path
    from videoeval.sbs.store import meta
    from videoeval.schema import CaptionSample
    from videoeval.scoring.caption_judging import judge_client
    from videoeval.video.frames import FrameCache
    from videoeval.video.provider import FrameProtocol
    from videoeval.video.resize import PixelBudget
    from videoeval.video.sampling import SamplingSpec

    root = Path(meta(db)["videos"])
    rows = list(db.execute("SELECT * FROM items WHERE gold_better IS NULL AND media IS NOT NULL"))
    samples, candidates, ids = [], {}, {}
    for r in rows:
        video = Path(r["media"]).resolve().relative_to(root.resolve()).as_posix()
        samples.append(CaptionSample(r["key"], video, r["category"], r["text_a"]))
        candidates[r["key"]], ids[r["key"]] = r["text_b"], int(r["id"])
    prompt, source, sha = load_video_prompt("two-sided")
    spec = SamplingSpec.model_validate({"kind": "uniform", "nframes": nframes})
    frames = FrameProtocol(spec=spec, budget=PixelBudget(max_pixels=448 * 448))
    client = judge_client(replace(options, timeout=300.0),
                          GenerationSettings(temperature=0.0, max_tokens=2048))  # fmt: skip
    auditor = Auditor(client, prompt, "two-sided", root, frames,
                      FrameCache(cache_root(as_path(options.cache)) / "frames"), runs=1,
                      candidates=candidates, seed=seed,
                      swapped_prompt=swapped_two_sided_prompt())  # fmt: skip
    try:
        audited = await auditor.audit_all(samples)
    finally:
        await client.model.aclose()
    verdicts = {ids[a.sample.sample_id]: a.verdicts[0] for a in audited if a.verdicts}
    info = {**client.model.identity(), "prompt_sha256": sha, "prompt_source": source,
            "frames": spec.describe(), "calls": client.stats.calls, "cached": client.stats.cached,
            "items": len(samples), "judged": len(verdicts),
            "failed": len(samples) - len(verdicts)}  # fmt: skip
    return verdicts, info


def human_judge_agreement(judged: list[Judgement], verdicts: dict[int, Verdict],
                          criteria: list[str]) -> dict[str, Any]:  # fmt: skip
    """Per criterion: on each item, the people's majority (a, b or tie; an even split is a
    tie) against the judge's preference; percent agreement and Cohen's kappa."""
    from collections import Counter, defaultdict

    by_item: dict[int, list[Judgement]] = defaultdict(list)
    for j in judged:
        if j.gold_better is None and j.item in verdicts:
            by_item[j.item].append(j)
    out: dict[str, Any] = {"items": len(by_item)}
    for criterion in criteria:
        people, judge = [], []
        for item, members in sorted(by_item.items()):
            votes = Counter(j.outcome(criterion) for j in members).most_common()
            top = votes[0][0] if len(votes) == 1 or votes[0][1] > votes[1][1] else "tie"
            people.append(top)
            judge.append(preference(verdicts[item], criterion))
        agree = sum(p == q for p, q in zip(people, judge, strict=True))
        out[criterion] = {"agreement": 100.0 * agree / len(people) if people else None,
                          "cohen_kappa": cohen_kappa(people, judge)}  # fmt: skip
    return out
