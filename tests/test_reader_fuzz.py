"""Every reader of a user's file, fuzzed: hostile JSON (deep nesting, 400-digit numbers, NaN,
infinities, a byte-order mark, wrong types in every field) either reads, with the bad entries
skipped and counted, or is refused with an error that names the file. Never a traceback, and
within a time and memory bound."""

from __future__ import annotations

import contextlib
import json
import math
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from videoeval.benchmarks import BENCHMARKS
from videoeval.errors import VideoevalError

pytestmark = pytest.mark.cost(25)

HUGE = int("9" * 400)
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.sampled_from([HUGE, -HUGE, 1e308, 0.5]),
    st.sampled_from([math.nan, math.inf, -math.inf]), st.text(max_size=8),
    st.sampled_from(["1+1+1", "- - - -", "[1e999, 2]", "v1.mp4>>>q>>>[0, 1]", "00:01:02"]),
)  # fmt: skip
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                max_size=4),
    max_leaves=12,
)  # fmt: skip
KEYS = ["vid", "query", "answer", "span", "id", "qid", "pred_relevant_windows",
        "pred_saliency_scores", "timestamps", "sentences", "duration", "video_path", "pred",
        "conf", "task", "video_id", "info", "results", "timestamp", "sentence", "caption",
        "image_id", "idx", "prediction", "messages", "dataset", "spans", "queries", "q", "a",
        "relevant_windows", "saliency_scores", "relevant_clip_ids", "events", "settings",
        "generated_cap", "vname", "grounder_success", "source"]  # fmt: skip
RECORDS = st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=6)
DEEP = "[" * 100_000 + "]" * 100_000


def _documents() -> st.SearchStrategy[str]:
    one = st.one_of(RECORDS, st.lists(RECORDS, max_size=3),
                    st.dictionaries(st.text(max_size=8), RECORDS, max_size=3))  # fmt: skip
    jsonl = st.lists(RECORDS, min_size=1, max_size=4).map(
        lambda rows: "\n".join(json.dumps(r) for r in rows)
    )
    text = st.one_of(one.map(json.dumps), jsonl, st.sampled_from(["", "{}", "[]", "x"]))
    return st.tuples(st.booleans(), text).map(lambda bt: ("\ufeff" if bt[0] else "") + bt[1])


def _readers() -> dict[str, Callable[[Path], Any]]:
    from videoeval.api.score import read_run
    from videoeval.engine.log import read_log
    from videoeval.engine.run_folder import caption_predictions_from_log, predictions_from_log
    from videoeval.predictions.captions import read_caption_predictions
    from videoeval.predictions.dense import read_dense_answers, read_dense_predictions
    from videoeval.predictions.grounding import read_predictions
    from videoeval.scoring.audit_export import read_subset
    from videoeval.scoring.dense import read_references
    from videoeval.scoring.grounding_scorer import read_durations
    from videoeval.video.presets import read_preset_file

    readers: dict[str, Callable[[Path], Any]] = {
        "grounding predictions": read_predictions,
        "caption predictions": read_caption_predictions,
        "dense predictions": read_dense_predictions,
        "dense answers": read_dense_answers,
        "dense references": read_references,
        "durations": read_durations,
        "subset": read_subset,
        "preset": read_preset_file,
        "responses log": read_log,
        "responses as grounding predictions": lambda path: predictions_from_log(read_log(path)),
        "responses as caption predictions": lambda path: caption_predictions_from_log(
            read_log(path)
        ),
        "run folder": lambda path: read_run(path.parent),
    }
    for benchmark in BENCHMARKS.values():
        for view in benchmark.views:
            readers[f"{benchmark.id} {view.task}"] = view.load
    return readers


READERS = _readers()


def _read(name: str, document: str, folder: Path) -> None:
    path = folder / ("run.json" if name == "run folder" else "input.json")
    if name == "durations" and not document.lstrip("\ufeff").startswith(("{", "[")):
        path = folder / "input.csv"
    path.write_text(document, encoding="utf-8")
    tracemalloc.start()
    try:
        READERS[name](path)
    except VideoevalError as exc:
        assert str(exc)
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert peak < 64 * 2**20, f"{name} took {peak / 2**20:.0f} MB for {len(document)} bytes"


@pytest.mark.parametrize("name", sorted(READERS))
@settings(
    max_examples=60,
    deadline=5000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(document=_documents())
def test_readers_never_raise_anything_but_a_clear_error(name, document, tmp_path_factory) -> None:
    _read(name, document, tmp_path_factory.mktemp("fuzz"))


N400 = "9" * 400
HOSTILE = {
    "nested 100k deep": DEEP,
    "nested in a record": '{"vid": ' + DEEP + "}",
    "a 400-digit number": '{"vid": "a", "query": "q", "span": [1, ' + N400 + "]}",
    "a byte-order mark": '\ufeff{"vid": "a", "query": "q", "answer": "1 - 2"}',
    "videomind huge": '[{"video_path": "a.mp4", "query": "q", "span": [[0, ' + N400 + "]], "
    '"pred": [[0, ' + N400 + "]], " + '"conf": [' + N400 + "]}]",
    "videomind nan": '[{"video_path": "a.mp4", "query": "q", "span": [0, 1], "pred": [[NaN, 1]]}]',
    "lmms-eval keys": json.dumps(
        {
            f"a.mp4>>>q>>>[0, {N400}]": "1 - 2",
            "b.mp4>>>q>>>[" + "1+" * 5000 + "1]": "x",
            "c.mp4>>>q>>>- - - - - -": "x",
            "d.mp4>>>q>>>[1e999, 2]": "x",
            "e.mp4>>>q>>>[5, 2]": "x",
            "f.mp4>>>q>>>" + "[" * 5000: "x",
        }
    ),
    "timelens keys": json.dumps({"a.mp4>>>q>>>[" + "1+" * 5000 + "1]": {"timestamps": [[0, 1]]}})
    + "\n"
    + json.dumps({"b.mp4>>>q>>>" + "[" * 5000: {"timestamps": [[0, 1]]}})
    + "\n"
    + json.dumps({"c.mp4>>>q>>>[" + N400 + ", 1]": {"answers": "1 - 2"}}),
    "vtimellm": '{"video_id": "a", "task": "grounding", "answer": "01 to 02", '
    '"info": {"sentence_id": 1e999}}',
    "moment-detr": '{"qid": 1, "vid": "a", "pred_relevant_windows": [[' + N400 + ", 1, 0.5]], "
    '"pred_saliency_scores": [' + N400 + "]}",
    "timechat formatted": '{"1": {"timestamp": [[' + N400 + ', 1]], "vid": "a", "query": "q"}}',
    "elements of the wrong type": '{"messages": [null], "vid": null, "query": null, "idx": null, '
    '"dataset": null}\n{"messages": [{"role": "assistant", "content": ["x", null]}], "idx": 1, '
    '"dataset": "d"}\n{"messages": [], "extra_info": [1], "idx": 2, "dataset": "d"}',
    "responses log": '{"sample_id": "a", "status": "ok", "answer": {"x": 1}}\n{"status": "ok"}\n'
    '{"sample_id": ["a"], "status": 5, "error": null}\n[1, 2]',
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
@pytest.mark.parametrize("name", sorted(READERS))
def test_readers_refuse_or_read_hostile_documents(name, kind, tmp_path) -> None:
    _read(name, HOSTILE[kind], tmp_path)


GROUNDING = [
    sample
    for sample in [
        ("a", "q", (0.0, 2.0), 10.0), ("b", "r", (1.0, 3.0), None), ("c", "s", (0.0, 0.0), 5.0),
    ]
]  # fmt: skip


@settings(
    max_examples=80,
    deadline=10000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(document=_documents())
def test_whatever_a_grounding_file_holds_every_protocol_scores_or_refuses(
    document, tmp_path_factory
) -> None:
    from videoeval.predictions.grounding import read_predictions
    from videoeval.protocols.grounding import PROTOCOLS
    from videoeval.schema import GroundingSample
    from videoeval.scoring.grounding_scorer import score_predictions

    path = tmp_path_factory.mktemp("fuzz") / "p.jsonl"
    path.write_text(document, encoding="utf-8")
    samples = [GroundingSample(i, f"v{i}", q, (w,), d) for i, q, w, d in GROUNDING]
    try:
        predictions = read_predictions(path)
    except VideoevalError:
        return
    for protocol in PROTOCOLS.values():
        with contextlib.suppress(VideoevalError):
            score_predictions("charades-sta", samples, predictions, protocol, resamples=10)
