"""``videoeval pairs``: the policy describes clean frames and a corrupted copy, the filter keeps
the pairs where the clean description wins by delta; the outputs load as preference data."""

from __future__ import annotations

import base64
import html
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from tests.fake_servers import FakeServer, openai_reply
from tests.video.synth import read_counter, write_video
from videoeval.cli import app
from videoeval.parsing.literals import literal_eval
from videoeval.training.pairs import keep_pair

pytestmark = pytest.mark.cost(10)

runner = CliRunner()
FULL = "A man opens the door. He sits down."
PARTIAL = "He sits down."
CLEAN = [round(i * 63 / 15) for i in range(16)]  # 16 uniform frames of 64


def frames_of(body: dict) -> list[np.ndarray]:
    parts = [p for m in body["messages"] for p in m["content"] if isinstance(p, dict)]
    urls = [p["image_url"]["url"] for p in parts if p["type"] == "image_url"]
    return [np.asarray(Image.open(io.BytesIO(base64.b64decode(u.split(",", 1)[1]))).convert("RGB"))
            for u in urls]  # fmt: skip


def policy(received, n):  # type: ignore[no-untyped-def]
    """Describes everything only when it sees clean frames; the narrow clip (3) it never
    describes well, so its pair has no preference."""
    frames = frames_of(received.body)
    assert received.body["temperature"] == 0.7 and received.body["top_p"] == 0.7
    width = frames[0].shape[1]
    seen = [read_counter(f, width) for f in frames]
    return openai_reply(FULL if seen == CLEAN and width == 128 else PARTIAL)


@pytest.fixture
def dream(tmp_path: Path) -> tuple[Path, Path]:
    return make_dream(tmp_path)


def make_dream(tmp_path: Path) -> tuple[Path, Path]:
    videos = tmp_path / "videos"
    videos.mkdir()
    annotations = tmp_path / "DREAM-1k.jsonl"
    with open(annotations, "w") as handle:
        for idx in (1, 2, 3):
            write_video(videos / f"{idx}.mp4", frames=64, fps=16, size=(128 if idx < 3 else 96, 72))
            row = {"messages": [{"role": "assistant", "content": [
                       {"type": "text", "text": "", "reference": FULL}]}],
                   "dataset": "DREAM/youtube", "idx": idx, "vid": idx,
                   "extra_info": {"events": ["A man opens the door.", "He sits down."],
                                  "n_events": 2}}  # fmt: skip
            handle.write(json.dumps(row) + "\n")
    return videos, annotations


def invoke(videos: Path, annotations: Path, out: Path, url: str, *extra: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["pairs", "dream1k", "-a", str(annotations), "--videos",
                               str(videos), "--model", "policy", "--base-url", url, "-o",
                               str(out), "--cache", str(out.parent / "cache"), *extra])  # fmt: skip


def test_pairs_keep_what_the_clean_frames_win(dream, tmp_path: Path) -> None:
    videos, annotations = dream
    out = tmp_path / "pairs"
    with FakeServer(policy) as server:
        result = invoke(videos, annotations, out, server.base_url)
        assert result.exit_code == 0, result.output
        assert len(server.received) == 6  # clean + corrupted for each of 3 clips
        again = invoke(videos, annotations, out, server.base_url)
        assert again.exit_code == 0 and len(server.received) == 6  # resumed: nothing asked
    made = [json.loads(x) for x in (out / "pairs.jsonl").read_text().splitlines()]
    assert len(made) == 3
    responses = {json.loads(x)["sample_id"]: json.loads(x)
                 for x in (out / "responses.jsonl").read_text().splitlines()}  # fmt: skip
    for pair in made:
        negative = responses[pair["rejected_from"]]
        assert negative["frames"]["corruption"]["corruption"] == pair["negative"]
        assert negative["frames"]["indices"] != CLEAN  # the policy saw the corrupted copy
        assert responses[pair["chosen_from"]]["frames"]["indices"] == CLEAN
    by_clip = {p["sample_id"]: p for p in made}
    for clip in ("1", "2"):  # clean: both events (R 1, P 1); corrupted: one (R 0.5, P 1)
        pair = by_clip[clip]
        assert (pair["chosen"], pair["rejected"], pair["decision"]) == (FULL, PARTIAL, "kept")
        assert pair["delta_recall"] == pytest.approx(0.5) and pair["delta_precision"] == 0
    assert by_clip["3"]["decision"] == "rejected" and by_clip["3"]["delta_recall"] == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["pairs"] == 3 and summary["scorer"] == "eventsim" and summary["kept"] == 2
    kept = [json.loads(x) for x in (out / "trl_dpo.jsonl").read_text().splitlines()]
    assert [k["sample_id"] for k in kept] == ["1", "2"]
    first = kept[0]
    assert len(first["images"]) == 16 and all(Path(p).exists() for p in first["images"])
    assert sum(part["type"] == "image" for part in first["prompt"][0]["content"]) == 16
    assert first["chosen"][0]["content"][0]["text"] == FULL
    swift = [json.loads(x) for x in (out / "swift_dpo.jsonl").read_text().splitlines()]
    assert swift[0]["messages"][-1] == {"role": "assistant", "content": FULL}
    assert swift[0]["rejected_response"] == PARTIAL and len(swift[0]["images"]) == 16
    assert swift[0]["messages"][0]["content"].count("<image>") == 16
    # the report shows the folder: each pair's two descriptions, the corruption, the deltas
    shown = runner.invoke(app, ["report", str(out), "-o", str(tmp_path / "report")])
    assert shown.exit_code == 0, shown.output
    page = (tmp_path / "report" / "report.html").read_text()
    assert "preference pairs" in page and "3 pairs, 2 kept by" in page
    assert html.escape(FULL) in page and html.escape(PARTIAL) in page
    assert "3 preference pairs, 2 kept" in (tmp_path / "report" / "leaderboard.md").read_text()


def test_ablations_no_filter_and_no_negative_sampling(dream, tmp_path: Path) -> None:
    videos, annotations = dream
    with FakeServer(policy) as server:
        loose = invoke(videos, annotations, tmp_path / "loose", server.base_url, "--no-filter")
        assert loose.exit_code == 0, loose.output
        asked = len(server.received)
        clean = invoke(videos, annotations, tmp_path / "clean", server.base_url,
                       "--no-negative-sampling")  # fmt: skip
        assert clean.exit_code == 0, clean.output
        # the clean "#a" requests are the loose run's (cached); the second samples are new
        assert sorted(r.body["seed"] for r in server.received[asked:]) == [1, 3, 5]
    assert json.loads((tmp_path / "loose" / "summary.json").read_text())["kept"] == 3
    made = [json.loads(x) for x in (tmp_path / "clean" / "pairs.jsonl").read_text().splitlines()]
    assert {p["negative"] for p in made} == {"clean-sample"}
    assert all(p["decision"] == "rejected" for p in made)  # two clean samples: no preference
    rows = [
        json.loads(x) for x in (tmp_path / "clean" / "responses.jsonl").read_text().splitlines()
    ]
    assert len({r["cache_key"] for r in rows}) == 6
    run = json.loads((tmp_path / "clean" / "run.json").read_text())
    assert run["config"]["pairs"]["negative_sampling"] is False


@pytest.mark.parametrize(
    ("values", "kept"),
    [
        ((0.8, 0.9, 0.5, 0.9), True),  # dR 0.3, dP 0: exactly delta
        ((0.8, 0.9, 0.51, 0.9), False),  # dR + dP just below delta
        ((1.0, 0.8, 0.5, 0.9), False),  # precision got worse: never kept
        ((0.7, 0.7, 0.7, 0.7), False),  # a tie: no preference
        ((0.5, 0.5, 0.5, 0.2), True),  # all of it on precision
    ],
)
def test_the_filter_rule_at_its_edges(values: tuple[float, ...], kept: bool) -> None:
    assert keep_pair(*values, delta=0.3) is kept


STATEMENTS = re.compile(r"Statements:\n(\[.*?\])\n", re.DOTALL)


def policy_and_judge(received, n):  # type: ignore[no-untyped-def]
    if received.images:
        return policy(received, n)
    match = STATEMENTS.search(received.prompt)
    if match:  # entailment: only events the premise names are entailed
        premise = received.prompt.lower().split("statements:")[0]
        items = [
            {
                "event": e,
                "relationship": "entailment" if e.split()[-1] in premise else "neutral",
                "reason": "-",
            }
            for e in literal_eval(match.group(1))
        ]
        return openai_reply(json.dumps({"events": items}))
    events = (
        ["a man opens the door", "he sits down"] if "opens" in received.prompt else ["he sits down"]
    )
    return openai_reply(json.dumps({"events": events}))


def test_autodq_with_a_judge_decides_the_pairs(dream, tmp_path: Path) -> None:
    videos, annotations = dream
    out = tmp_path / "judged"
    with FakeServer(policy_and_judge) as server:
        result = invoke(videos, annotations, out, server.base_url, "--judge-model", "judge",
                        "--judge-base-url", server.base_url)  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["scorer"] == "autodq" and summary["kept"] == 2
    made = {
        p["sample_id"]: p for p in map(json.loads, (out / "pairs.jsonl").read_text().splitlines())
    }
    assert made["1"]["recall_chosen"] == 1.0 and made["1"]["recall_rejected"] == 0.5
    assert made["3"]["decision"] == "rejected"


def test_a_corruption_without_negative_sampling_is_refused(dream, tmp_path: Path) -> None:
    videos, annotations = dream
    result = invoke(videos, annotations, tmp_path / "x", "http://127.0.0.1:9/v1",
                    "--no-negative-sampling", "--corruption", "clip-reversing")  # fmt: skip
    assert result.exit_code == 2 and "--corruption does not apply" in result.output


def test_a_judge_address_without_a_judge_model_is_refused(dream, tmp_path: Path) -> None:
    videos, annotations = dream
    result = invoke(videos, annotations, tmp_path / "x", "http://127.0.0.1:9/v1",
                    "--judge-base-url", "http://127.0.0.1:9/v1")  # fmt: skip
    assert result.exit_code == 2
    assert "--judge-base-url does not apply to a run without --judge-model" in result.output


def labels_seen(server: FakeServer) -> dict[int, list[float]]:
    """The time labels each request carried, by its sampling seed (clip i: 2i clean, 2i + 1
    its corrupted copy)."""
    return {r.body["seed"]: r.labels for r in server.received}


@pytest.mark.parametrize("labels", [None, "clean", "source"])
def test_a_corrupted_copy_does_not_give_its_order_away(dream, tmp_path: Path, labels) -> None:
    videos, annotations = dream
    out = tmp_path / f"pairs-{labels}"
    extra = ["--corruption", "clip-reversing", "--labels", labels] if labels else [
        "--corruption", "clip-reversing"]  # fmt: skip
    with FakeServer(policy) as server:
        result = invoke(videos, annotations, out, server.base_url, *extra)
        assert result.exit_code == 0, result.output
        seen = labels_seen(server)
    clean_times = [round(i / 16, 1) for i in CLEAN]  # the 16 clean frames' times, 1 decimal
    config = json.loads((out / "run.json").read_text())["config"]
    if labels is None:  # Tarsier2's model saw plain frames: no labels on either copy
        assert all(times == [] for times in seen.values())
        assert config["pairs"]["labels"] == "none"
    elif labels == "clean":  # the reversed copy carries the clean times, in order
        assert seen[1] == seen[0] == clean_times
    else:  # each frame its own time: a reversed run shows as descending labels (the leak)
        assert seen[0] == clean_times and seen[1] != sorted(seen[1])
    assert config["pairs"]["labels"] == (labels or "none")


def test_the_exported_prompt_is_the_request_the_chosen_answer_came_from(
    dream, tmp_path: Path
) -> None:
    from videoeval.models.base import GenerationSettings, ModelRequest, VideoFrames
    from videoeval.models.openai_compatible import OpenAICompatible

    videos, annotations = dream
    out = tmp_path / "exact"
    with FakeServer(policy) as server:
        result = invoke(videos, annotations, out, server.base_url, "--labels", "clean",
                        "--preset", "tarsier")  # fmt: skip
        assert result.exit_code == 0, result.output
        sent = {r.body["seed"]: r.body for r in server.received}
    client = OpenAICompatible("policy", server.base_url)
    rows = [json.loads(x) for x in (out / "trl_dpo.jsonl").read_text().splitlines()]
    assert rows
    for row in rows:
        clip = int(row["sample_id"]) - 1
        parts = row["prompt"][0]["content"]
        labels = [p["text"] for p in parts[:-1] if p["type"] == "text"]
        jpegs = tuple(Path(p).read_bytes() for p in row["images"])
        video = VideoFrames(jpegs, tuple(row["frame_times"]), tuple(labels))
        settings = GenerationSettings(temperature=0.7, top_p=0.7, seed=2 * clip)
        rebuilt = client.body(ModelRequest(parts[-1]["text"], video, settings=settings))
        assert rebuilt["messages"] == sent[2 * clip]["messages"]  # byte for byte: what was sent
    swift = [json.loads(x) for x in (out / "swift_dpo.jsonl").read_text().splitlines()]
    assert swift[0]["messages"][0]["content"].startswith("<0.0 seconds><image><0.2 seconds>")


def test_target_draws_the_exported_pairs_at_random(dream, tmp_path: Path) -> None:
    videos, annotations = dream
    with FakeServer(policy) as server:
        result = invoke(videos, annotations, tmp_path / "t", server.base_url, "--no-filter",
                        "--target", "2")  # fmt: skip
        assert result.exit_code == 0, result.output
        dry = invoke(videos, annotations, tmp_path / "d", server.base_url, "--dry-run")
        assert dry.exit_code == 0 and len(server.received) == 6  # the dry run asked nothing
    summary = json.loads((tmp_path / "t" / "summary.json").read_text())
    assert summary["target"] == {"asked": 2, "exported": 2, "from": "every scored pair",
                                 "seed": 0}  # fmt: skip
    assert len((tmp_path / "t" / "trl_dpo.jsonl").read_text().splitlines()) == 2
    counts = dict(re.findall(r"│ ([a-z ]+?)\s+│\s+([\d,]+) │", dry.output))
    assert counts["policy calls at most"] == "6" and counts["frames"] == "96"
