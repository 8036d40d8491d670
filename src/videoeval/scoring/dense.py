"""``videoeval score activitynet-captions`` with a densevid results file: detection P/R at each
tIoU, and the language metrics per video (see ``metrics/dense.py``)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from videoeval import __version__
from videoeval.benchmarks.base import as_window, entry_problem, read_json
from videoeval.errors import InputError, NothingToScoreError, VideoevalError
from videoeval.metrics.dense import (
    THRESHOLDS,
    Caption,
    JunkRule,
    detection,
    pairs_at,
    remove_nonascii,
    tiou,
)
from videoeval.metrics.soda import SODA_AVERAGES, SodaAverage
from videoeval.predictions.dense import DensePredictions
from videoeval.schema import MetricsReport

REFERENCE = (
    "ranjaykrishna/densevid_eval evaluate.py (Python 3 port ttengwang/PDVC @ e81ff995 "
    "densevid_eval3/evaluate2018.py, evaluate2021.py); pycocoevalcap scorers"
)
LANGUAGE = ("Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4", "METEOR", "ROUGE_L", "CIDEr")


def read_references(path: Path) -> tuple[dict[str, list[Caption]], list[str]]:
    data = read_json(path)
    if not isinstance(data, dict):
        raise InputError(path, 'expected {vid: {"timestamps", "sentences"}}')
    out, problems = {}, []
    for vid, entry in data.items():
        try:
            windows = [as_window(w) for w in entry["timestamps"]]
            sentences = entry["sentences"]
            out[str(vid)] = [
                Caption(s, e, str(t)) for (s, e), t in zip(windows, sentences, strict=True)
            ]
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(f"{path.name}: {vid}: {entry_problem(exc)}")
    return out, problems


class _EndedProcess:
    """Stands in for a METEOR process already ended, so ending it again does nothing."""

    class _Pipe:
        def close(self) -> None:
            pass

    stdin = _Pipe()

    def kill(self) -> None:
        pass

    def wait(self) -> None:
        pass


_LINE_BREAKS = dict.fromkeys(map(ord, "\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"), " ")


class LanguageScorers:
    """pycocoevalcap's scorers, created once: one METEOR process for the whole run."""

    def __init__(self) -> None:
        try:
            from pycocoevalcap.bleu.bleu import Bleu
            from pycocoevalcap.cider.cider import Cider
            from pycocoevalcap.meteor.meteor import Meteor
            from pycocoevalcap.rouge.rouge import Rouge
            from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer
        except ImportError:
            raise VideoevalError(
                "language metrics need pycocoevalcap and Java: pip install 'videoeval[dense]' "
                "(or pass --no-language for P/R only)"
            ) from None
        self.tokenizer = PTBTokenizer()
        self.scorers = [(Bleu(4), LANGUAGE[:4]), (Meteor(), ("METEOR",)), (Rouge(), ("ROUGE_L",)),
                        (Cider(), ("CIDEr",))]  # fmt: skip

    def tokenize(self, sentences: list[str]) -> list[str]:
        # The tokenizer only turns "\n" into a space; other line breaks split a sentence in the
        # Java process and shift every later sentence's tokens (the reference scores then depend
        # on the hash seed). As spaces they score as the sentence was meant.
        clean = [s.translate(_LINE_BREAKS) for s in sentences]
        tokens = self.tokenizer.tokenize({i: [{"caption": s}] for i, s in enumerate(clean)})
        return [tokens[i][0] for i in range(len(sentences))]

    def close(self) -> None:
        """End the METEOR process and close its pipes (its own ``__del__`` leaves two open)."""
        meteor = self.scorers[1][0]
        process = getattr(meteor, "meteor_p", None)
        if process is not None:
            for pipe in (process.stdin, process.stdout, process.stderr):
                if pipe is not None:
                    pipe.close()
            process.kill()
            process.wait()
            meteor.meteor_p = _EndedProcess()  # what its __del__ will find

    def video_scores(self, pairs: list[tuple[str, str]]) -> dict[str, float]:
        res = {i: [p] for i, (p, _) in enumerate(pairs)}
        gts = {i: [g] for i, (_, g) in enumerate(pairs)}
        out: dict[str, float] = {}
        for scorer, names in self.scorers:
            if names == LANGUAGE[:4]:  # Bleu prints its counts unless told not to
                score, _ = scorer.compute_score(gts, res, verbose=0)
            else:
                score, _ = scorer.compute_score(gts, res)
            values = score if isinstance(score, list) else [score]
            out.update({n: float(v) for n, v in zip(names, values, strict=True)})
        return out


def score_dense(
    references: Sequence[dict[str, list[Caption]]],
    predictions: DensePredictions,
    thresholds: Sequence[float] = THRESHOLDS,
    language: bool = True,
    junk: JunkRule = "densevid-2018",
    seed: int = 0,
    soda_missing: str = "drop",
    soda_average: SodaAverage = "videos",
) -> tuple[MetricsReport, list[dict[str, Any]]]:
    videos = sorted({vid for refs in references for vid in refs})
    if not videos:
        raise NothingToScoreError("the reference files hold no videos")
    rows: list[dict[str, Any]] = []
    sums = {f"{k}@{t:g}": 0.0 for t in thresholds for k in ("P", "R")}
    for vid in videos:
        preds = predictions.captions.get(vid, [])
        refs = [r[vid] for r in references if vid in r]
        status = "ok" if preds else "missing_prediction"
        if vid in predictions.unparsed:
            status = "parse_error"
        row: dict[str, Any] = {"video_id": vid, "n_predictions": len(preds), "status": status}
        for t in thresholds:
            p, r = detection(preds, refs, t)
            row[f"P@{t:g}"], row[f"R@{t:g}"] = p, r
            sums[f"P@{t:g}"] += p
            sums[f"R@{t:g}"] += r
        rows.append(row)
    metrics = {k: 100 * v / len(videos) for k, v in sums.items()}
    metrics["precision"] = sum(metrics[f"P@{t:g}"] for t in thresholds) / len(thresholds)
    metrics["recall"] = sum(metrics[f"R@{t:g}"] for t in thresholds) / len(thresholds)
    p, r = metrics["precision"], metrics["recall"]
    metrics["F1"] = 2 * p * r / (p + r) if p + r else 0.0
    if language:
        scorers = LanguageScorers()  # one tokenizer and one METEOR process for everything
        try:
            metrics.update(
                _language_scores(
                    videos, references, predictions, thresholds, junk, seed, rows, scorers
                )
            )
            metrics.update(
                soda_c(references, predictions, soda_missing, scorers, average=soda_average)
            )
        finally:
            scorers.close()
    unknown = sorted(set(predictions.captions) - set(videos))
    missing = sum(r["status"] == "missing_prediction" for r in rows)
    unparsed = sum(r["status"] == "parse_error" for r in rows)
    warnings = [f"{missing} GT videos have no predictions: they score 0, as in the reference"]
    if unparsed:
        warnings.append(f"{unparsed} answers gave no timed events: those videos score 0")
    if language and metrics.get("SODA_c_dropped_videos"):
        warnings.append(
            f"SODA_c left out {int(metrics['SODA_c_dropped_videos'])} GT videos without "
            "predictions, as its reference does (--soda-missing zero counts them)"
        )
    if unknown:
        warnings.append(f"{len(unknown)} predicted videos are in no reference file: {unknown[:5]}")
    if predictions.truncated:
        warnings.append(f"{predictions.truncated} videos had over 1000 proposals: cut to 1000")
    warnings.extend(predictions.problems[:20])
    report = MetricsReport(
        benchmark="activitynet-captions",
        task="dense_captioning",
        protocol=f"densevid ({junk} junk string)" if language else "densevid (P/R only)",
        protocol_reference=REFERENCE,
        n_total=len(videos),
        n_scored=len(videos) - missing - unparsed,
        n_counted=len(videos),
        metrics=metrics,
        ci95={},
        failures={
            k: n for k, n in (("missing_prediction", missing), ("parse_error", unparsed)) if n
        },
        failure_rule="GT videos without (readable) predictions count as 0 (the reference's rule)",
        inputs={
            "thresholds": ",".join(f"{t:g}" for t in thresholds),
            "junk": junk,
            "junk_seed": seed,
            "soda_average": f"{soda_average}: {SODA_AVERAGES[soda_average]}" if language else None,
            "soda_missing": soda_missing if language else None,
            "predictions_unknown": len(unknown),
        },
        warnings=warnings,
        videoeval_version=__version__,
    )
    return report, rows


def _language_scores(
    videos: list[str],
    references: Sequence[dict[str, list[Caption]]],
    predictions: DensePredictions,
    thresholds: Sequence[float],
    junk: JunkRule,
    seed: int,
    rows: list[dict[str, Any]],
    scorers: LanguageScorers,
) -> dict[str, float]:
    rng = random.Random(seed)
    per: dict[tuple[str, float], list[tuple[str, str]]] = {}
    sentences: dict[str, None] = {}
    for t in thresholds:
        for vid in videos:
            pairs = pairs_at(predictions.captions.get(vid, []),
                             [r[vid] for r in references if vid in r], t, junk, rng)  # fmt: skip
            per[(vid, t)] = pairs
            for pred, ref in pairs:
                sentences.setdefault(pred)
                sentences.setdefault(ref)
    ordered = list(sentences)
    tokens = dict(zip(ordered, scorers.tokenize(ordered), strict=True)) if ordered else {}
    totals = {(name, t): 0.0 for name in LANGUAGE for t in thresholds}
    for row, vid in zip(rows, videos, strict=True):
        for t in thresholds:
            pairs = [(tokens[p], tokens[g]) for p, g in per[(vid, t)]]
            if not pairs:
                continue  # a video without predictions scores 0
            scores = scorers.video_scores(pairs)
            row[f"METEOR@{t:g}"] = scores["METEOR"]
            for name in LANGUAGE:
                totals[(name, t)] += scores[name]
    return {
        name: 100 * sum(totals[(name, t)] for t in thresholds) / len(thresholds) / len(videos)
        for name in LANGUAGE
    }


def soda_c(
    references: Sequence[dict[str, list[Caption]]],
    predictions: DensePredictions,
    missing: str = "drop",
    scorers: LanguageScorers | None = None,
    average: SodaAverage = "videos",
) -> dict[str, float]:
    """SODA_c over merged references (see ``metrics/soda.py``); ``missing`` is ``drop`` (the
    reference) or ``zero``; ``average`` is ``videos`` (fujiso/SODA @ 9cb3e2c, PDVC) or
    ``corpus`` (fujiso/SODA @ 356ec65)."""
    from videoeval.metrics.soda import dp_alignment, soda_aggregate

    videos = sorted({vid for refs in references for vid in refs})
    scored = [v for v in videos if predictions.captions.get(v)]
    # Each merged event keeps the index of its reference file: the per-file rows of the merged
    # matrix are the matrix SODA builds from that file alone (same stable sort by start).
    merged = {
        v: sorted(
            ((k, c) for k, refs in enumerate(references) if v in refs for c in refs[v]),
            key=lambda kc: kc[1].start,
        )
        for v in videos
    }
    preds = {v: sorted(predictions.captions[v], key=lambda c: c.start) for v in scored}
    own = scorers is None
    scorers = scorers or LanguageScorers()
    matrices: dict[str, np.ndarray] = {}
    try:
        sentences = list(
            dict.fromkeys(
                [remove_nonascii(c.sentence) for v in scored for c in preds[v]]
                + [remove_nonascii(c.sentence) for v in scored for _, c in merged[v]]
            )
        )
        tokens = dict(zip(sentences, scorers.tokenize(sentences), strict=True)) if sentences else {}
        meteor = scorers.scorers[1][0]
        for v in scored:
            pred_tokens = {j: [tokens[remove_nonascii(c.sentence)]] for j, c in enumerate(preds[v])}
            matrix = np.zeros((len(merged[v]), len(preds[v])))
            for i, (_, gt) in enumerate(merged[v]):
                gt_token = tokens[remove_nonascii(gt.sentence)]
                # As the reference: the GT sentence is the hypothesis, each prediction a reference.
                _, per_pred = meteor.compute_score(
                    pred_tokens, {j: [gt_token] for j in pred_tokens}
                )
                for j, pred in enumerate(preds[v]):
                    matrix[i, j] = tiou((gt.start, gt.end), (pred.start, pred.end)) * per_pred[j]
            matrices[v] = matrix
    finally:
        if own:
            scorers.close()

    def per_video(files: set[int]) -> tuple[list[tuple[float, int, int]], int, int]:
        """``(dp score, #gt, #pred)`` per video of ``files``, scored videos, dropped videos."""
        scores: list[tuple[float, int, int]] = []
        n_videos, dropped = 0, 0
        for v in videos:
            if not any(v in references[k] for k in files):
                continue
            rows = [i for i, (k, _) in enumerate(merged[v]) if k in files]
            if v not in preds:
                dropped += 1
                if missing == "zero":
                    scores.append((0.0, len(rows), 0))
                continue
            scores.append((dp_alignment(matrices[v][rows]), len(rows), len(preds[v])))
            n_videos += 1
        return scores, n_videos, dropped

    scores, n_videos, dropped = per_video(set(range(len(references))))
    precision, recall, f1 = soda_aggregate(scores, average)
    result = {
        "SODA_c": 100 * f1,
        "SODA_c_precision": 100 * precision,
        "SODA_c_recall": 100 * recall,
        "SODA_c_videos": float(n_videos),
        "SODA_c_dropped_videos": float(dropped) if missing == "drop" else 0.0,
    }
    if len(references) > 1:
        # PDVC's eval_soda: SODA_c once per reference file, the F1s averaged (papers report this).
        per_file = [soda_aggregate(per_video({k})[0], average)[2] for k in range(len(references))]
        result["SODA_c_per_reference"] = 100 * sum(per_file) / len(per_file)
    return result
