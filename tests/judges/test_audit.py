"""`videoeval audit` against a local multimodal judge: frames checked on arrival, scripted
verdicts (with a schema violation), loose / consensus / tight rates as computed by hand."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.fake_servers import FakeServer, openai_reply
from tests.video.synth import write_video
from videoeval.cli import app
from videoeval.video.frames import FrameCache, sample_video
from videoeval.video.resize import PixelBudget
from videoeval.video.sampling import SamplingSpec

pytestmark = pytest.mark.cost(15)

runner = CliRunner()
CLIPS = {  # idx: (category, reference)
    1: ("DREAM/movie_animation", "A red car drives away."),
    2: ("DREAM/movie_animation", "A woman waves twice."),
    3: ("DREAM/youtube", "A boy kicks a ball."),
    4: ("DREAM/youtube", "Two dogs run on grass."),
    5: ("DREAM/youtube", "A clip whose video is missing."),
}


def verdict(flagged: bool, factual: int) -> str:
    errors = [{"claim": "x", "frames_show": "y", "timestamps": [0.5], "severity": "major"}]
    return json.dumps({
        "frame_evidence": [{"timestamps": [0.0, 1.0], "observation": "something moves"}],
        "gt": {"factual": factual, "completeness": 7, "temporal": 8},
        "errors_gt": errors if flagged else [],
    })  # fmt: skip


def judge():
    calls: Counter[str] = Counter()

    def reply(received, n):
        assert received.images == 16, received.images  # the frames really arrive
        assert len(received.labels) == 16 and received.labels == sorted(received.labels)
        reference = next(ref for _, ref in CLIPS.values() if ref in received.prompt)
        calls[reference] += 1
        k = calls[reference]
        if reference == "A red car drives away.":
            return openai_reply(verdict(True, 4))
        if reference == "A woman waves twice.":
            return openai_reply(verdict(k == 1, [8, 8, 5][k - 1]))
        if reference == "A boy kicks a ball.":
            return openai_reply(verdict(False, 9))
        if k == 1:
            return openai_reply("The video shows two dogs. I think the description is fine.")
        return openai_reply(verdict(True, 6))

    return reply, calls


@pytest.fixture
def bench(tmp_path: Path) -> dict[str, Path]:
    videos = tmp_path / "videos"
    videos.mkdir()
    annotations = tmp_path / "DREAM-1k.jsonl"
    with open(annotations, "w") as handle:
        for idx, (dataset, reference) in CLIPS.items():
            if idx != 5:
                write_video(videos / f"{idx}.mp4", frames=48, fps=24)
            row = {
                "messages": [{"role": "assistant", "content": [
                    {"type": "text", "text": "", "reference": reference}]}],
                "dataset": dataset, "idx": idx, "vid": idx, "extra_info": {"events": []},
            }  # fmt: skip
            handle.write(json.dumps(row) + "\n")
    return {"videos": videos, "annotations": annotations, "root": tmp_path}


def run_audit(bench, server, *extra):
    args = [
        "audit", "dream1k", "-a", str(bench["annotations"]), "--videos", str(bench["videos"]),
        "--judge-model", "vjudge", "--judge-base-url", server.base_url, "--runs", "3",
        "--out", str(bench["root"] / "out"), "--cache", str(bench["root"] / "cache"),
        "--backoff", "0.01", *extra,
    ]  # fmt: skip
    return runner.invoke(app, args)


def test_audit_rates_match_hand_computed_values(bench) -> None:
    reply, calls = judge()
    with FakeServer(reply) as server:
        result = run_audit(bench, server)
        assert result.exit_code == 0, result.output
        first = len(server.received)
        assert run_audit(bench, server).exit_code == 0  # everything cached
        assert len(server.received) == first
    assert calls["Two dogs run on grass."] == 4  # 3 runs + 1 retry after the prose reply
    metrics = json.loads((bench["root"] / "out" / "metrics.json").read_text())
    m = metrics["metrics"]
    # clip 1 flagged+major in all runs; clip 2 flagged in 1 run, major in 1; clip 3 clean;
    # clip 4 flagged in all runs, factual 6; clip 5 has no video.
    assert (m["loose_rate"], m["consensus_rate"], m["tight_rate"], m["major_any_rate"]) == (
        75.0, 50.0, 25.0, 50.0,
    )  # fmt: skip
    assert metrics["failures"] == {"video_error": 1} and metrics["n_scored"] == 4
    assert metrics["by_category"]["movie_animation"]["tight_rate"] == 50.0
    assert metrics["by_category"]["youtube"]["consensus_rate"] == 50.0
    assert metrics["judge"]["model"] == "vjudge" and len(metrics["judge"]["prompt_sha256"]) == 64
    rows = [
        json.loads(x) for x in (bench["root"] / "out" / "samples.jsonl").read_text().splitlines()
    ]
    assert [r["flagged_runs"] for r in rows] == [3, 1, 0, 3, 0]
    assert rows[0]["runs"][0]["errors_gt"][0]["frames_show"] == "y"
    assert rows[0]["frames"]["indices"][0] == 0 and len(rows[0]["frames"]["indices"]) == 16


def test_a_changed_prompt_repeats_only_judge_calls(bench, tmp_path: Path) -> None:
    reply, _ = judge()
    prompt = tmp_path / "mine.txt"
    prompt.write_text("Check this against the frames: {reference}\nAnswer in JSON.", "utf-8")
    with FakeServer(reply) as server:
        assert run_audit(bench, server).exit_code == 0
        before = len(server.received)
        frames_dir = bench["root"] / "cache" / "frames"
        stamps = {p: p.stat().st_mtime_ns for p in frames_dir.rglob("*.pixels")}
        again = run_audit(bench, server, "--prompt-file", str(prompt))
        assert again.exit_code == 0, again.output
        assert len(server.received) > before  # the judge is asked again...
    assert {
        p: p.stat().st_mtime_ns for p in frames_dir.rglob("*.pixels")
    } == stamps  # ...frames not
    assert len(stamps) == 4


def test_dry_run_counts_and_costs(bench) -> None:
    reply, _ = judge()
    with FakeServer(reply) as server:
        result = run_audit(bench, server, "--dry-run", "--price-per-million-tokens", "1.25")
    assert result.exit_code == 0, result.output
    assert server.received == []
    assert "judge calls" in result.output and "12" in result.output  # 4 clips with video x 3
    assert "estimated input cost" in result.output


def test_large_frames_are_resized_and_a_judge_ignoring_the_schema_is_recorded(
    tmp_path: Path,
) -> None:
    videos = tmp_path / "videos"
    videos.mkdir()
    write_video(videos / "1.mp4", frames=24, fps=24, size=(640, 360))
    annotations = tmp_path / "DREAM-1k.jsonl"
    annotations.write_text(json.dumps({
        "messages": [{"role": "assistant", "content": [
            {"type": "text", "text": "", "reference": "A counter counts."}]}],
        "dataset": "DREAM/youtube", "idx": 1, "vid": 1, "extra_info": {"events": []},
    }) + "\n", encoding="utf-8")  # fmt: skip
    with FakeServer(lambda r, n: openai_reply("I refuse to answer in JSON.")) as server:
        result = runner.invoke(
            app,
            ["audit", "dream1k", "-a", str(annotations), "--videos", str(videos),
             "--judge-model", "vjudge", "--judge-base-url", server.base_url, "--runs", "2",
             "--max-pixels", "50000", "--out", str(tmp_path / "out"),
             "--cache", str(tmp_path / "cache")],
        )  # fmt: skip
        assert len(server.received) == 6  # 2 runs x 3 attempts
    assert result.exit_code == 1 and "could be audited" in result.output
    frames = FrameCache(tmp_path / "cache" / "frames")
    sampled = sample_video(
        videos / "1.mp4", SamplingSpec(kind="uniform", nframes=16),
        PixelBudget(max_pixels=50000), frames,
    )  # fmt: skip
    assert sampled.from_cache  # the audit sampled and stored exactly these frames
    assert sampled.width * sampled.height <= 50000 and sampled.width % 28 == 0


def test_runs_are_independent_by_seed_and_identical_runs_are_flagged(bench) -> None:
    seeds: dict[str, list[int]] = {}

    temperatures = []

    def deterministic(received, n):
        reference = next(ref for _, ref in CLIPS.values() if ref in received.prompt)
        seeds.setdefault(reference, []).append(received.body["seed"])
        temperatures.append(received.body.get("temperature", "not sent"))
        return openai_reply(verdict(False, 9))  # the same verdict whatever the seed

    with FakeServer(deterministic) as server:
        result = run_audit(bench, server, "--seed", "10")
        assert result.exit_code == 0, result.output
    assert all(sorted(s) == [10, 11, 12] for s in seeds.values())  # each run its own seed
    # K > 1 runs: the judge samples at its own default temperature (none is sent), so the runs
    # are independent judgements; a judge that still answers alike is warned on the terminal
    assert set(temperatures) == {"not sent"}
    assert "identical verdicts for 4 of 4 clips" in " ".join(result.output.split())
    metrics = json.loads((bench["root"] / "out" / "metrics.json").read_text())
    assert metrics["judge"]["run_seeds"] == [10, 11, 12]
    assert metrics["judge"]["settings"]["temperature"] is None
    assert "independent" in metrics["judge"]["temperature_rule"]
    assert any("identical verdicts for 4 of 4 clips" in w for w in metrics["warnings"])
    rows = [
        json.loads(x) for x in (bench["root"] / "out" / "samples.jsonl").read_text().splitlines()
    ]
    assert [r["seed"] for r in rows[0]["runs"]] == [10, 11, 12]
    assert [r["temperature"] for r in rows[0]["runs"]] == [None] * 3


def test_the_library_audit_equals_the_command(bench) -> None:
    from videoeval import AuditRequest, audit

    reply, _ = judge()
    with FakeServer(reply) as server:
        assert run_audit(bench, server).exit_code == 0
        outcome = audit(
            AuditRequest("dream1k", bench["annotations"], bench["videos"], "vjudge",
                         judge_base_url=server.base_url, runs=3, out=bench["root"] / "lib",
                         cache=bench["root"] / "cache", backoff=0.01)
        )  # fmt: skip
    command = json.loads((bench["root"] / "out" / "metrics.json").read_text())
    assert outcome.report.metrics == command["metrics"] and outcome.report.judge["calls"] == 0


def test_the_other_samplings_frame_option_is_refused(bench) -> None:
    with FakeServer(judge()[0]) as server:
        fps_given = run_audit(bench, server, "--sampling", "uniform", "--fps", "1")
        assert fps_given.exit_code == 2 and "--fps does not apply to --sampling uniform" in (
            fps_given.output
        )
        nframes_given = run_audit(bench, server, "--sampling", "fps", "--nframes", "8")
        assert nframes_given.exit_code == 2 and "--nframes does not apply" in nframes_given.output
        assert server.received == []


def test_two_sided_runs_show_the_descriptions_in_a_seeded_random_order(bench) -> None:
    candidates = bench["root"] / "candidates.jsonl"
    with open(candidates, "w") as handle:
        for idx in (1, 2, 3, 4):
            handle.write(json.dumps({"vid": idx, "prediction": f"Candidate text {idx}."}) + "\n")
    orders: list[str] = []

    def reply(received, n):  # type: ignore[no-untyped-def]
        prompt = received.prompt
        first = prompt.index("Candidate description:") < prompt.index("Reference description:")
        orders.append("candidate-first" if first else "reference-first")
        body = json.loads(verdict(False, 8))
        body["candidate"] = {"factual": 7, "completeness": 7, "temporal": 7}
        return openai_reply(json.dumps(body))

    with FakeServer(reply) as server:
        result = run_audit(bench, server, "--candidates", str(candidates))
        assert result.exit_code == 0, result.output
    assert {"candidate-first", "reference-first"} == set(orders)  # both orders were asked
    samples = (bench["root"] / "out" / "samples.jsonl").read_text().splitlines()
    rows = [json.loads(x) for x in samples]
    recorded = [run["order"] for row in rows for run in row.get("runs", [])]
    assert sorted(recorded) == sorted(orders)  # each run says which order it was shown
    metrics = json.loads((bench["root"] / "out" / "metrics.json").read_text())
    assert metrics["judge"]["order"].startswith("seeded per clip and run")


def test_export_clean_marks_the_gt_and_the_clean_subset_scores_alone(bench) -> None:
    reply, _ = judge()
    clean = bench["root"] / "clean"
    with FakeServer(reply) as server:
        result = run_audit(bench, server, "--export-clean", str(clean))
        assert result.exit_code == 0, result.output
    lines = (clean / "gt_marked.jsonl").read_text().splitlines()
    marked = {r["sample_id"]: r for r in map(json.loads, lines)}
    # clip 1 and 4: flagged by every run; clip 2 by one run; clip 3 by none; clip 5 no video
    assert [marked[c]["consensus_flagged"] for c in ("1", "2", "3", "4", "5")] == [
        True, False, False, True, False]  # fmt: skip
    assert marked["1"]["errors"][0]["frames_show"] == "y" and marked["2"]["loose_flagged"]
    subset = json.loads((clean / "clean_subset.json").read_text())
    assert subset["sample_ids"] == ["2", "3"]  # audited in every run, not consensus-flagged
    manifest = json.loads((clean / "manifest.json").read_text())
    assert manifest["consensus_flagged"] == 2 and manifest["clean"] == 2
    assert len(manifest["annotations_sha256"]) == 64 and manifest["judge"]["model"] == "vjudge"
    predictions = bench["root"] / "preds.jsonl"
    with open(predictions, "w") as handle:
        for idx, (_, reference) in CLIPS.items():
            handle.write(json.dumps({"vid": idx, "prediction": reference}) + "\n")
    scored = runner.invoke(app, ["score", "dream1k", "-a", str(bench["annotations"]), "-p",
                                 str(predictions), "--protocol", "eventsim", "--subset",
                                 str(clean / "clean_subset.json"), "-o",
                                 str(bench["root"] / "scored")])  # fmt: skip
    assert scored.exit_code == 0, scored.output
    metrics = json.loads((bench["root"] / "scored" / "metrics.json").read_text())
    assert metrics["n_total"] == 2


def test_the_frame_evidence_step_can_be_switched_off(bench) -> None:
    prompts: list[str] = []

    def reply(received, n):  # type: ignore[no-untyped-def]
        prompts.append(received.prompt)
        body = json.loads(verdict(False, 8))
        del body["frame_evidence"]  # the ablation's judge lists no evidence
        return openai_reply(json.dumps(body))

    with FakeServer(reply) as server:
        result = run_audit(bench, server, "--no-frame-evidence")
        assert result.exit_code == 0, result.output
    assert prompts and not any("First, list what you can actually see" in p for p in prompts)
    metrics = json.loads((bench["root"] / "out" / "metrics.json").read_text())
    assert metrics["judge"]["frame_evidence"] is False and metrics["n_scored"] == 4
    # with the step on, a reply without evidence breaks the schema: asked again, then failed
    prompts.clear()
    with FakeServer(reply) as server:
        strict = run_audit(bench, server)
    assert strict.exit_code == 1 and "no clip could be audited" in strict.output
    assert all("First, list what you can actually see" in p for p in prompts)


def test_a_subset_that_names_no_sample_is_refused(bench) -> None:
    subset = bench["root"] / "clean_subset.json"
    subset.write_text(json.dumps({"sample_ids": ["not-a-clip"]}))
    predictions = bench["root"] / "preds.jsonl"
    predictions.write_text(json.dumps({"vid": 1, "prediction": "A red car."}) + "\n")
    scored = runner.invoke(app, ["score", "dream1k", "-a", str(bench["annotations"]), "-p",
                                 str(predictions), "--protocol", "eventsim", "--subset",
                                 str(subset)])  # fmt: skip
    assert scored.exit_code == 2 and "names none of the 5 samples" in scored.output
