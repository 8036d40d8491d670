"""A study's results as files: metrics.json (everything), results.md, and report.html with the
people's verdicts beside each system's automatic figures (from the runs the study was made
from)."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:+.1f}%"


def _ci(figures: dict[str, Any]) -> str:
    ci = figures.get("ci95")
    return f"[{ci[0]:+.1f}, {ci[1]:+.1f}]" if ci else "-"


def _kappa(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def comparison_rows(results: dict[str, Any]) -> list[list[str]]:
    rows = []
    for c in results["comparisons"]:
        for criterion, f in c["criteria"].items():
            counts = [str(f["win"]), str(f["tie"]), str(f["loss"])]
            rows.append([c["system"], c["versus"], criterion, *counts, _pct(f["advantage"]),
                         _ci(f), str(f["items"])])  # fmt: skip
    return rows


HEAD = ["system", "versus", "criterion", "win", "tie", "loss", "advantage", "95% CI", "items"]


def markdown(results: dict[str, Any]) -> str:
    lines = [f"# Side-by-side study: {results['study']}", "",
             f"{results['benchmark']}; {results['items']} items, {results['judgements']} "
             f"judgements by {len(results['annotators'])} annotators (overlap "
             f"{results['overlap']}). Advantage = (win - loss) / judgements of the first system, "
             "its 95% interval a bootstrap over items.", "",
             "| " + " | ".join(HEAD) + " |", "|" + "---|" * len(HEAD)]  # fmt: skip
    lines += ["| " + " | ".join(r) + " |" for r in comparison_rows(results)]
    agreement = results["agreement"]
    lines += ["", f"## Agreement ({agreement['items_with_overlap']} items judged by several)", ""]
    for criterion in results["criteria"]:
        a = agreement.get(criterion)
        if a:
            lines.append(f"- {criterion}: mean Cohen's kappa {_kappa(a['mean_cohen_kappa'])}, "
                         f"Fleiss' kappa {_kappa(a['fleiss_kappa'])} ({a['fleiss_items']} items, "
                         f"{a['raters']} raters), all agree on {a['all_agree']:.1f}%")  # fmt: skip
    bias = results["position_bias"]
    lines += ["", "## Position", "",
              f"Left wins {bias['left']}, right wins {bias['right']}, ties {bias['tie']} "
              f"(two-sided binomial p = {bias['p_value']:.3f})."]  # fmt: skip
    if results["gold"]:
        lines += ["", "## Gold items", ""]
        lines += [f"- {name}: {g['accuracy']:.1f}% of {int(g['gold_items'])}"
                  for name, g in results["gold"].items()]  # fmt: skip
    if judge := results.get("judge_agreement"):
        lines += ["", f"## The video-aware judge against the people ({judge['items']} items)", ""]
        rated = [
            c for c in results["criteria"] if (judge.get(c) or {}).get("agreement") is not None
        ]
        lines += [f"- {c}: agreement {judge[c]['agreement']:.1f}%, Cohen's kappa "
                  f"{_kappa(judge[c]['cohen_kappa'])}" for c in rated]  # fmt: skip
    lines += ["", "## Automatic figures of the systems", ""]
    for label, metrics in results["systems"].items():
        shown = ", ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}"
                          for k, v in metrics.items()) or "no metrics.json"  # fmt: skip
        lines.append(f"- {label}: {shown}")
    return "\n".join(lines) + "\n"


def _table(head: list[str], rows: list[list[str]]) -> str:
    cells = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>"
                   for r in rows)  # fmt: skip
    return f"<table><tr>{cells}</tr>{body}</table>"


def html_page(results: dict[str, Any]) -> str:
    numbers = sorted({k for m in results["systems"].values() for k, v in m.items()
                      if isinstance(v, (int, float))})  # fmt: skip
    auto = [[label, str(m.get("protocol", "-")),
             *[f"{m[k]:.2f}" if isinstance(m.get(k), (int, float)) else "-" for k in numbers]]
            for label, m in results["systems"].items()]  # fmt: skip
    body = (f"<h1>Side-by-side study: {html.escape(results['study'])}</h1>"
            f"<p>{html.escape(results['benchmark'])}: {results['items']} items, "
            f"{results['judgements']} judgements.</p><h2>People's verdicts</h2>"
            + _table(HEAD, comparison_rows(results))
            + "<h2>Automatic figures of the same systems</h2>"
            + _table(["system", "protocol", *numbers], auto)
            + "<h2>Details</h2><pre>" + html.escape(markdown(results)) + "</pre>")  # fmt: skip
    style = (
        "body{font-family:system-ui,sans-serif;max-width:1100px;margin:auto;padding:1rem}"
        "table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;"
        "padding:.25rem .6rem;text-align:left}pre{white-space:pre-wrap}"
    )
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Side-by-side '
        f"study</title><style>{style}</style></head><body>{body}</body></html>"
    )


def write_results(results: dict[str, Any], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    files = [out / "metrics.json", out / "results.md", out / "report.html"]
    files[0].write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", "utf-8")
    files[1].write_text(markdown(results), "utf-8")
    files[2].write_text(html_page(results), "utf-8")
    return files
