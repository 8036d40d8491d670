"""From an audit to a corrected benchmark: ``audit --export-clean DIR`` writes

- ``gt_marked.jsonl``: every clip's GT with what the audit found: flagged by every run
  (consensus) or by any (loose), the errors the runs listed, and for timed GT each event's
  consensus text / span verdict with the median of the spans the runs suggested;
- ``clean_subset.json``: the ids of the clips audited in every run and not flagged by all of
  them, for ``videoeval score --subset``;
- ``manifest.json``: the judge, its prompt hash, the runs, the rates, and the annotation file's
  SHA-256, so a clean subset always names what it was cut from.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from videoeval.benchmarks.base import annotation_digest, read_text
from videoeval.errors import InputError
from videoeval.judges.audit import ClipAudit
from videoeval.outputs import write_jsonl
from videoeval.schema import MetricsReport

RULE = "audited in every run and not flagged by all of them (consensus)"


def _consensus(o: ClipAudit, runs: int) -> bool:
    return len(o.verdicts) == runs and all(v.flagged for v in o.verdicts)


def _events(o: ClipAudit) -> list[dict[str, Any]]:
    out = []
    for i, (start, end, text) in enumerate(o.sample.timed_events or ()):
        checks = [(v.events or [])[i] for v in o.verdicts if v.events and i < len(v.events)]
        suggested = [c.suggested_span for c in checks if c.suggested_span and not c.span_ok]
        median = None
        if suggested:
            median = [statistics.median(s[0] for s in suggested),
                      statistics.median(s[1] for s in suggested)]  # fmt: skip
        out.append({
            "span": [start, end], "text": text.strip(),
            "text_wrong": bool(checks) and all(not c.text_ok for c in checks),
            "span_wrong": bool(checks) and all(not c.span_ok for c in checks),
            "suggested_span": median,
        })  # fmt: skip
    return out


def export_clean(
    out: Path,
    outcomes: Sequence[ClipAudit],
    runs: int,
    report: MetricsReport,
    annotations: Path,
) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    marked, clean = [], []
    for o in outcomes:
        errors: dict[str, dict[str, Any]] = {}
        for v in o.verdicts:
            for e in v.errors_gt:
                errors.setdefault(e.claim, e.model_dump(mode="json"))
        row: dict[str, Any] = {
            "sample_id": o.sample.sample_id, "video_id": o.sample.video_id,
            "status": o.status, "reference": o.sample.reference,
            "consensus_flagged": _consensus(o, runs),
            "loose_flagged": any(v.flagged for v in o.verdicts),
            "flagged_runs": sum(v.flagged for v in o.verdicts), "runs": len(o.verdicts),
            "errors": list(errors.values()),
        }  # fmt: skip
        if o.sample.timed_events:
            row["events"] = _events(o)
        marked.append(row)
        if o.status == "ok" and not row["consensus_flagged"]:
            clean.append(o.sample.sample_id)
    paths = [out / "gt_marked.jsonl", out / "clean_subset.json", out / "manifest.json"]
    write_jsonl(paths[0], marked)
    subset = {"benchmark": report.benchmark, "rule": RULE, "sample_ids": clean}
    paths[1].write_text(json.dumps(subset, indent=2) + "\n", encoding="utf-8")
    manifest = {
        "benchmark": report.benchmark, "mode": report.protocol, "runs": runs,
        "annotations": annotations.name,
        "annotations_sha256": annotation_digest(annotations),
        "clips": len(outcomes), "audited": report.n_scored,
        "consensus_flagged": sum(r["consensus_flagged"] for r in marked),
        "clean": len(clean), "rule": RULE, "rates": report.metrics, "judge": report.judge,
        "videoeval_version": report.videoeval_version,
    }  # fmt: skip
    paths[2].write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                        encoding="utf-8")  # fmt: skip
    return paths


def read_subset(path: Path, benchmark: str | None = None) -> set[str]:
    """Ids from ``clean_subset.json`` (or a JSON list, or one id per line). A subset that names
    its benchmark (``export_clean`` writes it) must name ``benchmark``: a CaReBench subset never
    cuts DREAM-1K."""
    text = read_text(path)
    try:
        data = json.loads(text)
    except RecursionError:
        raise InputError(path, "not valid JSON (nested too deeply)") from None
    except ValueError:
        if text.lstrip()[:1] in ("{", "["):
            raise InputError(path, "not valid JSON: expected a list of ids or a "
                             "clean_subset.json") from None  # fmt: skip
        return {line.strip() for line in text.splitlines() if line.strip()}
    ids = data.get("sample_ids") if isinstance(data, dict) else data
    if not isinstance(ids, list) or not all(isinstance(i, (str, int)) for i in ids):
        raise InputError(path, "expected a list of ids or a clean_subset.json")
    named = data.get("benchmark") if isinstance(data, dict) else None
    if benchmark is not None and named is not None and named != benchmark:
        raise InputError(path, f"is a subset of {named}, not of {benchmark}")
    return {str(i) for i in ids}
