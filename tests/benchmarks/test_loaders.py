from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import shared_file
from videoeval.benchmarks import BENCHMARKS, get_benchmark
from videoeval.benchmarks.timelens_bench import clean_query
from videoeval.demo import GT_FILE, data_path
from videoeval.errors import InputError


def test_registry_ids_and_default_protocols() -> None:
    assert {b: BENCHMARKS[b].default_protocol for b in BENCHMARKS} == {
        "clips": "autodq",
        "timelens-charades": "timelens",
        "timelens-activitynet": "timelens",
        "timelens-qvhighlights": "timelens",
        "charades-sta": "timechat",
        "activitynet-captions": "timelens",
        "qvhighlights": "moment-detr",
        "dream1k": "autodq",
        "carebench": "autodq",
        "etbench": "etbench",
        "youcook2": "densevid-2018",
        "tempcompass-mc": "tempcompass-mc",
        "tempcompass-yn": "tempcompass-yn",
        "tempcompass-cm": "tempcompass-cm",
        "tempcompass-cg": "tempcompass-cg",
        "tvbench": "mvbench",
        "tomato": "tomato",
        "videohallucer": "videohallucer",
        "vinoground": "vinoground",
        "mvbench": "mvbench",
        "videomme": "videomme",
        "longvideobench": "longvideobench",
        "eventhallusion": "eventhallusion-yn",
        "eventhallusion-desc": "eventhallusion-desc",
    }
    views = {b: BENCHMARKS[b].tasks for b in BENCHMARKS}
    assert views["activitynet-captions"] == ("grounding", "dense_captioning", "audit")
    assert views["youcook2"] == ("dense_captioning", "audit")
    assert views["dream1k"] == ("captioning", "audit")
    with pytest.raises(KeyError, match="known"):
        get_benchmark("charades")


def test_charades_timechat_layout_real_file() -> None:
    loaded = get_benchmark("charades-sta").load(data_path(GT_FILE))
    assert len(loaded.samples) == 3720
    assert len({s.video_id for s in loaded.samples}) == 1334
    first = loaded.samples[0]
    assert (first.sample_id, first.video_id, first.windows) == ("0", "3MSZA", ((24.3, 30.4),))
    assert first.query == "person turn a light on."
    assert loaded.skipped == []


def test_charades_original_text_layout(tmp_path: Path) -> None:
    path = tmp_path / "charades_sta_test.txt"
    path.write_text(
        "3MSZA 24.3 30.4##person turn a light on.\n\n"
        "broken line without separator\n"
        "AO8RW 0.0 6.9##a person is putting a book on a shelf.\n"
        "AO8RW 1.0 nan##not finite\n",
        encoding="utf-8",
    )
    loaded = get_benchmark("charades-sta").load(path)
    assert [s.sample_id for s in loaded.samples] == ["0", "2"]  # ids are line indices
    assert loaded.samples[1].windows == ((0.0, 6.9),)
    assert len(loaded.skipped) == 2
    assert "charades_sta_test.txt:3" in loaded.skipped[0]
    assert "charades_sta_test.txt:5" in loaded.skipped[1]


def test_activitynet_val2_grounding_view() -> None:
    loaded = get_benchmark("activitynet-captions").load(
        shared_file("captions/anet_captions_val_2.json")
    )
    assert len(loaded.samples) == 17031
    assert len({s.video_id for s in loaded.samples}) == 4885
    assert all(s.split == "val_2" for s in loaded.samples[:10])
    assert not any(s.query.startswith(" ") for s in loaded.samples)


def test_qvhighlights_real_file_has_several_windows() -> None:
    loaded = get_benchmark("qvhighlights").load(
        shared_file("timelens/legacy_qvhighlights_val_gt_univtg.jsonl")
    )
    assert len(loaded.samples) == 1550  # the val split; `wc -l` says 1549: no final newline
    counts = [len(s.windows) for s in loaded.samples]
    assert min(counts) == 1 and max(counts) > 1
    assert loaded.samples[0].sample_id == "2579" and loaded.samples[0].duration == 150


def test_timelens_bench_layout_and_query_cleaning(write_json) -> None:
    path = write_json(
        "charades-timelens.json",
        {
            "AO8RW": {
                "duration": 33.67,
                "spans": [[0.0, 6.9], [10, 12]],
                "queries": ["  a person  puts a book\ton a shelf.. ", ".Person >>> sits."],
            },
            "BROKEN": {"duration": 3, "spans": [[0, 1]], "queries": []},
        },
    )
    loaded = get_benchmark("timelens-charades").load(path)
    assert [s.query for s in loaded.samples] == [
        "a person puts a book on a shelf",
        "Person >>> sits",
    ]
    assert loaded.samples[1].windows == ((10.0, 12.0),)
    assert loaded.samples[0].duration == 33.67
    assert "BROKEN" in loaded.skipped[0]


def test_clean_query_matches_the_reference_rule() -> None:
    assert clean_query(" \n.. hello   world ..\t") == "hello world"
    assert clean_query("...") == ""


@pytest.mark.parametrize("benchmark", sorted(BENCHMARKS))
def test_unusable_files_raise_a_clear_error(benchmark: str, tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    with pytest.raises(InputError, match="file not found"):
        get_benchmark(benchmark).load(missing)
    garbage = tmp_path / "garbage.json"
    garbage.write_text("[1, 2, 3]", encoding="utf-8")
    with pytest.raises(InputError, match=r"garbage\.json"):
        get_benchmark(benchmark).load(garbage)


def test_dream1k_real_file() -> None:
    loaded = get_benchmark("dream1k").load(shared_file("captions/DREAM-1k.jsonl"))
    samples = loaded.samples
    assert len(samples) == 1000 and loaded.skipped == []
    assert sum(len(s.events) for s in samples) == 6298
    assert [s.sample_id for s in samples if not s.events] == ["649", "804", "980", "981"]
    counts = {c: sum(s.category == c for s in samples) for c in {s.category for s in samples}}
    assert counts == dict.fromkeys(
        ["movie_animation", "movie_live_action", "vertical_video", "videvo", "youtube"], 200
    )
    assert samples[0].reference.startswith("A character emerges from smoke and fire")


def test_dream1k_older_layout_and_carebench(write_jsonl, write_json) -> None:
    old = write_jsonl(
        "dream_v1.jsonl",
        [
            {
                "idx": 7,
                "dataset": "DREAM/shorts",
                "text": {"prompt": "Describe the video in detail.", "response": "A man waves."},
                "extra_info": {"events": ["A man waves."], "n_events": 1},
            }
        ],
    )
    (sample,) = get_benchmark("dream1k").load(old).samples
    assert (sample.category, sample.reference, sample.events) == (
        "vertical_video",
        "A man waves.",
        ("A man waves.",),
    )
    care = write_json(
        "metadata.json",
        [
            {"video": "clips/abc.mp4", "caption": "A cat jumps.", "events": ["A cat jumps."]},
            {"video": "def.mp4", "caption": "A dog sits."},
            {"caption": "no video field"},
        ],
    )
    loaded = get_benchmark("carebench").load(care)
    assert [s.sample_id for s in loaded.samples] == ["abc", "def"]
    assert loaded.samples[1].events is None and len(loaded.skipped) == 1


def test_a_folder_of_annotation_files_has_one_digest(tmp_path: Path) -> None:
    from videoeval.benchmarks.base import annotation_digest

    (tmp_path / "a.json").write_text("[]")
    (tmp_path / "b.json").write_text("{}")
    first = annotation_digest(tmp_path)
    assert annotation_digest(tmp_path) == first  # the same files, the same digest
    (tmp_path / "b.json").write_text("{ }")
    assert annotation_digest(tmp_path) != first  # a changed file changes it
    (tmp_path / "b.json").write_text("{}")
    (tmp_path / "b.json").rename(tmp_path / "c.json")
    assert annotation_digest(tmp_path) != first  # and so does a renamed one
    renamed = annotation_digest(tmp_path)
    (tmp_path / "videos").mkdir()  # videos and outputs kept beside are not annotations
    (tmp_path / "videos" / "a.mp4").write_bytes(b"\0" * 64)
    (tmp_path / "notes.txt").write_text("x")
    assert annotation_digest(tmp_path) == renamed
