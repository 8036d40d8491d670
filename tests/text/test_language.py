"""The run-wide language scorers equal pycocoevalcap's own ``compute_score`` on each group, bit
for bit, however pairs recur across groups and however many METEOR jars share the work."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest

pytestmark = [
    pytest.mark.skipif(shutil.which("java") is None, reason="METEOR and the tokenizer need Java"),
    # pycocoevalcap's own Meteor leaves its pipes to the garbage collector
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
    pytest.mark.cost(25),
]

SENTENCES = [
    "a man opens the door",
    "a man opens a door",
    "he walks in and sits down on a chair",
    "the dog barks ||| at the cat",
    "abc123!@#",
    "a woman is playing the violin on a stage",
    "people are dancing",
    "a",
]


@pytest.fixture(scope="module")
def scorers() -> Iterator[Any]:
    pytest.importorskip("pycocoevalcap", reason="pycocoevalcap is not installed")
    from videoeval.text.language import LanguageScorers

    shared = LanguageScorers(meteor_processes=2)
    try:
        yield shared
    finally:
        shared.close()


@pytest.fixture(scope="module")
def library() -> Iterator[dict[str, Any]]:
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.meteor.meteor import Meteor
    from pycocoevalcap.rouge.rouge import Rouge

    meteor = Meteor()
    yield {"Bleu": Bleu(4), "Meteor": meteor, "Rouge": Rouge(), "Cider": Cider()}
    process = meteor.meteor_p
    process.kill()
    process.wait()
    process.stdout.close()
    process.stderr.close()


def library_scores(library: dict[str, Any], group: list[tuple[str, str]]) -> dict[str, float]:
    res = {i: [p] for i, (p, _) in enumerate(group)}
    gts = {i: [g] for i, (_, g) in enumerate(group)}
    bleu, _ = library["Bleu"].compute_score(gts, res, verbose=0)
    out = {f"Bleu_{k + 1}": float(v) for k, v in enumerate(bleu)}
    out["METEOR"] = float(library["Meteor"].compute_score(gts, res)[0])
    out["ROUGE_L"] = float(library["Rouge"].compute_score(gts, res)[0])
    out["CIDEr"] = float(library["Cider"].compute_score(gts, res)[0])
    return out


def test_group_scores_equal_each_scorer_on_the_group_alone(scorers, library) -> None:
    s = SENTENCES
    groups = [
        [(s[0], s[1]), (s[2], s[4])],
        [(s[0], s[1]), (s[2], s[4]), (s[5], s[6])],  # the first two pairs recur
        [],
        [(s[3], s[0])],  # "|||" inside a hypothesis
        [(s[1], s[0]), (s[0], s[1]), (s[7], s[7]), (s[5], s[5])],
        [(s[0], s[1])] * 3,  # one pair three times
    ]
    got = scorers.group_scores(groups)
    for group, scores in zip(groups, got, strict=True):
        if not group:
            assert scores == {}
            continue
        assert scores == library_scores(library, group)  # exact, not approximate


def test_tables_dropped_between_groups_change_nothing(scorers, monkeypatch) -> None:
    """The n-gram tables are a cache cleared every so many groups (bounded memory): scored
    with a clearing before every group, each group's scores are the same floats."""
    from videoeval.text import language

    s = SENTENCES
    groups = [[(s[0], s[1]), (s[2], s[4])], [(s[0], s[1]), (s[5], s[6])], [(s[1], s[0])],
              [(s[0], s[1]), (s[2], s[4]), (s[7], s[7])]]  # fmt: skip
    kept = scorers.group_scores(groups)
    monkeypatch.setattr(language, "_GROUPS_CACHED", 1)
    assert scorers.group_scores(groups) == kept
    assert not scorers._parts and not scorers._counts and not scorers._bleu_refs


def test_meteor_pool_lines_and_evals_equal_the_library(scorers, library) -> None:
    meteor = library["Meteor"]
    pool = scorers.meteor
    lines = [(h, (r,)) for h in SENTENCES for r in SENTENCES[:4]]
    lines += [(SENTENCES[0], (SENTENCES[1], SENTENCES[2]))]  # several references
    stats = pool.stats(lines)
    assert len(pool.started) == 2
    assert stats == [meteor._stat(h, list(r)) for h, r in lines]
    groups = [stats[:5], stats[5:6], [], stats[6:]]
    evaluated = pool.evaluate(groups)
    for group_lines, (corpus, per_line) in zip(
        [lines[:5], lines[5:6], [], lines[6:]], evaluated, strict=True
    ):
        if not group_lines:
            assert (corpus, per_line) == (0.0, [])
            continue
        gts = {i: list(r) for i, (_, r) in enumerate(group_lines)}
        res = {i: [h] for i, (h, _) in enumerate(group_lines)}
        assert (corpus, per_line) == meteor.compute_score(gts, res)
        # a segment's own score does not depend on the EVAL it is sent in
        assert pool.segment_scores(pool.stats(group_lines)) == per_line
        assert pool.corpus_scores([pool.stats(group_lines)]) == [corpus]


def test_answered_lines_are_held_once_and_equal_tokens_are_one_string(scorers) -> None:
    """What a dense run holds for its whole length: a line's statistics, not also its pending
    job once answered; one string for equal tokens across tokenizer batches."""
    pool = scorers.meteor
    lines = [(h, (SENTENCES[2],)) for h in SENTENCES[:5]]
    stats = pool.stats(lines)
    assert stats == pool.stats(lines)
    assert not any(line in pool._pending for line in lines)
    first, second = scorers.tokenize_batches([[SENTENCES[0], SENTENCES[2]], [SENTENCES[2]]])
    assert first[1] == second[0] == "he walks in and sits down on a chair"
    assert first[1] is second[0]


def test_corpus_scores_from_added_up_statistics_equal_the_librarys(scorers, library) -> None:
    """One segment holding a group's summed statistics gives the group's corpus score, also
    where a hypothesis equals its reference (the jar leaves that segment's chunk out)."""
    import random

    rng = random.Random(4)
    words = sorted({w for sentence in SENTENCES for w in sentence.split() if w.isalpha()})
    pool = [" ".join(rng.choice(words) for _ in range(rng.randint(1, 9))) for _ in range(40)]
    groups = []
    for _ in range(120):
        group = [(rng.choice(pool), (rng.choice(pool),)) for _ in range(rng.randint(1, 7))]
        if rng.random() < 0.5:
            same = rng.choice(pool)
            group.insert(rng.randrange(len(group) + 1), (same, (same,)))
        groups.append(group)
    got = scorers.meteor.corpus_scores([scorers.meteor.stats(g) for g in groups])
    meteor = library["Meteor"]
    for group, corpus in zip(groups, got, strict=True):
        gts = {i: list(r) for i, (_, r) in enumerate(group)}
        res = {i: [h] for i, (h, _) in enumerate(group)}
        assert corpus == meteor.compute_score(gts, res)[0]


def test_the_jar_and_its_arguments_are_the_librarys(library) -> None:
    from videoeval.text.meteor import JVM_FLAGS, meteor_command

    ours = [arg for arg in meteor_command() if arg not in JVM_FLAGS]
    theirs = [arg for arg in library["Meteor"].meteor_cmd if not arg.startswith("-Xmx")]
    assert sorted(ours) == sorted(theirs)
    assert ours[ours.index("-jar") + 1 :] == theirs[theirs.index("-jar") + 1 :]


def test_a_meteor_process_that_dies_is_an_error_not_a_hang() -> None:
    pytest.importorskip("pycocoevalcap", reason="pycocoevalcap is not installed")
    from videoeval.errors import VideoevalError
    from videoeval.text.meteor import MeteorPool

    pool = MeteorPool(1)
    try:
        pool.start()
        pool.started[0].kill()
        pool.started[0].wait()
        with pytest.raises(VideoevalError, match="METEOR process"):
            pool.stats([("a man", ("a woman",))])
    finally:
        pool.close()


def test_process_count_grows_with_the_work_and_stays_within_the_cores(monkeypatch) -> None:
    from videoeval.text import meteor

    monkeypatch.setattr(meteor.os, "sched_getaffinity", lambda _: {0, 1}, raising=False)
    assert meteor.default_processes(100) == 1
    assert meteor.default_processes(meteor.LINES_PER_EXTRA_PROCESS) == 2
    assert meteor.default_processes(10**7) == 2
    monkeypatch.setattr(meteor.os, "sched_getaffinity", lambda _: set(range(64)), raising=False)
    assert meteor.default_processes(10**7) == 4


def test_closing_in_the_middle_of_a_run_ends_at_once() -> None:
    # an interrupted score (Ctrl-C) must not wait for the queued alignments
    import time

    pytest.importorskip("pycocoevalcap", reason="pycocoevalcap is not installed")
    from videoeval.text.meteor import MeteorPool

    pool = MeteorPool(1)
    lines = [(f"a man number {i} walks in a park", (f"a woman {i} runs",)) for i in range(60000)]
    pool.prefetch(lines)  # ~20 s of work for one jar
    pool.later(lambda: pool.segment_scores(pool.stats(lines)))
    time.sleep(0.5)
    start = time.monotonic()
    pool.close()
    assert time.monotonic() - start < 5
    assert pool.started == []
