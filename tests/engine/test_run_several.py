"""``run a,b,c``: several benchmarks in one command, each with its own annotation file, in
OUT/<benchmark>; each checked before any is asked, and one that fails does not stop the rest."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tests.engine.conftest import QUERIES, answer_script, make_bench
from tests.fake_servers import FakeServer
from videoeval.cli import app

SPLITS = ["timelens-charades", "timelens-activitynet", "timelens-qvhighlights"]


def invoke(*args: object):
    return CliRunner().invoke(app, [str(a) for a in args])


def base(bench: dict[str, Path], url: str, tmp_path: Path) -> list[object]:
    return [
        "--videos",
        bench["videos"],
        "--model",
        "fake-vl",
        "--base-url",
        url,
        "--cache",
        tmp_path / "cache",
        "--max-tokens",
        "64",
        "--out",
        tmp_path / "out",
    ]


def test_three_splits_in_one_command_each_in_its_folder(tmp_path: Path) -> None:
    bench = make_bench(tmp_path)
    files = []
    for split in SPLITS:  # three copies of one file: one -a per benchmark, in order
        copy = tmp_path / f"{split}.json"
        copy.write_bytes(bench["annotations"].read_bytes())
        files += ["-a", copy]
    with FakeServer(answer_script) as server:
        result = invoke("run", ",".join(SPLITS[:2]), SPLITS[2], *files,
                        *base(bench, server.base_url, tmp_path))  # fmt: skip
        assert result.exit_code == 0, result.output
        asked = len(server.received)
        again = invoke("run", ",".join(SPLITS), *files, *base(bench, server.base_url, tmp_path))
        assert again.exit_code == 0 and len(server.received) == asked  # each folder resumed
    # the three files are one file: its queries asked once, the other splits read the cache
    assert asked == sum(len(qs) for vid, qs in QUERIES.items() if vid != "vmissing")
    assert result.output.count("from cache, 0 called") == 2
    for split in SPLITS:
        metrics = json.loads((tmp_path / "out" / split / "metrics.json").read_text())
        assert metrics["benchmark"] == split and metrics["protocol"] == "timelens"
        assert split in result.output
    assert "3 benchmarks" in result.output


def test_counts_that_do_not_match_are_refused_before_asking(tmp_path: Path) -> None:
    bench = make_bench(tmp_path)
    with FakeServer(answer_script) as server:
        one_file = invoke("run", ",".join(SPLITS), "-a", bench["annotations"],
                          *base(bench, server.base_url, tmp_path))  # fmt: skip
        twice = invoke(
            "run",
            "timelens-charades,timelens-charades",
            "-a",
            bench["annotations"],
            "-a",
            bench["annotations"],
            *base(bench, server.base_url, tmp_path),
        )
        # the second benchmark's file is missing: refused before the first is asked
        missing = invoke(
            "run",
            ",".join(SPLITS[:2]),
            "-a",
            bench["annotations"],
            "-a",
            tmp_path / "nope.json",
            *base(bench, server.base_url, tmp_path),
        )
        assert len(server.received) == 0
    assert one_file.exit_code == 2 and "3 benchmark(s) but 1 annotation file(s)" in one_file.output
    assert twice.exit_code == 2 and "named twice" in twice.output
    assert missing.exit_code == 2 and "nope.json" in missing.output


def test_one_prompt_file_for_views_of_different_tasks_is_refused(tmp_path: Path) -> None:
    bench = make_bench(tmp_path)
    dense = tmp_path / "yc2_val.json"
    dense.write_text(json.dumps({"v0": {"duration": 2.0, "timestamps": [[0, 1]],
                                        "sentences": ["crack the eggs"]}}))  # fmt: skip
    dream = tmp_path / "DREAM-1k.jsonl"
    dream.write_text(
        json.dumps(
            {
                "messages": [
                    {
                        "role": "assistant",
                        "content": [
                            {"type": "text", "text": "", "reference": "A man opens the door."}
                        ],
                    }
                ],
                "dataset": "DREAM/youtube",
                "idx": 1,
                "vid": "v0",
                "extra_info": {"events": []},
            }
        )
        + "\n"
    )
    prompt = tmp_path / "mine.txt"
    prompt.write_text("Describe the video.")  # fits both templates: it would be sent to both
    with FakeServer(answer_script) as server:
        result = invoke("run", "dream1k,youcook2", "-a", dream, "-a", dense,
                        "--prompt-file", prompt,
                        *base(bench, server.base_url, tmp_path))  # fmt: skip
        assert len(server.received) == 0
    assert result.exit_code == 2
    assert "--prompt-file is one prompt" in " ".join(result.output.split())
