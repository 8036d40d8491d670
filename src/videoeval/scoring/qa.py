"""The video-QA scorer: each question's answer read by the protocol's rule, counted as the
protocol counts (``QAConfig``), micro accuracy or pair scores by type, per category and per
the benchmark's other groupings."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from videoeval.errors import NothingToScoreError
from videoeval.metrics.bootstrap import MeanIntervals
from videoeval.parsing.choices import (
    JUDGE_FALLBACK,
    JUDGE_SILENT,
    UNREAD,
    Reading,
    eventhallusion_desc,
    eventhallusion_yn,
    lmms_eval_mvbench,
    lmms_eval_tomato,
    lmms_eval_tvbench,
    longvideobench_letter,
    mvbench_check_ans,
    tarsier_mc,
    tarsier_videomme,
    tempcompass_cg,
    tempcompass_cm,
    tempcompass_judged,
    tempcompass_mc,
    tempcompass_yn,
    tomato_rules,
    videohallucer_word,
    videomme_letter,
    vinoground_first,
)
from videoeval.protocols.configs import QAConfig
from videoeval.schema import QARow, QASample, Status
from videoeval.scoring.base import ScoreContext, Scored

RULES: dict[str, Callable[[QASample, str], Reading]] = {
    "tempcompass-mc": lambda s, a: tempcompass_mc(a, s.gold),
    "tempcompass-yn": lambda s, a: tempcompass_yn(a, s.gold),
    "tempcompass-cm": lambda s, a: tempcompass_cm(a, s.question, s.gold),
    "lmms-eval-tempcompass-mc": lambda s, a: tempcompass_mc(a, s.gold, strip=False),
    "lmms-eval-tempcompass-yn": lambda s, a: tempcompass_yn(a, s.gold, strip=False),
    "lmms-eval-tempcompass-cm": lambda s, a: tempcompass_cm(a, s.question, s.gold, strip=False),
    "mvbench": lambda s, a: mvbench_check_ans(a, f"({s.gold}) {s.options.get(s.gold, '')}"),
    "tarsier": lambda s, a: tarsier_mc(a, s.gold),
    "tomato": lambda s, a: tomato_rules(a, s.options, s.gold),
    "videohallucer": lambda s, a: videohallucer_word(a, s.gold),
    "vinoground": lambda s, a: vinoground_first(a, s.gold),
    "videomme": lambda s, a: videomme_letter(a, s.gold),
    "tarsier-videomme": lambda s, a: tarsier_videomme(a, s.gold),
    "longvideobench": lambda s, a: longvideobench_letter(a, s.gold),
    "eventhallusion": lambda s, a: eventhallusion_yn(a, s.gold),
    "lmms-eval-tomato": lambda s, a: lmms_eval_tomato(a, s.options, s.gold),
    "lmms-eval-tvbench": lambda s, a: lmms_eval_tvbench(a, s.options, s.gold),
    "lmms-eval-mvbench": lambda s, a: lmms_eval_mvbench(a, s.options, s.gold),
    # these two read the judge's reply (the answer is the caption it graded)
    "tempcompass-cg": lambda s, reply: tempcompass_cg(reply, s.gold),
    "eventhallusion-desc": lambda s, reply: eventhallusion_desc(reply),
}


def _answers(ctx: ScoreContext[QAConfig]) -> tuple[dict[str, Any], str, list[str]]:
    """Sample id -> the answer (str, ``None`` for a null answer, or a failure status of a run),
    the layout read, and warnings."""
    if ctx.run is not None:
        answers: dict[str, Any] = {}
        for row in ctx.run.responses:
            ok = row.get("status") == "ok"
            answers[row["sample_id"]] = row.get("answer") if ok else ("failed", row.get("status"))
        return answers, "videoeval-run", []
    from videoeval.predictions.qa import read_qa_predictions

    assert ctx.predictions is not None
    read = read_qa_predictions(ctx.predictions)
    warnings = [f"{len(read.skipped)} lines could not be read and were left out",
                *read.skipped[:20]] if read.skipped else []  # fmt: skip
    if read.duplicates:
        warnings.append(f"{read.duplicates} repeated answers: the first of each was scored")
    known = {s.sample_id for s in ctx.samples}
    unknown = [k for k in read.answers if k not in known]
    if unknown:
        warnings.append(f"{len(unknown)} answers name no question of the annotation file "
                        f"(first: {unknown[0]!r})")  # fmt: skip
    return dict(read.answers), read.layout, warnings


def _row(sample: QASample, answer: Any, have: bool, config: QAConfig, reply: Any = None
         ) -> QARow:  # fmt: skip
    def row(status: Status, correct: bool | None, reading: Reading | None, note: str | None):
        return QARow(sample.sample_id, sample.video_id, sample.category, sample.question,
                     sample.gold, answer if isinstance(answer, str) else None,
                     reading.parsed if reading else None, reading.rule if reading else None,
                     correct, status, sample.pair, note)  # fmt: skip

    if not have:
        return row("missing_prediction", False, None, "no answer: wrong")
    if isinstance(answer, tuple):
        return row(answer[1], False, None, "the run could not ask: wrong")
    if answer is None:
        return row("parse_error", False, None, "a null answer: wrong")
    if config.judge is not None:
        return _judged_row(sample, reply, config, row)
    reading = RULES[config.rule](sample, answer)
    if reading.fallback:
        return row("parse_error", reading.correct, reading,
                   f"no rule read it: counted as the reference's {reading.rule}")  # fmt: skip
    if reading.correct is None:
        left_out = config.unread != "wrong"
        note = "no rule read it: left out" if left_out else "no rule read it: wrong"
        return row("parse_error", None if left_out else False, reading, note)
    return row("ok", reading.correct, reading, None)


def _judged_row(sample: QASample, reply: Any, config: QAConfig, row: Callable[..., QARow]
                ) -> QARow:  # fmt: skip
    """The judge's reply read by the protocol's rule; the reply itself is kept in the note."""
    if isinstance(reply, tuple):
        return row("judge_error", False, None, f"the judge could not be asked: {reply[1]}: wrong")
    reading = RULES[config.rule](sample, reply)
    said = f"judge: {' '.join(reply.split())[:400]}" if reply else "judge: (nothing)"
    if reading.rule == JUDGE_SILENT:
        rated = "-1, as the reference rates it" if config.empty_judge_reply == "minus-one" else "0"
        return row("parse_error", False, reading, f"{said}; rated {rated}")
    if reading.rule == UNREAD:
        return row("parse_error", False, reading, f"{said}; the rule reads nothing: wrong")
    return row("ok", reading.correct, reading, said)


async def _fallback(ctx: ScoreContext[QAConfig], samples: list[QASample], rows: list[QARow],
                    kind: str) -> tuple[list[QARow], dict[str, Any] | None]:  # fmt: skip
    """TempCompass's second stage: each answer its rules did not read goes to the judge, whose
    Correct / Incorrect is its rating; a judge that cannot answer (or never says either word)
    leaves it wrong, as the reference's last retry does."""
    from videoeval.scoring.qa_judging import judge_replies

    unread = {r.sample_id: r.answer for r in rows if r.rule == UNREAD and isinstance(r.answer, str)}
    if not unread:
        return rows, None
    asked = [s for s in samples if s.sample_id in unread]
    replies, info = await judge_replies(ctx, asked, unread, kind)
    out = []
    for r in rows:
        reply = replies.get(r.sample_id)
        if reply is None:
            out.append(r)
        elif isinstance(reply, tuple):
            out.append(
                replace(
                    r,
                    status="judge_error",
                    correct=False,
                    note=f"no rule read it; the judge could not rate it: {reply[1]}",
                )
            )
        else:
            reading = tempcompass_judged(reply)
            out.append(
                replace(
                    r,
                    status="ok",
                    correct=reading.correct,
                    parsed=reading.parsed,
                    rule=reading.rule,
                    note=f"no rule read it; judge: {' '.join(reply.split())[:300]}",
                )
            )
    return out, info  # fmt: skip


def _value(row: QARow, config: QAConfig) -> float:
    """A counted row's rating: 1 right, 0 wrong, and -1 for an empty judge reply where the
    reference adds -1 to its sum."""
    if row.correct:
        return 1.0
    minus_one = config.empty_judge_reply == "minus-one" and row.rule == JUDGE_SILENT
    return -1.0 if minus_one else 0.0


def _accuracy(rows: Sequence[QARow], config: QAConfig) -> float:
    counted = [_value(r, config) for r in rows if r.correct is not None]
    return 100.0 * sum(counted) / len(counted) if counted else 0.0


def _by_rule(row: QARow) -> bool:
    """Read by a rule (not left to the fallback judge)."""
    return row.status == "ok" and row.rule != JUDGE_FALLBACK


def _micro(rows: list[QARow], samples: list[QASample], config: QAConfig) -> dict[str, Any]:
    counted = np.asarray([_value(r, config) for r in rows if r.correct is not None])
    metrics = {"accuracy": _accuracy(rows, config),
               "rule_matched": 100.0 * sum(_by_rule(r) for r in rows) / max(1, len(rows)),
               "answered": 100.0 * len(counted) / max(1, len(rows))}  # fmt: skip
    if config.guess_figure:
        expected = sum(r.correct is True for r in rows) + sum(
            1.0 / max(1, len(s.options)) for r, s in zip(rows, samples, strict=True)
            if r.status == "parse_error")  # fmt: skip
        metrics["accuracy_if_guessed"] = 100.0 * expected / max(1, len(counted))
    groups: dict[str, list[QARow]] = defaultdict(list)
    for r in rows:
        groups[r.category or "-"].append(r)
    by_category = {name: {"accuracy": _accuracy(members, config), "n": float(len(members)),
                          "rule_matched": 100.0 * sum(_by_rule(r) for r in members)
                          / len(members)}
                   for name, members in sorted(groups.items())}  # fmt: skip
    facets: dict[str, dict[str, list[QARow]]] = defaultdict(lambda: defaultdict(list))
    for r, s in zip(rows, samples, strict=True):
        for facet, value in s.facets.items():
            facets[facet][value].append(r)
    buckets = {facet: {value: {"accuracy": _accuracy(members, config),
                               "n": float(len(members))}
                       for value, members in sorted(values.items())}
               for facet, values in facets.items()}  # fmt: skip
    return {
        "metrics": metrics,
        "by_category": by_category,
        "buckets": buckets or None,
        "n_counted": len(counted),
        "intervals": MeanIntervals({"accuracy": counted}) if len(counted) else None,
    }


class TypeMeanIntervals:
    """Intervals of an unweighted mean over types of each type's share of right pairs: the
    pairs resampled within each type (for 0/1 values a type's resampled mean is exactly
    Binomial(n, p) / n)."""

    def __init__(self, per_type: dict[str, dict[str, np.ndarray]]) -> None:
        self.per_type = per_type

    def __call__(self, resamples: int, seed: int) -> dict[str, tuple[float, float]]:
        if resamples <= 0 or not self.per_type:
            return {}
        rng = np.random.default_rng(seed)
        out = {}
        for name in ("overall", "basic", "hallucinated"):
            draws = np.mean([rng.binomial(len(v[name]), float(v[name].mean()), resamples)
                             / len(v[name]) for v in self.per_type.values()], axis=0)  # fmt: skip
            low, high = np.quantile(100.0 * draws, [0.025, 0.975])
            out[name] = (float(low), float(high))
        return out


def _pairs(rows: list[QARow]) -> dict[str, Any]:
    """VideoHallucer: a pair is right when both of its questions are; per type the basic, the
    hallucinated and the pair accuracy; the figures are the unweighted means over types."""
    pairs: dict[str, dict[str, QARow]] = defaultdict(dict)
    for r in rows:
        pairs[r.pair or r.sample_id][r.sample_id.rsplit("/", 1)[-1]] = r
    by_type: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for members in pairs.values():
        basic, hallucinated = members.get("basic"), members.get("hallucination")
        kind = next(iter(members.values())).category or "-"
        b = float(bool(basic and basic.correct))
        h = float(bool(hallucinated and hallucinated.correct))
        for name, value in (("basic", b), ("hallucinated", h), ("overall", b * h)):
            by_type[kind][name].append(value)
    arrays = {k: {n: np.asarray(v) for n, v in d.items()} for k, d in by_type.items()}
    by_category = {
        k: {n: 100.0 * float(a.mean()) for n, a in d.items()} | {"pairs": float(len(d["overall"]))}
        for k, d in sorted(arrays.items())
    }
    metrics = {name: float(np.mean([d[name] for d in by_category.values()]))
               for name in ("overall", "basic", "hallucinated")}  # fmt: skip
    pooled = np.concatenate([d["overall"] for d in arrays.values()])
    metrics["overall_pooled"] = 100.0 * float(pooled.mean())
    return {"metrics": metrics, "by_category": by_category, "buckets": None,
            "n_counted": len(pairs), "intervals": TypeMeanIntervals(arrays)}  # fmt: skip


def _text_video_group(rows: list[QARow], samples: list[QASample]) -> dict[str, Any]:
    """Vinoground: per pair, the text score (both text items right), the video score (both video
    items right) and the group score (all four); micro over pairs, per major category, and per
    minor category (a pair may have several)."""
    pairs: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    meta: dict[str, QASample] = {}
    for r, s in zip(rows, samples, strict=True):
        pairs[s.pair or s.sample_id][s.facets.get("score", "text")].append(r.correct is True)
        meta.setdefault(s.pair or s.sample_id, s)
    scores: dict[str, dict[str, float]] = {}
    for key, kinds in pairs.items():
        text = float(len(kinds["text"]) == 2 and all(kinds["text"]))
        video = float(len(kinds["video"]) == 2 and all(kinds["video"]))
        scores[key] = {"text": text, "video": video, "group": text * video}

    def figures(keys: list[str]) -> dict[str, float]:
        names = ("text", "video", "group")
        out = {n: 100.0 * float(np.mean([scores[k][n] for k in keys])) for n in names}
        return out | {"pairs": float(len(keys))}

    majors: dict[str, list[str]] = defaultdict(list)
    minors: dict[str, list[str]] = defaultdict(list)
    for key, s in meta.items():
        majors[s.category or "-"].append(key)
        for minor in filter(None, s.facets.get("minor", "").split(";")):
            minors[minor.strip()].append(key)
    keys = list(scores)
    arrays = {n: np.asarray([scores[k][n] for k in keys]) for n in ("text", "video", "group")}
    return {"metrics": {n: v for n, v in figures(keys).items() if n != "pairs"},
            "by_category": {m: figures(k) for m, k in sorted(majors.items())},
            "buckets": {"minor": {m: figures(k) for m, k in sorted(minors.items())}} if minors
            else None, "n_counted": len(keys), "intervals": MeanIntervals(arrays)}  # fmt: skip


AGGREGATES: dict[str, Callable[[list[QARow], list[QASample], QAConfig], dict[str, Any]]] = {
    "micro": _micro,
    "pairs-by-type": lambda rows, samples, config: _pairs(rows),
    "text-video-group": lambda rows, samples, config: _text_video_group(rows, samples),
}


async def score(ctx: ScoreContext[QAConfig]) -> Scored:
    config = ctx.config
    answers, layout, warnings = _answers(ctx)
    samples: list[QASample] = list(ctx.samples)
    replies: dict[str, Any] = {}
    judge_info = None
    if config.judge is not None:
        from videoeval.scoring.qa_judging import judge_replies

        replies, judge_info = await judge_replies(ctx, samples, answers, config.judge)
    rows = [_row(s, answers.get(s.sample_id), s.sample_id in answers, config,
                 replies.get(s.sample_id)) for s in samples]  # fmt: skip
    if config.fallback is not None:
        rows, judge_info = await _fallback(ctx, samples, rows, config.fallback)
    if not any(isinstance(r.answer, str) or r.status == "parse_error" for r in rows):
        raise NothingToScoreError(
            f"nothing to score: no question of {ctx.benchmark.id} has an answer in "
            f"{ctx.source_name} ({len(answers)} answers read, {len(rows)} questions; question "
            f"ids look like {samples[0].sample_id!r}: check that the files belong together)",
            rows,
        )  # fmt: skip
    judged = [r for r in rows if r.sample_id in replies]
    if judged and all(r.status == "judge_error" for r in judged):
        raise NothingToScoreError(
            f"not one of the {len(judged)} captions of {ctx.benchmark.id} could be judged: "
            f"{judged[0].note}", rows,
        )  # fmt: skip
    if config.unread == "drop-video":
        dropped = {r.video_id for r in rows if r.status == "parse_error"}
        for r in rows:
            if r.video_id in dropped and r.correct is not None:
                r.correct, r.note = None, "another answer of this video is invalid: left out"
    figures = AGGREGATES[config.overall](rows, samples, config)
    unread = {
        "wrong": "counted wrong",
        "excluded": "left out of the denominator",
        "drop-video": "left out with every question of its video",
    }[config.unread]
    rule = (f"an answer no rule reads is parse_error and {unread}; a question without an answer "
            "(or whose call failed) is counted wrong")  # fmt: skip
    if config.overall != "micro":
        rule += "; N counts pairs"
    if config.fallback is not None:
        rule = (
            "an answer no rule reads goes to the judge, whose Correct / Incorrect rates it "
            "(a failed judgement, a null answer or a question without one count wrong)"
        )
    if config.judge is not None:
        empty = "-1" if config.empty_judge_reply == "minus-one" else "0"
        rule = (f"the judge's reply read by the rule; an empty reply is rated {empty}, one the "
                "rule does not read, a failed judge call, a missing or empty answer count "
                "wrong")  # fmt: skip
    return Scored(
        rows=rows, metrics=figures["metrics"], n_total=len(rows),
        n_scored=sum(r.status == "ok" for r in rows), n_counted=figures["n_counted"],
        failure_rule=rule, intervals=figures["intervals"], warnings=warnings,
        by_category=figures["by_category"], buckets=figures["buckets"], layout=layout,
        judge=judge_info,
        inputs={"predictions": ctx.source_name, "layout": layout},
    )  # fmt: skip
