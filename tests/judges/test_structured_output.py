"""Judges ask the server to follow the reply's JSON schema (OpenAI-compatible ``response_format``,
Gemini's ``responseJsonSchema``); a server that refuses schemas is asked without them, and
metrics.json says which happened; cached replies of either kind are reused."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tests.fake_servers import FakeServer, Reply
from tests.judges.test_autodq import make_files, script
from videoeval.cli import app
from videoeval.judges.autodq import labels_reader, read_events
from videoeval.judges.video_judge import reader
from videoeval.models.base import ModelRequest
from videoeval.models.gemini import Gemini
from videoeval.models.openai_compatible import OpenAICompatible

runner = CliRunner()


def _score(files, server, *extra: str):
    return runner.invoke(app, [
        "score", "dream1k", "-a", str(files["annotations"]), "-p", str(files["predictions"]),
        "-o", str(files["root"] / "out"), "--cache", str(files["root"] / "cache"),
        "--judge-model", "judge-1", "--judge-base-url", server.base_url, "--bootstrap", "0",
        "--judge-backoff", "0.01", *extra])  # fmt: skip


def test_autodq_asks_for_each_replys_schema(tmp_path) -> None:
    files = make_files(tmp_path)
    answer = script()
    formats = []

    def schema_checked(received, n):  # type: ignore[no-untyped-def]
        formats.append(received.body.get("response_format"))
        return answer(received, n)

    with FakeServer(schema_checked) as server:
        result = _score(files, server)
    assert result.exit_code == 0, result.output
    schemas = [f["json_schema"]["schema"] for f in formats]
    assert all(f["type"] == "json_schema" for f in formats)
    assert read_events.schema in schemas  # event extraction
    labels = [s for s in schemas if s != read_events.schema]
    enums = [s["properties"]["events"]["items"]["properties"]["relationship"]["enum"]
             for s in labels]  # fmt: skip
    assert enums and all(e == ["entailment", "neutral", "contradiction"] for e in enums)
    judge = json.loads((files["root"] / "out" / "metrics.json").read_text())["judge"]
    assert judge["structured_output"].startswith("json_schema")


def test_a_server_that_refuses_schemas_is_asked_without_them(tmp_path) -> None:
    files = make_files(tmp_path)
    answer = script()
    refused = []

    def old_server(received, n):  # type: ignore[no-untyped-def]
        if "response_format" in received.body:
            refused.append(n)
            return Reply(status=400, body={"error": {"message": "response_format is not "
                                                     "supported by this server"}})  # fmt: skip
        return answer(received, n)

    with FakeServer(old_server) as server:
        result = _score(files, server)
        asked = len(server.received)
        assert result.exit_code == 0, result.output
        judge = json.loads((files["root"] / "out" / "metrics.json").read_text())["judge"]
        assert judge["structured_output"].startswith("refused by the server")
        assert 1 <= len(refused) <= 8  # the first concurrent asks; none after
        # re-scoring with schemas on again finds the replies asked without them: asks nothing
        # more than the clip whose replies all broke the schema
        again = _score(files, server)
        assert again.exit_code == 0 and len(server.received) - asked <= 3 + 8
    metrics = json.loads((files["root"] / "out" / "metrics.json").read_text())
    assert metrics["metrics"]["F1"] == 52.5  # the figures of test_autodq, unchanged


def test_no_judge_schema_sends_none(tmp_path) -> None:
    files = make_files(tmp_path)
    answer = script()

    def plain(received, n):  # type: ignore[no-untyped-def]
        assert "response_format" not in received.body
        return answer(received, n)

    with FakeServer(plain) as server:
        result = _score(files, server, "--no-judge-schema")
    assert result.exit_code == 0, result.output
    judge = json.loads((files["root"] / "out" / "metrics.json").read_text())["judge"]
    assert judge["structured_output"] == "off"


def test_backends_put_the_schema_where_their_api_reads_it(monkeypatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "k")
    schema = reader("timed", 2).schema
    assert schema is not None and "$ref" not in json.dumps(schema)  # refs written in place
    assert schema["properties"]["events"]["minItems"] == 2
    request = ModelRequest("q", response_schema=schema)
    openai = OpenAICompatible("m", "http://127.0.0.1:9/v1").body(request)
    assert openai["response_format"]["json_schema"]["schema"] == schema
    gemini = Gemini("m", "http://127.0.0.1:9/v1beta").body(request)["generationConfig"]
    assert gemini["responseMimeType"] == "application/json"
    assert gemini["responseJsonSchema"] == schema
    # the schema is part of the call's identity (it changes what the server writes)
    assert "response_schema" in request.fingerprint()
    assert "response_schema" not in ModelRequest("q").fingerprint()
    assert labels_reader(3).schema["properties"]["events"]["maxItems"] == 3
