"""AutoDQ end to end against a scripted judge: malformed and wrong-length replies, failures,
missing predictions; P/R/F1 equal the values computed by hand."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.fake_servers import FakeServer, Reply, openai_reply
from videoeval.cli import app
from videoeval.parsing.literals import literal_eval

runner = CliRunner()
STATEMENTS = re.compile(r"Statements:\n(\[.*?\])\n", re.DOTALL)
DESCRIPTION = re.compile(r"Description:\n(.*)", re.DOTALL)

CLIPS = [  # (idx, category, GT description, GT events, prediction)
    (1, "DREAM/movie_animation", "A man opens the door. The man walks in.",
     ["A man opens the door.", "The man walks in."], "A man opens the door and sits down."),
    (2, "DREAM/movie_animation", "A dog runs.", ["A dog runs."], "A dog runs fast."),
    (3, "DREAM/youtube", "Nothing moves.", [], "A cat sleeps."),
    (4, "DREAM/youtube", "A bird flies.", ["A bird flies."], "A bird flies."),
    (5, "DREAM/youtube", "A fish swims.", ["A fish swims."], None),
]  # fmt: skip
EXTRACTED = {  # prediction (lower-cased) -> events the judge extracts
    "a man opens the door and sits down.": ["a man opens the door", "a man sits down"],
    "a dog runs fast.": ["a dog runs fast"],
    "a cat sleeps.": ["a cat sleeps"],
}
LABELS = {  # (premise, event) -> label
    ("a man opens the door and sits down.", "A man opens the door."): "entailment",
    ("a man opens the door and sits down.", "The man walks in."): "neutral",
    ("a man opens the door. the man walks in.", "a man opens the door"): "entailment",
    ("a man opens the door. the man walks in.", "a man sits down"): "contradiction",
    ("a dog runs fast.", "A dog runs."): "entailment",
    ("a dog runs.", "a dog runs fast"): "entailment",
    ("nothing moves.", "a cat sleeps"): "neutral",
}


def script():
    seen: Counter[str] = Counter()

    def reply(received, n):
        prompt = received.prompt
        seen[prompt] += 1
        if "Statements:" in prompt:
            events = literal_eval(STATEMENTS.search(prompt).group(1))
            premise = prompt.split("Description:\n", 1)[1].split("\n\nStatements:", 1)[0]
            items = [{"event": e, "relationship": LABELS[(premise, e)], "reason": "scripted"}
                     for e in events]  # fmt: skip
            if premise == "nothing moves." and seen[prompt] == 1:
                items = items * 2  # wrong length: asked again
            return openai_reply(json.dumps({"events": items}))
        description = DESCRIPTION.search(prompt).group(1).strip()
        if description == "a bird flies.":
            return openai_reply("I would rather not answer in JSON.")  # never valid
        if description == "a dog runs fast." and seen[prompt] == 1:
            return openai_reply("Sure! The events are: a dog runs fast.")  # prose, asked again
        return openai_reply(f"```json\n{json.dumps({'events': EXTRACTED[description]})}\n```")

    return reply


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    return make_files(tmp_path)


def make_files(tmp_path: Path) -> dict[str, Path]:
    annotations = tmp_path / "DREAM-1k.jsonl"
    predictions = tmp_path / "pred.jsonl"
    with open(annotations, "w") as a, open(predictions, "w") as p:
        for idx, dataset, reference, events, prediction in CLIPS:
            row = {
                "messages": [
                    {"role": "user", "content": [{"type": "text", "text": "Describe."}]},
                    {"role": "assistant",
                     "content": [{"type": "text", "text": "", "reference": reference}]},
                ],
                "dataset": dataset, "idx": idx, "vid": idx,
                "extra_info": {"events": events, "n_events": len(events)},
            }  # fmt: skip
            a.write(json.dumps(row) + "\n")
            if prediction is not None:
                row["messages"][1]["content"][0]["text"] = prediction  # Tarsier2 output layout
                p.write(json.dumps(row) + "\n")
        p.write('{"idx": 999, "prediction": "a clip nobody has"}\n')
    return {"annotations": annotations, "predictions": predictions, "root": tmp_path}


def score(files, server, *extra, cache: str = "cache"):
    return runner.invoke(
        app,
        ["score", "dream1k", "-a", str(files["annotations"]), "-p", str(files["predictions"]),
         "-o", str(files["root"] / "out"), "--cache", str(files["root"] / cache),
         "--judge-model", "judge-1", "--judge-base-url", server.base_url, "--bootstrap", "200",
         *extra],
    )  # fmt: skip


def test_autodq_matches_hand_computed_values(files) -> None:
    with FakeServer(script()) as server:
        result = score(files, server)
        calls = len(server.received)
        assert result.exit_code == 0, result.output
        again = score(files, server)
        # re-scoring asks nothing, except the judge whose 3 replies all broke the schema: an
        # invalid reply is evidence, not an answer, so that clip is asked again
        assert again.exit_code == 0 and len(server.received) == calls + 3
    metrics = json.loads((files["root"] / "out" / "metrics.json").read_text())
    # movie_animation: R (0.5 + 1) / 2, P (0.5 + 1) / 2; youtube (clip 3 only): R 1 (no GT
    # events), P 0; overall R 0.875, P 0.375, F1 2RP / (R + P) = 0.525.
    assert metrics["metrics"]["recall"] == pytest.approx(87.5)
    assert metrics["metrics"]["precision"] == pytest.approx(37.5)
    assert metrics["metrics"]["F1"] == pytest.approx(52.5)
    assert metrics["by_category"]["movie_animation"]["recall"] == pytest.approx(75.0)
    assert metrics["by_category"]["youtube"]["n"] == 1
    assert metrics["failures"] == {"judge_error": 1, "missing_prediction": 1}
    assert metrics["n_scored"] == 3 and metrics["protocol"] == "autodq"
    assert (
        metrics["judge"]["model"] == "judge-1" and metrics["judge"]["settings"]["temperature"] == 0
    )
    assert any("name no clip" in w for w in metrics["warnings"])
    verdicts = [
        json.loads(x) for x in (files["root"] / "out" / "verdicts.jsonl").read_text().splitlines()
    ]
    assert len(verdicts) == 2 + 2 + 1 + 1 + 1
    flipped = [v for v in verdicts if v["label"] == "contradiction"]
    assert flipped == [v for v in verdicts if v["event"] == "a man sits down"]
    assert all(v["cache_keys"] and v["side"] in ("recall", "precision") for v in verdicts)
    assert {v["judge"] for v in verdicts} == {"judge-1"}
    assert {v["prompt_sha256"] for v in verdicts} == {metrics["judge"]["prompts_sha256"]}
    rows = [
        json.loads(x) for x in (files["root"] / "out" / "samples.jsonl").read_text().splitlines()
    ]
    assert [r["status"] for r in rows] == ["ok", "ok", "ok", "judge_error", "missing_prediction"]
    assert "broke the schema" in rows[3]["note"]


def test_judge_settings_reach_the_server_and_temperature_default_is_unset(files) -> None:
    with FakeServer(script()) as server:
        result = score(files, server, "--judge-temperature", "default", "--judge-seed", "11")
    assert result.exit_code == 0, result.output
    body = server.received[0].body
    assert "temperature" not in body and body["seed"] == 11 and body["model"] == "judge-1"


def test_majority_of_k_judge_samples(files) -> None:
    with FakeServer(script()) as server:
        result = score(files, server, "--judge-samples", "3")
        assert result.exit_code == 0, result.output
        entail_prompts = Counter(r.prompt for r in server.received if "Statements:" in r.prompt)
    # each entailment prompt asked 3 times (distinct cache keys); the wrong-length one once more
    assert sorted(entail_prompts.values()) == [3, 3, 3, 3, 4]


def test_429_storm_and_failing_server(files) -> None:
    storm = script()

    def stormy(received, n):
        if n < 6:
            return Reply(status=429, body={"error": "slow"}, headers={"retry-after": "0"})
        return storm(received, n)

    with FakeServer(stormy) as server:
        result = score(files, server, "--judge-backoff", "0.01")
    assert result.exit_code == 0, result.output
    metrics = json.loads((files["root"] / "out" / "metrics.json").read_text())
    assert metrics["metrics"]["F1"] == pytest.approx(52.5)

    # A fresh cache: with the same judge model the cache answers whatever the server's address.
    with FakeServer(lambda r, n: Reply(status=400, body={"error": "bad key"})) as server:
        broken = score(files, server, "--judge-backoff", "0.01", cache="fresh-cache")
    assert broken.exit_code == 1 and "could be scored" in broken.output


def test_without_a_judge_the_offline_metric_is_named_as_such(files) -> None:
    pytest.importorskip("tokenizers")
    out = files["root"] / "offline"
    result = runner.invoke(
        app,
        ["score", "dream1k", "-a", str(files["annotations"]), "-p", str(files["predictions"]),
         "-o", str(out)],
    )  # fmt: skip
    if "offline sentence encoder" in result.output:
        pytest.skip("the all-MiniLM-L6-v2 weights are not installed")
    assert result.exit_code == 0, result.output
    assert "--judge-model" in result.output and "not AutoDQ" in result.output
    assert json.loads((out / "metrics.json").read_text())["protocol"] == "eventsim"


def test_a_dead_judge_is_reported_before_judging(files) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    class Dead:
        base_url = f"http://127.0.0.1:{port}/v1"

    result = score(files, Dead, cache="dead-cache")
    assert result.exit_code == 3 and "the judge cannot be asked" in result.output, result.output
