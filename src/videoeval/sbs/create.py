"""Making a study from two or more run folders (or caption answer files) of one captioning
benchmark: a sample stratified by category (seeded), one item per sample and pair of systems,
optional gold items, annotators with link tokens. Tokens are shown once and stored hashed."""

from __future__ import annotations

import itertools
import json
import random
import secrets
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from videoeval.errors import InputError, UsageError
from videoeval.sbs.store import SCHEMA, connect, token_hash, transaction

DEFAULT_CRITERIA = ("overall", "accuracy", "completeness", "hallucination")
INSTRUCTIONS = (
    "Watch the clip, then read the two descriptions. For each criterion, choose the better "
    "description, or a tie when neither is better. Accuracy: is what it says really in the "
    "video? Completeness: does it cover the main people, actions and events? Hallucination: "
    "which one invents less (objects, actions, events that are not there)? Overall: which would "
    "you rather have as the video's description? A short reason helps."
)


@dataclass(frozen=True)
class Source:
    """One system's descriptions: a run folder's answers, or an answer file's."""

    label: str
    path: Path
    texts: dict[str, str]
    metrics: dict[str, Any] = field(default_factory=dict)
    benchmark: str | None = None


def read_source(path: Path, label: str | None) -> Source:
    """A run folder (its responses.jsonl; failed answers left out) or a caption answer file."""
    if path.is_dir():
        from videoeval.engine.run_folder import read_run

        record = read_run(path)
        texts = {str(r["sample_id"]): str(r["answer"]) for r in record.responses
                 if r.get("status") == "ok" and isinstance(r.get("answer"), str)}  # fmt: skip
        metrics: dict[str, Any] = {}
        if (path / "metrics.json").is_file():
            report = json.loads((path / "metrics.json").read_text(encoding="utf-8"))
            metrics = {"protocol": report.get("protocol"), **(report.get("metrics") or {})}
        name = label or str(record.config.get("label") or record.model or path.name)
        return Source(name, path, texts, metrics, record.config.get("benchmark"))
    from videoeval.predictions.captions import read_caption_predictions

    read = read_caption_predictions(path)
    return Source(label or path.stem, path, dict(read.texts))


def _stratified(samples: list[Any], per_category: int | None, limit: int | None,
                seed: int) -> list[Any]:  # fmt: skip
    """``per_category`` samples of each category (all of a smaller one), drawn with ``seed``;
    or ``limit`` drawn from all; or every sample."""
    rng = random.Random(seed)
    if per_category is not None:
        by_category: dict[str, list[Any]] = defaultdict(list)
        for s in samples:
            by_category[s.category].append(s)
        chosen = []
        for category in sorted(by_category):
            members = by_category[category]
            chosen += rng.sample(members, min(per_category, len(members)))
        return chosen
    if limit is not None:
        return rng.sample(samples, min(limit, len(samples)))
    return list(samples)


def _gold(path: Path) -> list[dict[str, str]]:
    """Gold items: JSONL of ``{"sample_id", "better", "worse"}`` (a description known better,
    the GT say, and one known worse)."""
    from videoeval.benchmarks.base import iter_jsonl

    skipped: list[str] = []
    out = []
    for number, obj in iter_jsonl(path, skipped):
        if not all(isinstance(obj.get(k), str) and obj[k].strip()
                   for k in ("sample_id", "better", "worse")):  # fmt: skip
            raise InputError(path, f"line {number}: a gold item needs sample_id, better, worse")
        out.append({k: obj[k] for k in ("sample_id", "better", "worse")})
    if skipped:
        raise InputError(path, skipped[0])
    return out


@dataclass(frozen=True)
class Created:
    path: Path
    items: int
    gold: int
    systems: list[str]
    links: dict[str, str]
    """Annotator -> link path (``/a/<token>``): shown once."""
    missing: dict[str, int]


def create_study(
    out: Path, benchmark_id: str, annotations: Path, videos: Path, sources: list[Source],
    annotators: list[str], overlap: int = 1, per_category: int | None = None,
    limit: int | None = None, seed: int = 0, gold: Path | None = None,
    criteria: tuple[str, ...] = DEFAULT_CRITERIA, name: str | None = None,
) -> Created:  # fmt: skip
    from videoeval.benchmarks import get_benchmark
    from videoeval.video.provider import find_video

    if len(sources) < 2:
        raise UsageError("a side-by-side study compares two or more systems")
    labels = [s.label for s in sources]
    if len(set(labels)) != len(labels):
        raise UsageError(f"two systems share a label ({', '.join(labels)}): give --label for each")
    for s in sources:
        if s.benchmark not in (None, benchmark_id):
            raise UsageError(f"{s.path} is a run of {s.benchmark}, not {benchmark_id}")
    if not annotators or len(set(annotators)) != len(annotators):
        raise UsageError("name each annotator once (--annotator NAME, repeated)")
    if not 1 <= overlap <= len(annotators):
        raise UsageError(f"--overlap is how many annotators judge an item: 1 to {len(annotators)}")
    if out.exists():
        raise UsageError(f"{out} exists: a study is made once (choose another path)")
    benchmark = get_benchmark(benchmark_id)
    # side-by-side compares descriptions: the benchmark's captioning view (refused without)
    samples = benchmark.view("captioning").load(annotations).samples
    shared = [s for s in samples if all(s.sample_id in src.texts for src in sources)]
    missing = {src.label: sum(s.sample_id not in src.texts for s in samples) for src in sources}
    if not shared:
        raise InputError(annotations, "no sample has a description from every system")
    chosen = _stratified(shared, per_category, limit, seed)
    rng = random.Random(seed + 1)
    out.parent.mkdir(parents=True, exist_ok=True)
    db = connect(out)
    links = {}
    try:
        db.executescript(SCHEMA)
        with transaction(db):
            settings = {"format": "videoeval-sbs-1", "name": name or out.stem,
                        "benchmark": benchmark_id, "seed": seed, "overlap": overlap,
                        "criteria": list(criteria), "instructions": INSTRUCTIONS,
                        "videos": str(videos.resolve()), "created": time.time()}  # fmt: skip
            db.executemany("INSERT INTO meta VALUES (?, ?)",
                           [(k, json.dumps(v)) for k, v in settings.items()])  # fmt: skip
            ids = {}
            for src in sources:
                cur = db.execute("INSERT INTO systems (label, source, metrics) VALUES (?, ?, ?)",
                                 (src.label, str(src.path), json.dumps(src.metrics)))  # fmt: skip
                ids[src.label] = cur.lastrowid
            rows: list[tuple[Any, ...]] = []
            for sample in chosen:
                media = find_video(videos, sample.video_id)
                for a, b in itertools.combinations(sources, 2):
                    rows.append((secrets.token_hex(8), sample.sample_id, sample.video_id,
                                 sample.category, str(media) if media else None, ids[a.label],
                                 ids[b.label], a.texts[sample.sample_id],
                                 b.texts[sample.sample_id], None))  # fmt: skip
            by_id = {s.sample_id: s for s in samples}
            golds = _gold(gold) if gold else []
            for g in golds:
                if g["sample_id"] not in by_id:
                    raise InputError(gold or out, f"gold item {g['sample_id']!r} is no sample "
                                                  "of the annotation file")  # fmt: skip
                sample = by_id[g["sample_id"]]
                media = find_video(videos, sample.video_id)
                better = rng.choice("ab")  # where the better text is stored says nothing
                first, second = ((g["better"], g["worse"]) if better == "a"
                                 else (g["worse"], g["better"]))  # fmt: skip
                rows.append((secrets.token_hex(8), sample.sample_id, sample.video_id,
                             sample.category, str(media) if media else None, None, None, first,
                             second, better))  # fmt: skip
            rng.shuffle(rows)
            db.executemany(
                """INSERT INTO items (key, sample_id, video_id, category, media, system_a,
                   system_b, text_a, text_b, gold_better) VALUES (?,?,?,?,?,?,?,?,?,?)""",
                rows,
            )
            for person in annotators:
                token = secrets.token_urlsafe(18)
                db.execute("INSERT INTO annotators (name, token_sha256) VALUES (?, ?)",
                           (person, token_hash(token)))  # fmt: skip
                links[person] = f"/a/{token}"
    finally:
        db.close()
    return Created(out, len(rows) - len(golds), len(golds), labels, links, missing)
