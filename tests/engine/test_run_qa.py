"""`videoeval run` on the video-QA views: each question asked with the benchmark's official
prompt (the question and its format line) and the video's frames, then scored like `score`."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tests.fake_servers import FakeServer, Received, Reply, openai_reply
from tests.video.synth import write_video
from videoeval.cli import app

QUESTIONS = {
    "v1": {"action": [{"question": "What is he doing?\nA. running\nB. sitting",
                       "answer": "A. running"},
                      {"question": "What does he hold?\nA. a cup\nB. a ball\nC. a hat",
                       "answer": "C. a hat"}],
           "speed": [{"question": "How fast?\nA. slowly\nB. quickly", "answer": "B. quickly"}]},
    "v2": {"order": [{"question": "What comes first?\nA. the jump\nB. the fall",
                      "answer": "A. the jump"}]},
}  # fmt: skip
PAIRS = [
    {"basic": {"video": "clip_a.mp4", "question": "Is there a dog?", "answer": "yes"},
     "hallucination": {"video": "clip_a.mp4", "question": "Is there a cat?", "answer": "no"},
     "type": "subject"},
    {"basic": {"video": "clip_b.mp4", "question": "Does it rain?", "answer": "yes"},
     "hallucination": {"video": "clip_b.mp4", "question": "Does it snow?", "answer": "no"},
     "type": "object"},
]  # fmt: skip
REPLIES = {"What is he doing?": "A", "What does he hold?": "B. a ball", "How fast?": "B)",
           "What comes first?": "the jump", "Is there a dog?": "Yes.", "Is there a cat?": "No.",
           "Does it rain?": "Yes.", "Does it snow?": "Yes, it does.",
           "Which caption fits": "A", "Which clip fits": "b"}  # fmt: skip


def model(received: Received, n: int) -> Reply:
    assert received.images == 4, received.images  # the clip's frames arrive with the question
    question = next(q for q in REPLIES if received.prompt.startswith(q))
    suffixes = ("\nPlease directly give the best option:",
                "\nAnswer the question using 'yes' or 'no'.",
                "\nPlease only output one English character.")  # fmt: skip
    assert received.prompt.endswith(suffixes), received.prompt
    return openai_reply(REPLIES[question])


def run(tmp_path: Path, url: str, benchmark: str, annotations: Path, out: str):  # type: ignore[no-untyped-def]
    args = ["run", benchmark, "-a", annotations, "--videos", tmp_path / "videos", "--model", "m",
            "--base-url", url, "-o", tmp_path / out, "--cache", tmp_path / "cache",
            "--max-tokens", "32"]  # fmt: skip
    return CliRunner().invoke(app, [str(a) for a in args])


def test_run_tempcompass_and_videohallucer(tmp_path: Path) -> None:
    videos = tmp_path / "videos"
    (videos / "object_relation" / "videos").mkdir(parents=True)
    for vid in ("v1", "v2"):
        write_video(videos / f"{vid}.mp4", frames=50, fps=25)
    for clip in ("clip_a", "clip_b"):  # VideoHallucer keeps each type's videos in its folder
        write_video(videos / "object_relation" / "videos" / f"{clip}.mp4", frames=50, fps=25)
    questions = tmp_path / "multi-choice.json"
    questions.write_text(json.dumps(QUESTIONS))
    pairs = tmp_path / "object_relation.json"
    pairs.write_text(json.dumps(PAIRS))
    with FakeServer(model) as server:
        mc = run(tmp_path, server.base_url, "tempcompass-mc", questions, "mc")
        vh = run(tmp_path, server.base_url, "videohallucer", pairs, "vh")
        assert mc.exit_code == 0, mc.output
        assert vh.exit_code == 0, vh.output
        assert len(server.received) == 4 + 4
    metrics = json.loads((tmp_path / "mc" / "metrics.json").read_text())
    # right: "A" and "B)"; "B. a ball" is wrong; "the jump" no rule reads (wrong)
    assert metrics["protocol"] == "tempcompass-mc" and metrics["metrics"]["accuracy"] == 50.0
    assert metrics["failures"] == {"parse_error": 1}
    assert metrics["by_category"]["action"]["accuracy"] == 50.0
    vh_metrics = json.loads((tmp_path / "vh" / "metrics.json").read_text())
    # pair 1 both right; pair 2's hallucinated answer says yes: basic 100, hallucinated 50
    assert vh_metrics["metrics"]["overall"] == 50.0 and vh_metrics["metrics"]["basic"] == 100.0
    rows = [json.loads(x) for x in (tmp_path / "vh" / "samples.jsonl").read_text().splitlines()]
    assert rows[0]["sample_id"] == "object_relation/0/basic" and rows[0]["correct"] is True


def test_run_vinoground(tmp_path: Path) -> None:
    from tests.scoring.test_qa_fixtures import write_vinoground

    folder = tmp_path / "vino"
    write_vinoground(folder)
    for kind in ("text", "video"):  # one clip per item, under the names the files give
        path = folder / f"vinoground_{kind}score.json"
        items = json.loads(path.read_text())
        for item in items:
            item["question"] = item["question"].replace(
                "Which caption fits", "Which caption fits" if kind == "text" else "Which clip fits"
            )
        path.write_text(json.dumps(items))
    (tmp_path / "videos" / "vinoground_videos").mkdir(parents=True)
    for n in range(3):
        for side in ("pos", "neg"):
            write_video(
                tmp_path / "videos" / "vinoground_videos" / f"{n}_{side}.mp4",
                frames=50,
                fps=25,
                size=(64 + 16 * n, 48 + (side == "neg") * 16),
            )
    with FakeServer(model) as server:
        result = run(tmp_path, server.base_url, "vinoground", folder, "vino-run")
        assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "vino-run" / "metrics.json").read_text())
    # text items all answered "A": pos right, neg (GT B) wrong; video items "b": the reverse
    assert metrics["metrics"] == {"text": 0.0, "video": 0.0, "group": 0.0}
    rows = [
        json.loads(x) for x in (tmp_path / "vino-run" / "samples.jsonl").read_text().splitlines()
    ]
    assert sum(r["correct"] for r in rows) == 6 and len(rows) == 12


def test_run_eventhallusion(tmp_path: Path) -> None:
    questions = tmp_path / "questions"
    questions.mkdir()
    (questions / "misleading_questions.json").write_text(json.dumps([
        {"id": "misleading_001", "category": "sports", "event_info": {},
         "questions": [{"type": "hallucination", "question": "Is there a cat?",
                        "answer": "No."}]}]))  # fmt: skip
    (tmp_path / "videos" / "misleading").mkdir(parents=True)
    write_video(tmp_path / "videos" / "misleading" / "misleading_001.mp4", frames=50, fps=25)

    def said(received: Received, n: int) -> Reply:
        assert received.images == 4
        assert received.prompt == "Is there a cat?\nPlease answer yes or no:", received.prompt
        return openai_reply("No, there is none.")

    with FakeServer(said) as server:
        result = run(tmp_path, server.base_url, "eventhallusion", questions, "eh")
        assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "eh" / "metrics.json").read_text())
    assert metrics["protocol"] == "eventhallusion-yn" and metrics["metrics"]["accuracy"] == 100.0


def test_run_judged_captions_tempcompass_cg_and_eventhallusion_desc(tmp_path: Path) -> None:
    """The model writes a caption from the frames; the judge (the same local server, by its
    model name) grades it; without a judge the run is refused before any question is asked."""
    folder = tmp_path / "tc"
    folder.mkdir()
    (folder / "multi-choice.json").write_text(json.dumps(QUESTIONS))
    cg = {"v1": {"action": [{"question": "Pick {'action': 'running'}.\nGenerated Caption:",
                             "answer": "A. running"}]}}  # fmt: skip
    (folder / "captioning.json").write_text(json.dumps(cg))
    (tmp_path / "videos").mkdir()
    write_video(tmp_path / "videos" / "v1.mp4", frames=50, fps=25)
    eh = tmp_path / "eh"
    eh.mkdir()
    (eh / "interleave_questions.json").write_text(json.dumps([
        {"id": "interleave_001", "category": "sports",
         "event_info": {"caption": "a man jogs", "unexpected": "he trips"},
         "questions": [{"question": "Does he trip?", "answer": "Yes."}]}]))  # fmt: skip
    (tmp_path / "videos" / "interleave").mkdir()
    write_video(tmp_path / "videos" / "interleave" / "interleave_001.mp4", frames=50, fps=25)

    def both(received: Received, n: int) -> Reply:
        if received.body["model"] == "judge":
            assert received.images == 0  # a text judge: the caption, not the frames
            if "Unexpected event: he trips" in received.prompt:
                assert "A man jogs and trips." in received.prompt
                return openai_reply("Yes, the trip is there.")
            assert "A man runs." in received.prompt and "What is he doing?" in received.prompt
            return openai_reply("Reasoning: it runs.\nAnswer: A. running")
        assert received.images == 4
        if received.prompt == "Please describe this video in detail.":
            return openai_reply("A man jogs and trips.")
        assert received.prompt.startswith("Pick {'action': 'running'}."), received.prompt
        return openai_reply("A man runs.")

    with FakeServer(both) as server:
        refused = run(tmp_path, server.base_url, "tempcompass-cg", folder / "captioning.json",
                      "refused")  # fmt: skip
        assert refused.exit_code == 2 and "judge" in refused.output, refused.output
        assert not server.received
        judge = ["--judge-model", "judge", "--judge-base-url", server.base_url]
        for benchmark, annotations, out in (("tempcompass-cg", folder / "captioning.json", "cg"),
                                            ("eventhallusion-desc", eh, "desc")):  # fmt: skip
            args = ["run", benchmark, "-a", annotations, "--videos", tmp_path / "videos",
                    "--model", "m", "--base-url", server.base_url, "-o", tmp_path / out,
                    "--cache", tmp_path / "cache", *judge]  # fmt: skip
            result = CliRunner().invoke(app, [str(a) for a in args])
            assert result.exit_code == 0, result.output
            metrics = json.loads((tmp_path / out / "metrics.json").read_text())
            assert metrics["protocol"] == benchmark and metrics["metrics"]["accuracy"] == 100.0
