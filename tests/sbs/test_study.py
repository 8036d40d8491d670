"""Side-by-side studies through the library and the web app's HTTP interface: assignment with
overlap and resume, idempotent submits, token isolation, media safety and range requests, and
results against hand-computed figures."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from tests.sbs.helpers import MINE, make_study
from videoeval.errors import UsageError
from videoeval.sbs.results import cohen_kappa, fleiss_kappa, study_results
from videoeval.sbs.store import annotator_of, next_item, open_study, submit

pytest.importorskip("starlette", reason="the sbs extra (starlette) is not installed")
from starlette.testclient import TestClient

from videoeval.sbs.server import make_app

CHOICE = {"overall": "left", "accuracy": "left", "completeness": "tie", "hallucination": "right"}


def token(link: str) -> str:
    return link.rsplit("/", 1)[-1]


def test_stratified_sample_overlap_and_resume(tmp_path: Path) -> None:
    made, _ = make_study(tmp_path, n=12, annotators=("ana", "ben", "cy"), overlap=2,
                         per_category=4)  # fmt: skip
    assert made.items == 8  # 4 of each category
    db = open_study(made.path)
    cats = Counter(r[0] for r in db.execute("SELECT category FROM items"))
    assert cats == {"animation": 4, "live_action": 4}
    ids = {n: annotator_of(db, token(link)) for n, link in made.links.items()}
    first = next_item(db, ids["ana"])
    assert first is not None and next_item(db, ids["ana"]) == first  # resume: the same item
    for name in ("ana", "ben", "cy"):  # everyone judges until nothing is left for them
        while (item := next_item(db, ids[name])) is not None:
            assert submit(db, ids[name], item.key, CHOICE, "")
    taken = Counter(r[0] for r in db.execute("SELECT item FROM assignments"))
    assert set(taken.values()) == {2}  # every item judged twice, never three times
    done = Counter(r[0] for r in db.execute("SELECT annotator FROM judgements"))
    assert sum(done.values()) == 16


def test_left_and_right_are_drawn_per_annotator_and_item(tmp_path: Path) -> None:
    made, _ = make_study(tmp_path, n=20, overlap=2)
    db = open_study(made.path)
    sides: dict[str, dict[str, bool]] = {}
    for name, link in made.links.items():
        me = annotator_of(db, token(link))
        assert me is not None
        sides[name] = {}
        while (item := next_item(db, me)) is not None:
            sides[name][item.key] = item.left.startswith("A man walks")
            submit(db, me, item.key, CHOICE, "")
    for name in sides:  # both orders occur for each annotator
        assert 0 < sum(sides[name].values()) < 20
    differs = sum(sides["ana"][k] != sides["ben"][k] for k in sides["ana"])
    assert 0 < differs < 20  # and the two annotators' pages differ on some items


def test_a_second_submit_changes_nothing_and_bad_forms_are_refused(tmp_path: Path) -> None:
    made, _ = make_study(tmp_path, n=4)
    db = open_study(made.path)
    me = annotator_of(db, token(made.links["ana"]))
    assert me is not None
    item = next_item(db, me)
    assert item is not None
    assert submit(db, me, item.key, CHOICE, "first") is True
    assert submit(db, me, item.key, {**CHOICE, "overall": "right"}, "second") is False
    stored = db.execute("SELECT choices, reason FROM judgements").fetchall()
    assert len(stored) == 1 and json.loads(stored[0][0])["overall"] == "left"
    assert stored[0][1] == "first"
    from videoeval.sbs.store import SubmitError

    nxt = next_item(db, me)
    assert nxt is not None
    with pytest.raises(SubmitError, match="each of"):
        submit(db, me, nxt.key, {"overall": "left"}, "")
    with pytest.raises(SubmitError, match="one of"):
        submit(db, me, nxt.key, {**CHOICE, "overall": "A"}, "")


def test_a_study_is_made_once_with_every_option_checked(tmp_path: Path) -> None:
    from videoeval.sbs.create import create_study, read_source

    made, files = make_study(tmp_path, n=4)
    sources = [read_source(files["mine"], "mine"), read_source(files["theirs"], "theirs")]
    args = ("dream1k", files["annotations"], files["videos"])
    with pytest.raises(UsageError, match="exists"):
        create_study(made.path, *args, sources, ["ana"])
    with pytest.raises(UsageError, match="--overlap"):
        create_study(tmp_path / "b.sqlite", *args, sources, ["ana"], overlap=2)
    with pytest.raises(UsageError, match="two or more"):
        create_study(tmp_path / "c.sqlite", *args, sources[:1], ["ana"])
    with pytest.raises(UsageError, match="share a label"):
        create_study(tmp_path / "d.sqlite", *args, [sources[0], sources[0]], ["ana"])


def test_http_tokens_isolation_media_and_double_submit(tmp_path: Path) -> None:
    made, files = make_study(tmp_path, n=4, video_clips=4)
    client = TestClient(make_app(made.path))
    ana, ben = made.links["ana"], made.links["ben"]
    page = client.get(ana)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    for word in (
        "mine",
        "theirs",
        "clip0",
        "clip1",
        ".mp4",
        "DREAM",
        "dream1k",
        str(files["videos"]),
    ):
        assert word not in page.text  # blinding: no system, file or benchmark name
    key = page.text.split('data-item="', 1)[1].split('"', 1)[0]
    assert client.get("/a/not-a-token-at-all-xx").status_code == 404
    assert client.get(f"/a/{'x' * 24}").status_code == 404
    # ben may not see or judge ana's item until it is his own
    assert client.get(f"{ben}/media/{key}").status_code == 404
    ben_key = client.get(ben).text.split('data-item="', 1)[1].split('"', 1)[0]
    if ben_key != key:
        assert client.post(f"{ben}/judge", json={"item": key, "choices": CHOICE}).status_code == 404
    # media: the item's own video, with HTTP ranges (a player seeks)
    whole = client.get(f"{ana}/media/{key}")
    assert whole.status_code == 200 and whole.headers["content-type"] == "video/mp4"
    part = client.get(f"{ana}/media/{key}", headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and len(part.content) == 100
    assert part.content == whole.content[:100]
    for bad in ("../../../etc/passwd", "..%2F..%2Fstudy.sqlite", "0123456789abcdeg"):
        assert client.get(f"{ana}/media/{bad}").status_code == 404
    # a tampered study whose media leads outside the videos folder serves nothing
    db = sqlite3.connect(made.path)
    db.execute("UPDATE items SET media = ? WHERE key = ?", (str(made.path), key))
    db.commit()
    db.close()
    assert client.get(f"{ana}/media/{key}").status_code == 404
    # submit twice: stored once
    first = client.post(f"{ana}/judge", json={"item": key, "choices": CHOICE, "reason": "ok"})
    again = client.post(f"{ana}/judge", json={"item": key, "choices": CHOICE, "reason": "ok"})
    assert first.json() == {"ok": True, "stored": True}
    assert again.json() == {"ok": True, "stored": False}
    assert client.post(f"{ana}/judge", content=b"not json").status_code == 400
    assert client.post(f"{ana}/judge", json={"item": key, "choices": "x"}).status_code == 400
    assert client.get(f"{ana}/app.js").status_code == 200
    assert client.get(f"/a/{'y' * 24}/app.js").status_code == 404


def test_results_equal_a_hand_computed_table(tmp_path: Path) -> None:
    """4 items, two annotators each judging all. Overall (as sides of the item, a = mine):
    ana: a a tie b; ben: a tie tie b. Per item scores for mine: 1, .5, 0, -1 -> advantage
    12.5%; wins 3, ties 3, losses 2 over 8 judgements."""
    made, _ = make_study(tmp_path, n=4)
    db = open_study(made.path)
    plan = {"ana": ["a", "a", "tie", "b"], "ben": ["a", "tie", "tie", "b"]}
    order = [r[0] for r in db.execute("SELECT key FROM items ORDER BY sample_id")]
    for name, outcomes in plan.items():
        me = annotator_of(db, token(made.links[name]))
        assert me is not None
        while (item := next_item(db, me)) is not None:
            want = outcomes[order.index(item.key)]
            mine_left = item.left.startswith(MINE[:10])
            said = ("tie" if want == "tie" else
                    "left" if (want == "a") == mine_left else "right")  # fmt: skip
            submit(db, me, item.key, dict.fromkeys(CHOICE, said), "")
    figures = study_results(db, resamples=500)
    row = figures["comparisons"][0]
    assert (row["system"], row["versus"]) == ("mine", "theirs")
    overall = row["criteria"]["overall"]
    assert (overall["win"], overall["tie"], overall["loss"]) == (3, 3, 2)
    assert overall["advantage"] == pytest.approx(12.5) and overall["items"] == 4
    low, high = overall["ci95"]
    assert low <= 12.5 <= high
    # ana vs ben on the 4 shared items: a a t b / a t t b: observed 3/4; chance
    # (2*1 + 1*2 + 1*1) / 16 = 5/16 -> kappa (0.75 - 0.3125) / 0.6875
    agreement = figures["agreement"]["overall"]
    assert agreement["mean_cohen_kappa"] == pytest.approx((0.75 - 0.3125) / 0.6875)
    assert agreement["all_agree"] == 75.0
    assert figures["position_bias"]["left"] + figures["position_bias"]["right"] == 5


def test_kappas_against_worked_examples() -> None:
    assert cohen_kappa(list("aabb"), list("aabb")) == 1.0
    assert cohen_kappa(list("ab"), list("ba")) == pytest.approx(-1.0)
    # Fleiss' own example table is too long; a small one: 3 items, 2 raters
    table = [Counter({"a": 2}), Counter({"b": 2}), Counter({"a": 1, "b": 1})]
    # P_i = 1, 1, 0 -> P = 2/3; p_a = p_b = 1/2 -> P_e = 1/2 -> kappa = 1/3
    assert fleiss_kappa(table) == pytest.approx(1 / 3)
