"""``videoeval report``: one self-contained HTML page (plots inlined; thumbnails beside it) and a
Markdown leaderboard, from any number of run folders."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

from videoeval.redaction import redact
from videoeval.report.leaderboard import (
    clean_markdown,
    clean_ranks,
    headline_names,
    leaderboard_rows,
    markdown,
    md_cell,
    paired_difference,
    task_sections,
)
from videoeval.report.load import RunData
from videoeval.report.plots import audit_plots, caption_plots, dense_plots, grounding_plots
from videoeval.report.published import boards, html_section, to_csv
from videoeval.report.published import markdown as published_markdown
from videoeval.report.training_data import TrainingFolder, training_html, training_markdown
from videoeval.version import __version__

PAGE = Template("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>$title</title><style>$css</style></head>
<body>
<h1>$title</h1>
<p>videoeval $version · $n_runs runs · every number below is read from the runs' metrics.json</p>
<h2>Leaderboards</h2><div id="leaderboards"></div>
$comparisons
<h2>Plots</h2><div class="plots">$plots</div>
<h2>Samples</h2>
<div class="filters">
 <label>run <select id="f-run"><option value="">all</option></select></label>
 <label>status <select id="f-status"><option value="">all</option></select></label>
 <label>category <select id="f-category"><option value="">all</option></select></label>
 <label>IoU from <input id="f-iou-min" type="number" step="0.05" min="0" max="1" size="4"></label>
 <label>to <input id="f-iou-max" type="number" step="0.05" min="0" max="1" size="4"></label>
 <label><input id="f-flagged" type="checkbox"> flagged only</label>
 <label>text <input id="f-text" type="search" size="18"></label>
 <span id="count"></span>
</div>
<div id="samples"></div><button id="more" hidden>show more</button>
<script type="application/json" id="data">$data</script>
<script>$js</script>
</body></html>
""")

# Paths in notes and errors (from the machine that ran: POSIX, home-relative, Windows or file
# URIs) are cut to their last part.
_ABSOLUTE = re.compile(
    r"(?<![\w.])(?:file://|~|[A-Za-z]:)?(?:[/\\][\w.@+-]+){2,}[/\\]?|"
    r"(?<![\w.])~[/\\][\w.@+-]+(?:[/\\][\w.@+-]+)*"
)


def _last_part(path: str) -> str:
    return re.split(r"[/\\]", path.rstrip("/\\"))[-1]


def _scrub(value: Any) -> Any:
    """Paths cut to their last part, and numbers JSON can carry (a NaN or infinity in a
    third-party metrics.json would make the page's data unreadable: shown as missing)."""
    if isinstance(value, str):
        return _ABSOLUTE.sub(lambda m: _last_part(m.group(0)), value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items()}
    return value


# Inside <script>, "<!--" followed by "<script" makes the HTML parser swallow the closing tag:
# no "<", ">" or "&" may appear raw. Line and paragraph separators are escaped too.
_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def embed_json(data: Any) -> str:
    """JSON text safe to place inside a ``<script type="application/json">`` element."""
    text = json.dumps(data, ensure_ascii=False)
    return (
        "".join(_JSON_ESCAPES.get(ch, ch) for ch in text)
        if any(ch in text for ch in _JSON_ESCAPES)
        else text
    )


def informative_first(samples: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The samples whose runs disagree most come first, then the worst scored; samples without
    a score of their own (no prediction at all) last, in their order."""
    by_id: dict[str, list[float]] = defaultdict(list)
    for s in samples:
        if s.get("score") is not None:
            by_id[s["id"]].append(s["score"])
    spread = {k: max(v) - min(v) for k, v in by_id.items()}

    def key(s: dict[str, Any]) -> tuple[int, float, float]:
        score = s.get("score")
        if score is None:
            return (1, 0.0, 0.0)
        return (0, -spread.get(s["id"], 0.0), score)

    return sorted(samples, key=key)


def unique_names(runs: Sequence[RunData]) -> None:
    """Two runs from folders of the same name get distinct labels (name, name (2), ...)."""
    seen: dict[str, int] = {}
    for run in runs:
        count = seen.get(run.name, 0) + 1
        seen[run.name] = count
        if count > 1:
            run.name = f"{run.name} ({count})"


def _samples(run: RunData, thumbs: dict[tuple[str, str], list[dict[str, Any]]]) -> list[dict]:
    verdicts: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for pair in run.side_by_side:
        verdicts[str(pair["clip"])].append(
            {**pair, "label": pair.get("text_label"), "reason": pair.get("video_reason")
             or pair.get("text_reason")}
        )  # fmt: skip
    if not run.side_by_side:
        for v in run.verdicts:
            verdicts[str(v["clip"])].append(v)
    out = []
    for row in run.rows:
        sid = str(row.sample_id)
        sample: dict[str, Any] = {
            "run": run.name, "id": sid, "status": row.status,
            "category": getattr(row, "category", None), "note": row.note, **row.display(),
            "score": row.unit_score(),
        }  # fmt: skip
        sample["verdicts"] = verdicts.get(sid, [])
        sample["thumbs"] = thumbs.get((run.name, sid), [])
        out.append(sample)
    return out


def thumbnail_stem(video_id: str) -> str:
    """A file name for a video's thumbnails that stays inside the thumbnail folder whatever the
    id holds (``../``, ``/``): unsafe characters replaced, a hash keeps ids apart."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", video_id).lstrip(".") or "video"
    if safe == video_id:
        return safe
    return f"{safe[:60]}-{hashlib.sha256(video_id.encode()).hexdigest()[:10]}"


def make_thumbnails(
    runs: Sequence[RunData], videos: Path, folder: Path, per_sample: int = 8, max_samples: int = 500
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Small JPEGs of the frames each sample's judge or model saw, shared between samples and
    runs that saw the same frame (one file per video and frame index)."""
    from videoeval.engine.runner import find_video
    from videoeval.video.decode import decode_frames
    from videoeval.video.labels import encode_jpeg
    from videoeval.video.probe import VideoError, probe

    folder.mkdir(parents=True, exist_ok=True)
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    done = 0
    for run in runs:
        for row in run.rows:
            frames = getattr(row, "frames", None) or run.frames.get(str(row.sample_id))
            if not isinstance(frames, dict) or done >= max_samples:
                continue
            video_id = str(row.video_id or frames.get("video", "")).rsplit(".", 1)[0]
            stem = thumbnail_stem(video_id)
            indices, times = frames.get("indices"), frames.get("timestamps")
            if not _frame_list(indices, times) or indices is None or times is None:
                continue  # a hand-edited or foreign record: no thumbnails for this sample
            step = max(1, len(indices) // per_sample)
            chosen = list(zip(indices, times, strict=True))[::step][:per_sample]
            missing = [i for i, _ in chosen if not (folder / f"{stem}_{i}.jpg").exists()]
            try:
                path = find_video(videos, video_id)
                if path is None:
                    continue
                if missing:
                    info = probe(path)
                    height = 64
                    width = max(2, round(info.width * height / info.height / 2) * 2)
                    decoded = decode_frames(info, missing, size=(width, height))
                    for index, image in zip(missing, decoded.frames, strict=True):
                        (folder / f"{stem}_{index}.jpg").write_bytes(encode_jpeg(image, 80))
            except (VideoError, OSError, ValueError, IndexError):
                continue
            out[(run.name, str(row.sample_id))] = [
                {"t": t, "src": f"{folder.name}/{stem}_{i}.jpg"} for i, t in chosen
            ]
            done += 1
    return out


def _frame_list(indices: Any, times: Any) -> bool:
    """Frame indices (whole numbers from 0) with as many numeric times."""
    return (
        isinstance(indices, list)
        and isinstance(times, list)
        and 0 < len(indices) == len(times) <= 10_000
        and all(type(i) is int and 0 <= i < 10**9 for i in indices)
        and all(isinstance(t, (int, float)) and not isinstance(t, bool) for t in times)
    )


def _clean_html(entries: Sequence[dict[str, Any]]) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(e['run'])}</td><td>{html.escape(e['model'])}</td>"
        f"<td>{html.escape(e['benchmark'])}</td><td>{e['all']:.2f} (n={e['n_all']})</td>"
        f"<td>{e.get('rank_all', '-')}</td><td>"
        + ("-" if e["clean"] is None else f"{e['clean']:.2f} (n={e['n_clean']})")
        + f"</td><td>{e.get('rank_clean', '-')}</td></tr>"
        for e in entries
    )
    return ("<h2>Original and clean GT</h2><p>Mean per-sample score (IoU for grounding, "
            "per-clip F1 for captions) on every sample and on the audit's clean subset, with "
            "each run's rank among the runs of its benchmark.</p><table><tr><th>run</th>"
            "<th>model</th><th>benchmark</th><th>all samples</th><th>rank</th>"
            f"<th>clean subset</th><th>rank</th></tr>{rows}</table>")  # fmt: skip


def write_report(
    runs: Sequence[RunData],
    out: Path,
    title: str = "videoeval report",
    videos: Path | None = None,
    subset: set[str] | None = None,
    training: Sequence[TrainingFolder] = (),
    extra_plots: Mapping[str, bytes] | None = None,
) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    unique_names(runs)
    thumbs = make_thumbnails(runs, videos, out / "thumbs") if videos else {}
    plots = {
        **grounding_plots(runs),
        **caption_plots(runs),
        **dense_plots(runs),
        **audit_plots(runs),
        **(extra_plots or {}),
    }
    # Each run against the first run of its benchmark (the baseline), on their shared samples.
    baselines: dict[str, RunData] = {}
    comparisons = []
    for run in runs:
        base = baselines.setdefault(run.report.benchmark, run)
        if base is not run and (d := paired_difference(run, base)) is not None:
            comparisons.append(d)
    data = {
        "metric_names": headline_names(runs),
        "runs": leaderboard_rows(runs),
        "sections": task_sections(runs),
        "comparisons": comparisons,
        "samples": informative_first([s for run in runs for s in _samples(run, thumbs)]),
    }
    blob = embed_json(_scrub(data))
    plot_html = "".join(
        f'<figure><img alt="{html.escape(name)}" src="data:image/png;base64,'
        f'{base64.b64encode(png).decode()}"><figcaption>{html.escape(name)}</figcaption></figure>'
        for name, png in plots.items()
    )
    compare_html = ""
    if comparisons:
        items = "".join(
            f"<li>{html.escape(c['a'])} − {html.escape(c['b'])}: {c['difference']:+.2f} points of "
            f"{c['measure']} [{c['ci95'][0]:+.2f}, {c['ci95'][1]:+.2f}] on {c['shared']} shared "
            "samples (paired bootstrap)</li>"
            for c in comparisons
        )
        compare_html = f"<h2>Paired differences against the first run</h2><ul>{items}</ul>"
    clean = clean_ranks(runs, subset) if subset else []
    if clean:
        compare_html += _clean_html(clean)
    compare_html += training_html(list(training))
    published = boards(runs)
    if published:
        compare_html += "<h2>Beside the published tables</h2>" + "".join(
            html_section(*entry) for entry in published
        )
    assets = resources.files("videoeval.report")
    page = PAGE.substitute(
        title=html.escape(title),
        version=__version__,
        n_runs=len(runs) + len(training),
        css=(assets / "page.css").read_text("utf-8"),
        js=(assets / "page.js").read_text("utf-8"),
        data=blob,
        plots=plot_html or "<p>no plots for these runs</p>",
        comparisons=compare_html,
    )
    html_path, md_path = out / "report.html", out / "leaderboard.md"
    # An answer or a file may hold a key from this environment: never on the page.
    html_path.write_text(redact(page), encoding="utf-8")
    extra = f"\n## Original and clean GT\n\n{clean_markdown(clean)}" if clean else ""
    extra += training_markdown(list(training))
    if published:
        extra += "\n## Beside the published tables\n\n" + "\n".join(
            published_markdown(*entry) for entry in published
        )
        for table, rows, _ in published:
            (out / f"published-{table.id}.csv").write_text(to_csv(table, rows), encoding="utf-8")
    md_text = f"# {md_cell(title)}\n\n" + markdown(runs) + extra
    md_path.write_text(redact(md_text), encoding="utf-8")
    return html_path, md_path
