from __future__ import annotations

import asyncio

import pytest

from tests.fake_servers import FakeServer, Reply, gemini_reply, openai_reply
from videoeval.models.base import (
    GenerationSettings,
    ModelError,
    ModelRequest,
    VideoFrames,
    WholeVideo,
)
from videoeval.models.gemini import Gemini
from videoeval.models.openai_compatible import OpenAICompatible

JPEG = b"\xff\xd8\xff\xe0" + b"0" * 64


def frames(n: int, every: int = 1) -> VideoFrames:
    times = tuple(i * 0.5 for i in range(n))
    labels = tuple(f"<{t:.1f} seconds>" for t in times[::every])
    return VideoFrames((JPEG,) * n, times, labels, label_every=every)


def ask(model, *requests: ModelRequest):
    """All calls of one client in one event loop (its pooled connections belong to that loop)."""

    async def go():
        try:
            return [await model.generate(r) for r in requests]
        finally:
            await model.aclose()

    results = asyncio.run(go())
    return results[0] if len(results) == 1 else results


def test_openai_sends_frames_labels_settings_and_the_key(monkeypatch) -> None:
    monkeypatch.setenv("VE_TEST_KEY", "sk-secret-123")
    with FakeServer(lambda r, n: openai_reply("The event happens in 1 - 2 seconds.")) as server:
        model = OpenAICompatible("fake-vl", server.base_url, "VE_TEST_KEY")
        settings = GenerationSettings(temperature=0.0, max_tokens=64, seed=7)
        request = ModelRequest("find it", frames(4), "be brief", settings)
        response = ask(model, request)
    assert response.text == "The event happens in 1 - 2 seconds."
    assert (response.prompt_tokens, response.completion_tokens) == (100, 12)
    (got,) = server.received
    assert got.path == "/v1/chat/completions"
    assert got.headers["authorization"] == "Bearer sk-secret-123"
    assert got.images == 4 and got.labels == [0.0, 0.5, 1.0, 1.5]
    assert got.prompt == "find it"
    body = got.body
    assert (body["temperature"], body["max_tokens"], body["seed"], body["model"]) == (
        0.0,
        64,
        7,
        "fake-vl",
    )
    assert body["messages"][0] == {"role": "system", "content": "be brief"}
    assert "top_p" not in body  # unset settings are not sent


def test_openai_patch_labels_and_whole_video() -> None:
    with FakeServer(lambda r, n: openai_reply("ok")) as server:
        model = OpenAICompatible("m", server.base_url)
        ask(
            model,
            ModelRequest("q", frames(4, every=2)),
            ModelRequest("q", WholeVideo(b"\x00" * 10, "video/mp4", fps=2.0)),
        )
    patch, whole = server.received
    assert patch.images == 4 and patch.labels == [0.0, 1.0]
    assert whole.videos == 1 and whole.body["mm_processor_kwargs"] == {"fps": 2.0}
    assert "authorization" not in patch.headers


@pytest.mark.parametrize(
    ("reply", "retryable", "status"),
    [
        (Reply(status=429, body={"error": "slow down"}, headers={"retry-after": "3"}), True, 429),
        (Reply(status=503, body={"error": "busy"}), True, 503),
        (Reply(status=400, body={"error": "bad request"}), False, 400),
        (Reply(raw=b"<html>oops</html>"), True, None),
        (Reply(body={"choices": []}), True, None),
    ],
)
def test_openai_errors_are_classified(reply: Reply, retryable: bool, status) -> None:
    with FakeServer(lambda r, n: reply) as server:
        model = OpenAICompatible("m", server.base_url)
        with pytest.raises(ModelError) as caught:
            ask(model, ModelRequest("q"))
    assert caught.value.retryable is retryable and caught.value.status == status
    if status == 429:
        assert caught.value.retry_after == 3.0


def test_timeouts_are_retryable_errors() -> None:
    with FakeServer(lambda r, n: Reply(delay=1.0, body={})) as server:
        model = OpenAICompatible("m", server.base_url, timeout=0.2)
        with pytest.raises(ModelError, match="timed out") as caught:
            ask(model, ModelRequest("q"))
    assert caught.value.retryable


def test_gemini_rest_shape(monkeypatch) -> None:
    monkeypatch.setenv("GEMINI_TEST_KEY", "gm-secret")
    with FakeServer(lambda r, n: gemini_reply("From 1 to 2.")) as server:
        model = Gemini(
            "gemini-2.5-flash", f"http://127.0.0.1:{server.port}/v1beta", "GEMINI_TEST_KEY"
        )
        settings = GenerationSettings(temperature=0.0, max_tokens=32, seed=3)
        response, _ = ask(
            model,
            ModelRequest("where?", frames(3), "sys", settings),
            ModelRequest("where?", WholeVideo(b"v", "video/mp4", fps=1.0)),
        )
    assert response.text == "From 1 to 2." and response.model == "gemini-fake"
    framed, whole = server.received
    assert framed.path == "/v1beta/models/gemini-2.5-flash:generateContent"
    assert framed.headers["x-goog-api-key"] == "gm-secret"
    assert framed.images == 3 and framed.labels == [0.0, 0.5, 1.0]
    config = framed.body["generationConfig"]
    assert config == {"maxOutputTokens": 32, "temperature": 0.0, "seed": 3}
    assert framed.body["systemInstruction"] == {"parts": [{"text": "sys"}]}
    video_part = whole.body["contents"][0]["parts"][0]
    assert whole.videos == 1 and video_part["video_metadata"] == {"fps": 1.0}


def test_missing_key_variable_is_a_clear_error(monkeypatch) -> None:
    monkeypatch.delenv("NOPE_KEY", raising=False)
    with pytest.raises(ValueError, match="NOPE_KEY is not set"):
        OpenAICompatible("m", "http://127.0.0.1:9/v1", "NOPE_KEY")
