"""A grounding prediction file scored as it is read (``scoring/grounding_stream.py``) gives what
reading it whole, joining and scoring gives: the same rows, figures, intervals, warnings and
inputs, for every protocol that streams and the lines that occur in real files; the files and
protocols that need every line at once are scored by that path, with the same result."""

from __future__ import annotations

import json
import math
import random
import threading
from pathlib import Path

import pytest

import videoeval
from tests.scoring.helpers import reference_miou, shuffled_results
from videoeval.benchmarks import get_benchmark
from videoeval.metrics import poisson_bootstrap
from videoeval.metrics.bootstrap import resampling
from videoeval.options import ScoringOptions
from videoeval.predictions.grounding import read_predictions
from videoeval.protocols import protocol_info
from videoeval.protocols.grounding import PROTOCOLS, get_protocol
from videoeval.scoring import grounding_scorer
from videoeval.scoring.base import ScoreContext, Scored
from videoeval.scoring.grounding_scorer import scored_file, scored_predictions
from videoeval.scoring.grounding_stream import stream_scored

STREAMED = sorted(
    name for name, p in PROTOCOLS.items() if not (p.map_pools_repeats or p.with_highlights)
)


def annotations(root: Path, videos: int = 30, seed: int = 0) -> Path:
    rng = random.Random(seed)
    bench = {}
    for v in range(videos):
        spans, queries = [], []
        for q in range(4):
            start = round(rng.uniform(0, 60), 1)
            spans.append([start, round(start + rng.uniform(1, 30), 1)])
            queries.append(f"person does thing {q} in video {v}.")
        bench[f"vid{v}"] = {"duration": 95.5, "spans": spans, "queries": queries}
    bench["vid0"]["spans"][1] = [3, 7]  # ints, as some copies write them
    path = root / "charades-timelens.json"
    path.write_text(json.dumps(bench))
    return path


def result_file(root: Path, ann: Path, seed: int = 1) -> Path:
    """TimeLens result lines in another order than the annotation's, with what real files
    hold: answers without timestamps, unreadable answers, a NaN bound, a key whose GT span
    is a float16 copy, a query written in other case and spacing, an unknown query, lines that
    are not JSON or blank, and queries left unanswered."""
    rng = random.Random(seed)
    bench = json.loads(ann.read_text())
    lines = []
    for vid, entry in bench.items():
        for span, query in zip(entry["spans"], entry["queries"], strict=True):
            key = f"{vid}.mp4>>>{query.rstrip('.')}>>>{span}"
            start = rng.randint(0, 50)
            lines.append({key: {"timestamps": [[start, start + rng.randint(0, 40)]],
                                "answers": f"From {start} to {start + 9} seconds."}})  # fmt: skip
    rng.shuffle(lines)
    text = [json.dumps(line) for line in lines[:-6]]  # the last six have no line
    text[2] = text[2].replace('"timestamps": [[', '"timestamps": [[NaN, ').replace(", 0]]", "]]")
    first_key = next(iter(lines[4]))
    text[4] = json.dumps({first_key: {"answers": "It happens from 3.5 to 9 seconds."}})
    text[5] = json.dumps({next(iter(lines[5])): {"answers": "I cannot tell."}})
    vid, query, span = next(iter(lines[6])).split(">>>")
    start, end = json.loads(span)
    float16 = f"[{start + 0.00390625}, {end}]"
    text[6] = json.dumps({f"{vid}>>>{query}>>>{float16}": lines[6][next(iter(lines[6]))]})
    vid, query, span = next(iter(lines[7])).split(">>>")
    text[7] = json.dumps({f"{vid}>>>  {query.upper()} .>>>{span}": {"timestamps": [[1, 2]]}})
    text.insert(9, json.dumps({"vid0.mp4>>>nobody asked this>>>[1, 2]": {"timestamps": [[1, 2]]}}))
    text.insert(11, "{not json")
    text.insert(12, "")
    path = root / "result.jsonl"
    path.write_text("\n".join(text) + "\n")
    return path


def simple_file(root: Path, ann: Path) -> Path:
    """The simple layout: text answers by (video, query) and spans by id."""
    samples = get_benchmark("timelens-charades").load(ann).samples
    rows = []
    for k, sample in enumerate(samples[:-3]):
        if k % 3:
            text = f"The event happens at {k % 20}.5 - {k % 20 + 6} seconds."
            rows.append({"vid": sample.video_id, "query": sample.query, "answer": text})
        else:
            rows.append({"id": sample.sample_id, "span": [k % 30, k % 30 + 4.25]})
    rows[7]["answer"] = "no idea"
    path = root / "answers.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows[::-1]))
    return path


def context(ann: Path, protocol: str, bootstrap: int = 200) -> ScoreContext:
    benchmark = get_benchmark("timelens-charades")
    loaded = benchmark.load(ann)
    return ScoreContext(
        benchmark, benchmark.view("grounding"), protocol_info(protocol), get_protocol(protocol),
        ann, loaded.samples, loaded.skipped, None, None, ScoringOptions(bootstrap, 0),
    )  # fmt: skip


def assert_same(streamed: Scored, whole: Scored) -> None:
    assert streamed.rows == whole.rows
    assert streamed.metrics == whole.metrics
    assert streamed.warnings == whole.warnings
    assert streamed.inputs == whole.inputs
    assert (streamed.n_total, streamed.n_scored, streamed.n_counted) == (
        whole.n_total, whole.n_scored, whole.n_counted)  # fmt: skip
    assert streamed.intervals is not None and whole.intervals is not None
    assert streamed.intervals(200, 3) == whole.intervals(200, 3)


@pytest.mark.parametrize("protocol", STREAMED)
@pytest.mark.parametrize("layout", ["timelens-result", "simple"])
def test_a_file_scored_as_read_equals_it_read_whole(tmp_path: Path, protocol, layout) -> None:
    ann = annotations(tmp_path)
    path = result_file(tmp_path, ann) if layout == "timelens-result" else simple_file(tmp_path, ann)
    ctx = context(ann, protocol)
    assert stream_scored(ctx.samples, path, ctx.config, ctx.benchmark.id) is not None
    streamed = scored_file(ctx, path, {"predictions": path.name})
    whole = scored_predictions(ctx, read_predictions(path), {"predictions": path.name})
    assert_same(streamed, whole)
    statuses = {row.status for row in streamed.rows}
    assert {"ok", "missing_prediction"} <= statuses
    assert streamed.inputs["predictions_unknown"] == (layout == "timelens-result")
    if PROTOCOLS[protocol].gt_from_key and layout == "timelens-result":
        assert any("float16" in w for w in streamed.warnings)


def test_the_running_sum_follows_the_file_when_scored_as_read(tmp_path: Path) -> None:
    # TimeLens adds the IoUs up in its result dict's order, which decides mIoU's last digits:
    # a row's place in that sum must come from its line, not from the annotation.
    ann, path, lines = shuffled_results(tmp_path)
    ctx = context(ann, "timelens")
    assert stream_scored(ctx.samples, path, ctx.config, ctx.benchmark.id) is not None
    outcome = videoeval.score(videoeval.ScoreRequest("timelens-charades", predictions=path,
                                                     annotations=ann))  # fmt: skip
    ious = [row.iou for row in outcome.rows]
    assert math.fsum(ious) * 100 / len(ious) != reference_miou(lines)  # the order shows
    assert outcome.report.metrics["mIoU"] == reference_miou(lines)


@pytest.mark.parametrize("protocol", ["timelens", "vtimellm", "lmms-eval"])
def test_a_query_answered_twice_is_scored_from_the_whole_file(tmp_path: Path, protocol) -> None:
    ann = annotations(tmp_path)
    path = result_file(tmp_path, ann)
    with open(path, "a") as handle:  # a resumed run appends from the start again
        handle.write(path.read_text().splitlines()[0] + "\n")
    ctx = context(ann, protocol)
    assert stream_scored(ctx.samples, path, ctx.config, ctx.benchmark.id) is None
    scored = scored_file(ctx, path, {})
    assert_same(scored, scored_predictions(ctx, read_predictions(path), {}))
    assert any("repeat" in w for w in scored.warnings)


def test_an_annotation_that_repeats_a_query_is_joined_whole(tmp_path: Path) -> None:
    ann = annotations(tmp_path)
    bench = json.loads(ann.read_text())
    bench["vid3"]["queries"][2] = bench["vid3"]["queries"][1]
    ann.write_text(json.dumps(bench))
    path = result_file(tmp_path, ann)
    ctx = context(ann, "timelens")
    assert stream_scored(ctx.samples, path, ctx.config, ctx.benchmark.id) is None
    assert_same(scored_file(ctx, path, {}), scored_predictions(ctx, read_predictions(path), {}))


def test_pooling_and_saliency_protocols_read_the_whole_file(tmp_path: Path) -> None:
    ann = annotations(tmp_path)
    ctx = context(ann, "moment-detr")
    assert stream_scored(ctx.samples, simple_file(tmp_path, ann), ctx.config, "x") is None


def test_videoeval_score_scores_a_result_file_as_it_reads_it(tmp_path: Path, monkeypatch) -> None:
    ann = annotations(tmp_path)
    path = result_file(tmp_path, ann)
    whole = scored_predictions(context(ann, "timelens"), read_predictions(path), {})

    def refused(*_: object) -> None:
        raise AssertionError("every record of the file was read at once")

    monkeypatch.setattr(grounding_scorer, "read_predictions", refused)
    outcome = videoeval.score(videoeval.ScoreRequest("timelens-charades", predictions=path,
                                                     annotations=ann))  # fmt: skip
    assert outcome.rows == whole.rows
    assert outcome.report.metrics == whole.metrics


def test_ious_go_to_the_bootstrap_while_the_file_follows_the_gt(tmp_path: Path, monkeypatch):
    """A file in the annotation's order hands each IoU to the ``poisson`` bootstrap as it is
    scored; the intervals are those of the whole file scored at the end, in order or not."""
    monkeypatch.setattr(poisson_bootstrap, "BLOCK", 16)
    monkeypatch.setattr(poisson_bootstrap, "POISSON_FROM", 50)
    ann = annotations(tmp_path, videos=40)
    samples = get_benchmark("timelens-charades").load(ann).samples
    lines = [json.dumps({"vid": s.video_id, "query": s.query, "answer": f"{k % 50} - {k % 50 + 9}"})
             for k, s in enumerate(samples)]  # fmt: skip
    in_order, shuffled = tmp_path / "in-order.jsonl", tmp_path / "shuffled.jsonl"
    in_order.write_text("\n".join(lines) + "\n")
    random.Random(0).shuffle(lines)
    shuffled.write_text("\n".join(lines) + "\n")
    summed: list[tuple[bool, int]] = []  # (on the stream's worker, block)
    block_sums = poisson_bootstrap.block_sums

    def counted(*args):
        worker = threading.current_thread().name.startswith("videoeval-bootstrap")
        summed.append((worker, args[-1]))
        return block_sums(*args)

    monkeypatch.setattr(poisson_bootstrap, "block_sums", counted)
    ctx = context(ann, "timelens", bootstrap=300)
    streamed = scored_file(ctx, in_order, {})
    whole = scored_predictions(ctx, read_predictions(in_order), {})
    assert streamed.intervals is not None and whole.intervals is not None
    from_stream = streamed.intervals(300, 0)
    # the stream's worker summed all 10 blocks as the lines were scored; nothing at the end
    assert sorted(summed) == [(True, block) for block in range(10)]
    assert from_stream == whole.intervals(300, 0)
    assert sorted(summed)[:10] == [(False, block) for block in range(10)]  # the whole file's
    out_of_order = scored_file(ctx, shuffled, {})
    assert out_of_order.intervals is not None
    assert out_of_order.intervals(300, 0) == from_stream
    with resampling("percentile"):
        assert whole.intervals(300, 0) != from_stream
