"use strict";
const DATA = JSON.parse(document.getElementById("data").textContent);
const PAGE = 100;
let shown = PAGE;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value; else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function fmt(value, digits) {
  return typeof value === "number" ? value.toFixed(digits === undefined ? 2 : digits) : "-";
}

function renderLeaderboard(section) {
  const names = section.metric_names;
  const table = el("table", {"class": "leaderboard", "id": `leaderboard-${section.task}`});
  const head = el("tr", {}, ...["run", "model", "benchmark", "protocol", ...names, "N", "failures"]
    .map((name, i) => el("th", {"data-col": i}, name)));
  const body = el("tbody");
  const runs = section.runs;
  const rows = runs.map(run => [run.run, run.model, run.benchmark, run.protocol,
    ...names.map(n => run.metrics[n]), run.n,
    Object.entries(run.failures).map(([k, v]) => `${k} ${v}`).join(", ") || "none"]);
  function fill(sorted) {
    body.replaceChildren(...sorted.map(row => el("tr", {}, ...row.map((cell, i) => {
      const run = runs[runs.findIndex(x => x.run === row[0])];
      if (i >= 4 && i < 4 + names.length) {
        const ci = run.ci95[names[i - 4]];
        return el("td", {"class": "num", "data-metric": names[i - 4], "data-run": run.run},
          fmt(cell), ci && typeof cell === "number"
            ? el("span", {"class": "ci"}, ` [${fmt(ci[0], 1)}, ${fmt(ci[1], 1)}]`) : null);
      }
      return el("td", {}, cell);
    }))));
  }
  let order = 1;
  head.addEventListener("click", event => {
    const col = Number(event.target.dataset.col);
    if (Number.isNaN(col)) return;
    order = -order;
    fill([...rows].sort((a, b) => (a[col] > b[col] ? 1 : a[col] < b[col] ? -1 : 0) * order));
  });
  table.replaceChildren(el("thead", {}, head), body);
  fill(rows);
  return el("section", {}, el("h3", {}, section.title), el("div", {"class": "wide"}, table));
}

const SVG = "http://www.w3.org/2000/svg";

function svgText(svg, x, y, text, cls) {
  const t = document.createElementNS(SVG, "text");
  t.setAttribute("x", x); t.setAttribute("y", y); t.setAttribute("class", cls || "tick");
  t.textContent = text;
  svg.append(t);
}

function axis(svg, x, end, y, width) {
  // a seconds axis: start, middle and end of the clip
  for (const t of [0, end / 2, end]) {
    const anchor = t === 0 ? "start" : t === end ? "end" : "middle";
    svgText(svg, Math.min(Math.max(x(t), 2), width - 2), y, `${fmt(t, t < 10 ? 1 : 0)}s`, `tick ${anchor}`);
  }
}

function legend(svg, width, entries) {
  let at = width - 4;
  for (const [label, cls] of [...entries].reverse()) {
    svgText(svg, at, 10, label, `legend ${cls} end`);
    at -= 8 * label.length + 14;
  }
}

function timeline(sample) {
  const end = Math.max(sample.duration || 0, ...(sample.gt_windows || []).map(w => w[1]),
    ...(sample.scored_span ? [sample.scored_span[1]] : []), 1);
  const width = 460, x = t => 10 + (Math.max(0, Math.min(t, end)) / end) * (width - 20);
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("width", width); svg.setAttribute("height", 58); svg.setAttribute("class", "timeline");
  const rect = (a, b, y, cls) => {
    const r = document.createElementNS(SVG, "rect");
    r.setAttribute("x", x(a)); r.setAttribute("y", y); r.setAttribute("height", 10);
    r.setAttribute("width", Math.max(2, x(b) - x(a))); r.setAttribute("class", cls);
    const title = document.createElementNS(SVG, "title");
    title.textContent = `${fmt(a, 1)}-${fmt(b, 1)}s`;
    r.append(title); svg.append(r);
  };
  legend(svg, width, [["GT", "gt"], ["scored answer", "pred"]]);
  rect(0, end, 29, "axis");
  for (const w of sample.gt_windows || []) rect(w[0], w[1], 16, "gt");
  if (sample.scored_span) rect(Math.min(...sample.scored_span), Math.max(...sample.scored_span), 34, "pred");
  axis(svg, x, end, 56, width);
  return svg;
}

function eventsTimeline(sample) {
  const gt = sample.gt_events || [], pred = sample.predicted_events || [];
  const files = Math.max(1, ...gt.map(e => (e[3] || 0) + 1));
  const end = Math.max(1, ...gt.map(e => e[1]), ...pred.map(e => e[1]));
  const width = 460, rowH = 8, top = 14, height = top + (files + 1) * (rowH + 3) + 16;
  const x = t => 10 + (Math.max(0, Math.min(t, end)) / end) * (width - 20);
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("width", width); svg.setAttribute("height", height); svg.setAttribute("class", "timeline");
  const rect = (a, b, y, cls, text) => {
    const r = document.createElementNS(SVG, "rect");
    r.setAttribute("x", x(Math.min(a, b))); r.setAttribute("y", y); r.setAttribute("height", rowH);
    r.setAttribute("width", Math.max(2, x(Math.max(a, b)) - x(Math.min(a, b)))); r.setAttribute("class", cls);
    const title = document.createElementNS(SVG, "title");
    title.textContent = `${fmt(a, 1)}-${fmt(b, 1)}s ${text}`;
    r.append(title); svg.append(r);
  };
  legend(svg, width, [[files > 1 ? "GT (one row per reference)" : "GT", "gt"], ["predicted", "pred"]]);
  for (const e of gt) rect(e[0], e[1], top + (e[3] || 0) * (rowH + 3), "gt", e[2]);
  for (const e of pred) rect(e[0], e[1], top + files * (rowH + 3), "pred", e[2]);
  axis(svg, x, end, height - 2, width);
  return svg;
}

function eventList(label, events) {
  if (!events || !events.length) return el("div", {"class": "field"}, el("i", {}, `${label}: `), "none");
  return el("div", {"class": "field"}, el("i", {}, `${label}:`), el("ol", {"class": "events"},
    ...events.map(e => el("li", {}, `${fmt(e[0], 1)} - ${fmt(e[1], 1)}s `,
      e.length > 3 && e[3] ? el("span", {"class": "ci"}, `[ref ${e[3] + 1}] `) : null, e[2]))));
}

function card(sample) {
  const node = el("div", {"class": `card status-${sample.status}`},
    el("div", {"class": "head"}, el("b", {}, sample.id), ` · ${sample.run} · `,
      el("span", {"class": "status"}, sample.status),
      sample.category ? ` · ${sample.category}` : null,
      sample.iou !== undefined && sample.iou !== null ? ` · IoU ${fmt(sample.iou, 3)}` : null,
      sample.flagged_runs !== undefined ? ` · flagged in ${sample.flagged_runs} runs` : null));
  if (sample.thumbs && sample.thumbs.length) {
    node.append(el("div", {"class": "strip"}, ...sample.thumbs.map(t =>
      el("figure", {}, el("img", {src: t.src, loading: "lazy", alt: `frame at ${t.t}s`}),
        el("figcaption", {}, `${fmt(t.t, 1)}s`)))));
  }
  if (sample.view === "timeline") node.append(timeline(sample));
  if (sample.view === "events") {
    const figures = Object.entries(sample.figures || {}).map(([k, v]) => `${k} ${fmt(v * 100, 1)}`);
    if (figures.length) node.append(el("div", {"class": "field figures"}, figures.join(" · ")));
    node.append(eventsTimeline(sample), eventList("GT events", sample.gt_events),
      eventList("predicted events", sample.predicted_events));
  }
  for (const [label, key] of [["query", "query"], ["GT", "reference"], ["answer", "answer"],
                              ["prediction", "prediction"], ["details", "details"], ["note", "note"]]) {
    if (sample[key]) node.append(el("div", {"class": "field"}, el("i", {}, `${label}: `), sample[key]));
  }
  if (sample.verdicts && sample.verdicts.length) {
    node.append(el("table", {"class": "verdicts"},
      el("tr", {}, ...["side", "event", "text-only", "with frames", "reason"].map(h => el("th", {}, h))),
      ...sample.verdicts.map(v => el("tr", {}, el("td", {}, v.side), el("td", {}, v.event),
        el("td", {"class": `label-${v.label}`}, v.label),
        el("td", {"class": `label-${v.video_label || "none"}`}, v.video_label || ""),
        el("td", {}, v.reason || "")))));
  }
  if (sample.errors && sample.errors.length) {
    node.append(el("ul", {"class": "errors"}, ...sample.errors.map(e => el("li", {},
      `run ${e.run}: "${e.claim}" — frames show: ${e.frames_show} (${(e.timestamps || []).map(t => fmt(t, 1)).join(", ")}s, ${e.severity})`))));
  }
  return node;
}

function matching() {
  const run = document.getElementById("f-run").value, status = document.getElementById("f-status").value;
  const category = document.getElementById("f-category").value;
  const lo = parseFloat(document.getElementById("f-iou-min").value), hi = parseFloat(document.getElementById("f-iou-max").value);
  const flagged = document.getElementById("f-flagged").checked;
  const text = document.getElementById("f-text").value.toLowerCase();
  return DATA.samples.filter(s => (!run || s.run === run) && (!status || s.status === status)
    && (!category || s.category === category)
    && (Number.isNaN(lo) || (s.iou !== null && s.iou !== undefined && s.iou >= lo))
    && (Number.isNaN(hi) || (s.iou !== null && s.iou !== undefined && s.iou <= hi))
    && (!flagged || s.flagged_runs > 0 || (s.verdicts || []).some(v => v.video_label))
    && (!text || JSON.stringify([s.id, s.query, s.reference, s.answer, s.prediction,
      s.gt_events, s.predicted_events]).toLowerCase().includes(text)));
}

function renderSamples() {
  const rows = matching();
  document.getElementById("count").textContent = `${Math.min(shown, rows.length)} of ${rows.length} samples`;
  document.getElementById("samples").replaceChildren(...rows.slice(0, shown).map(card));
  document.getElementById("more").hidden = rows.length <= shown;
}

function options(id, values) {
  const select = document.getElementById(id);
  select.append(...[...new Set(values)].filter(v => v).sort().map(v => el("option", {value: v}, v)));
}

document.getElementById("leaderboards").replaceChildren(...DATA.sections.map(renderLeaderboard));
options("f-run", DATA.samples.map(s => s.run));
options("f-status", DATA.samples.map(s => s.status));
options("f-category", DATA.samples.map(s => s.category));
for (const id of ["f-run", "f-status", "f-category", "f-iou-min", "f-iou-max", "f-flagged", "f-text"]) {
  document.getElementById(id).addEventListener("input", () => { shown = PAGE; renderSamples(); });
}
document.getElementById("more").addEventListener("click", () => { shown += PAGE; renderSamples(); });
renderSamples();
