"""What a grounding score says besides its figures: the warnings that tell what the annotation
and prediction files held (repeats, unknown queries, unread answers, odd GT windows, durations,
keys that hold another GT), and the refusal of files that do not belong together."""

from __future__ import annotations

from collections import Counter
from typing import Any

from videoeval.errors import InputError
from videoeval.parsing.spans import PARSERS, READS
from videoeval.predictions.grounding import PredictionFile
from videoeval.protocols.grounding import PROTOCOLS, GroundingProtocol
from videoeval.schema import GroundingRow, GroundingSample, Span
from videoeval.scoring.grounding import NOT_FINITE, GroundingScores
from videoeval.scoring.grounding_join import Joined, hint_differs

MAX_LISTED = 20


def score_warnings(
    joined: Joined,
    scores: GroundingScores,
    protocol: GroundingProtocol,
    statuses: Counter[Any],
    skipped_annotations: list[str],
    gt_differs: list[str],
    predictions: PredictionFile,
) -> list[str]:
    """Every warning of a score, in the order metrics.json lists them."""
    warnings = _warnings(
        joined, scores, protocol, statuses, protocol.missing, skipped_annotations, gt_differs
    )
    warnings.extend(gt_warnings(joined.samples))
    warnings.extend(unread_answers(scores.rows, protocol))
    warnings.extend(native_scorer(predictions.layout, protocol))
    warnings.extend(_listed(list(skipped_annotations or [])))
    warnings.extend(_listed(predictions.skipped))
    return warnings


def duration_warnings(samples: list[GroundingSample], given: dict[str, float] | None) -> list[str]:
    """Durations that cover few videos, and GT spans that end past their video's end."""
    warnings = []
    videos = {s.video_id for s in samples}
    if given is not None:
        covered = len(videos & set(given))
        if covered < len(videos):
            warnings.append(f"--durations covers {covered} of the {len(videos)} GT videos")
    past = [s for s in samples if s.duration and _ends_past(s.windows, s.duration + 0.5)]
    if past:
        warnings.append(
            f"{len(past)} GT spans end past their video's duration (e.g. {past[0].sample_id}: "
            f"{max(w[1] for w in past[0].windows)} s of {past[0].duration} s)"
        )
    return warnings


def _ends_past(windows: tuple[Span, ...], limit: float) -> bool:
    for window in windows:  # noqa: SIM110 (a loop is 3x any() over a generator: 100k queries)
        if window[1] > limit:
            return True
    return False


def _odd(windows: tuple[Span, ...]) -> bool:
    for window in windows:  # noqa: SIM110 (as above)
        if window[1] <= window[0] or window[0] < 0:  # reversed, zero-length or negative
            return True
    return False


def unread_answers(rows: list[GroundingRow], protocol: GroundingProtocol) -> list[str]:
    """How many text answers the protocol's parser could not read, with one example, and how
    many of them another reference's parser reads (a model that writes "from 0.9 to 4.4
    seconds" is read by some and not by others)."""
    unread = [r for r in rows if r.status == "parse_error" and r.answer and not r.parsed]
    if not unread:
        return []
    example = unread[0]
    assert example.answer is not None
    text = (
        f"{len(unread)} answers hold no span the {protocol.parser} parser reads "
        f"({READS[protocol.parser]}): parse_error, e.g. {example.sample_id}: "
        f"{example.answer[:80]!r}"
    )
    probe = [r.answer for r in unread[:200] if r.answer]
    read_by = {
        name: sum(bool(PARSERS[name](answer).spans) for answer in probe)
        for name in PARSERS
        if name != protocol.parser
    }
    best = max(read_by, key=read_by.__getitem__)
    if read_by[best]:
        text += f"; the {best} parser reads {read_by[best]} of the first {len(probe)}"
    return [text]


def gt_warnings(samples: list[GroundingSample]) -> list[str]:
    """GT windows no answer can meet as the file says they are: reversed, zero-length or
    negative. They are scored as given (the reference scores them so), and said."""
    odd = [s for s in samples if _odd(s.windows)]
    if not odd:
        return []
    return [
        f"{len(odd)} GT queries have a reversed, zero-length or negative window (e.g. "
        f"{odd[0].sample_id}: {list(odd[0].windows[0])}): scored as given, as the reference does"
    ]


def _listed(lines: list[str]) -> list[str]:
    if len(lines) <= MAX_LISTED:
        return lines
    return [*lines[:MAX_LISTED], f"... and {len(lines) - MAX_LISTED} more"]


def hints_that_differ(joined: Joined) -> list[str]:
    """The answered queries whose result key holds another GT span than the annotation's."""
    samples = {s.sample_id: s for s in joined.samples}
    return [
        sample_id
        for sample_id, pred in joined.predictions.items()
        if pred.gt_hint is not None and hint_differs(pred.gt_hint, samples[sample_id].windows[0])
    ]


def _key_gt_differs(differs: list[str]) -> list[str]:
    if not differs:
        return []
    return [
        f"{len(differs)} result keys hold a GT span other than the annotation's (e.g. "
        f"{differs[0]}; float16 copies of Charades-STA round 24.3 to 24.296875): scored against "
        "the key's span, as the reference does"
    ]


def refuse_foreign_ids(joined: Joined, benchmark_id: str) -> None:
    """Ids that match by coincidence (QVHighlights qids against Charades-STA ids) show as
    predictions whose video differs from the GT's: when most do, the files do not belong
    together, and no figure should come out."""
    mismatched = len(joined.id_mismatches)
    if mismatched >= 10 and mismatched * 2 > joined.by_id:
        raise InputError(
            joined.id_mismatches[0].split(":", 1)[0],
            f"{mismatched} of the {joined.by_id} predictions given by id name another video than "
            f"{benchmark_id}'s GT under that id ({joined.id_mismatches[0]}): these files do not "
            "belong together",
        )


def _warnings(
    joined: Joined,
    scores: GroundingScores,
    protocol: GroundingProtocol,
    statuses: Counter[Any],
    missing_rule: str,
    skipped_annotations: list[str] | None = None,
    gt_differs: list[str] | None = None,
) -> list[str]:
    warnings: list[str] = []
    repeated = (
        []
        if joined.unique_ids  # a Counter of every id was the peak of a million-query score
        else [i for i, n in Counter(s.sample_id for s in joined.samples).items() if n > 1]
    )
    if repeated:
        warnings.append(
            f"{len(repeated)} GT ids appear more than once (e.g. {repeated[0]}): a prediction "
            "given by id is scored once per repeat"
        )
    if joined.unknown:
        warnings.append(
            f"{len(joined.unknown)} predictions match no GT query and were not scored: "
            + ", ".join(p.origin for p in joined.unknown[:5])
        )
    n_missing = statuses.get("missing_prediction", 0)
    if n_missing:
        rule = "counted as misses (IoU 0)" if missing_rule == "miss" else "left out of N"
        warnings.append(f"{n_missing} GT queries have no prediction: {rule}")
    if joined.duplicates:
        if protocol.every_line:
            named = ", ".join(list(joined.history)[:5])
            warnings.append(
                f"{joined.duplicates} lines repeat a query already answered (e.g. {named}; a "
                "resumed run appends from the start again): every line is scored and counted, "
                "as the reference's metric does"
            )
        else:
            rule = (
                "mAP pools their windows, the rest uses the last one"
                if protocol.map_pools_repeats
                else "the last one was used"
            )
            warnings.append(f"{joined.duplicates} predictions repeat a query: {rule}")
    if joined.by_position:
        warnings.append(
            f"{joined.by_position} predictions name their query by its index among the video's "
            "queries (VTimeLLM's sentence_id), counted in the annotation file's order"
            + (
                f"; {len(skipped_annotations)} annotation entries were skipped, which shifts the "
                "index of every later query of their video"
                if skipped_annotations
                else ""
            )
        )
    if joined.collapsed_samples:
        warnings.append(
            f"{joined.collapsed_samples} GT queries repeat a (video, query, span) key and were "
            "collapsed, as the reference does"
        )
    if protocol.gt_from_key:
        warnings.extend(_key_gt_differs(gt_differs or []))
    not_finite = sum(1 for r in scores.rows if r.note and NOT_FINITE in r.note)
    if not_finite:
        warnings.append(
            f"{not_finite} predictions hold a window with a NaN or infinite bound: a first "
            "window that is not finite scores IoU 0 (invalid span); the other windows are kept "
            "(Python's max/min in some reference scorers skip a NaN instead)"
        )
    if protocol.with_highlights:
        warnings.extend(_highlight_warnings(joined))
    keyed = sum(1 for p in joined.unknown if p.gt_hint is not None)
    if protocol.gt_from_key and keyed:
        warnings.append(
            f"{keyed} result keys name no query of the annotation file: the reference scores "
            "them against the GT in their key (its N counts them); here they are left out"
        )
    warnings.extend(_listed(joined.id_mismatches))
    return warnings


def native_scorer(layout: str, protocol: GroundingProtocol) -> list[str]:
    native = [p.name for p in PROTOCOLS.values() if layout in p.native_layouts]
    if not native or protocol.name in native:
        return []
    return [
        f"{layout} files had their own scorer, reproduced by --protocol {' / '.join(native)} "
        f"(see `videoeval list`); {protocol.name} gives another figure"
    ]


def _highlight_warnings(joined: Joined) -> list[str]:
    """Highlight parts left out: Moment-DETR's eval_highlight stops at such a line (a NaN
    score, a line without scores once the first line had some); here the line's windows
    are scored and its highlight part is left out of the HL-* means."""
    scored = [p for p in joined.predictions.values() if p.saliency is not None]
    broken = [p for p in joined.predictions.values() if p.saliency_problem is not None]
    absent = [
        p for p in joined.predictions.values() if p.saliency is None and p.saliency_problem is None
    ]
    warnings = []
    if broken:
        warnings.append(
            f"{len(broken)} predictions have unusable pred_saliency_scores (e.g. "
            f"{broken[0].origin}: {broken[0].saliency_problem}): their windows are scored, "
            "their highlight part is left out of the HL-* figures (the reference stops there)"
        )
    if absent and (scored or broken):
        warnings.append(
            f"{len(absent)} predictions have no pred_saliency_scores (e.g. {absent[0].origin}): "
            "left out of the HL-* means (the reference stops there)"
        )
    return warnings
