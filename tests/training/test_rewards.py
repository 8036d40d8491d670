"""Rewards score an answer exactly as evaluation does: for every text protocol, the reward of an
answer is the IoU ``videoeval score`` writes in that answer's row."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.scoring.helpers import answer, row, run, sample
from videoeval.errors import UsageError
from videoeval.training.rewards import format_reward, iou_reward, score_answer, trl_reward

TEXT_PROTOCOLS = [
    "timelens", "timechat", "lmms-eval", "lmms-eval-hf", "videomind", "vtimellm", "moment-detr",
]  # fmt: skip
number = st.one_of(
    st.integers(0, 200).map(str),
    st.floats(0, 200, allow_nan=False).map(lambda v: f"{v:.1f}"),
    st.floats(0, 200, allow_nan=False).map(lambda v: f"{v:.2f}"),
)
clock = st.tuples(st.integers(0, 3), st.integers(0, 59)).map(lambda t: f"{t[0]:02d}:{t[1]:02d}")
# The answer styles of the grounding spec: "a - b seconds", "from a to b", clock times, bare
# numbers, reversed pairs, several pairs, words around them, nothing readable.
answers = st.one_of(
    st.tuples(number, number).map(lambda p: f"The event happens in {p[0]} - {p[1]} seconds."),
    st.tuples(number, number).map(lambda p: f"It starts from {p[0]} to {p[1]} seconds."),
    st.tuples(clock, clock).map(lambda p: f"{p[0]} - {p[1]}"),
    st.lists(number, min_size=1, max_size=5).map(" ".join),
    st.tuples(number, number, number, number).map(lambda p: f"{p[0]}-{p[1]}, then {p[2]}-{p[3]}"),
    st.sampled_from(["I cannot tell.", "", "The answer is: a person opens a door.", "-5 - -2"]),
    st.text(alphabet="0123456789 .-:toabs", max_size=30),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    texts=st.lists(answers, min_size=1, max_size=12),
    start=st.floats(0, 60, allow_nan=False),
    length=st.floats(0.5, 60, allow_nan=False),
)
@pytest.mark.parametrize("protocol", TEXT_PROTOCOLS)
def test_the_reward_is_the_iou_of_the_scored_row(
    protocol: str, texts: list[str], start: float, length: float
) -> None:
    window = (round(start, 1), round(start + length, 1))
    samples = [sample(str(i), window=window, duration=120.0) for i in range(len(texts))]
    result = run("charades-sta", protocol, samples,
                 [answer(str(i), t) for i, t in enumerate(texts)])  # fmt: skip
    for i, text in enumerate(texts):
        scored = row(result, str(i))
        reward = score_answer(text, window, 120.0, protocol, "charades-sta")
        assert reward.iou == (scored.iou or 0.0), (protocol, text)
        assert reward.status == scored.status


def test_worked_examples_of_the_evaluation_rewards() -> None:
    # timelens-eval: bounds rounded half-to-even to whole seconds, [2, 4] against [2, 4]
    assert iou_reward("The event happens in 2.5 - 4.4 seconds.", (2.0, 4.0), None,
                      "timelens-eval") == 1.0  # fmt: skip
    # an unreadable answer becomes [duration+10, duration+20]: IoU 0, no format credit
    assert iou_reward("no idea", (2.0, 4.0), 30.0, "timelens-eval") == 0.0
    assert format_reward("no idea", "timelens-eval") == 0.0
    assert format_reward("from 1 to 2", "timelens-eval") == 1.0
    # timechat swaps a reversed pair; timelens scores it 0 (a bare protocol name is its -eval)
    assert iou_reward("6 - 2 seconds", (2.0, 6.0), None, "timechat") == 1.0
    assert iou_reward("6 - 2 seconds", (2.0, 6.0), None, "timelens-eval") == 0.0


@pytest.mark.parametrize(
    ("completion", "gt", "expected"),
    [  # TencentARC/TimeLens @ 5d90c06 training/train/reward_funcs.py::tiou_reward, run on these
        ("The event happens in 0.4 - 0.6 seconds.", (0, 1), 0.19999999999999996),
        ("The event happens in 2.5 - 4.4 seconds.", (2, 4), 0.6249999999999999),
        (
            "<think>I see it.</think> <answer>The event happens from 5 to 8 seconds (about 3-4 s "
            "long).</answer>",
            (5, 8),
            1.0,
        ),
        ("no idea", (2, 4), 0.0),
        ("6 - 2 seconds", (2, 6), 0.0),  # start >= end: 0
        ("<think>x</think><answer>00:00:10 - 00:00:20</answer>", (10, 20), 1.0),
    ],
)
def test_the_training_reward_is_timelens_tiou_reward(completion, gt, expected) -> None:
    assert iou_reward(completion, gt) == expected  # timelens-train is the default


def test_training_and_evaluation_rewards_differ_where_timelens_does() -> None:
    # evaluation rounds to whole seconds; training does not
    assert iou_reward("0.4 - 0.6", (0, 1), None, "timelens-eval") == 1.0
    assert iou_reward("0.4 - 0.6", (0, 1)) == pytest.approx(0.2)
    # training reads every "to" as "-": both ranges are then dashes and the first one wins
    said = "The event happens from 5 to 8 seconds (about 3-4 s long)."
    assert iou_reward(said, (5, 8), None, "timelens-eval") == 0.0  # eval reads "3-4"
    assert iou_reward(said, (5, 8)) == 1.0


def test_trl_reward_reads_plain_and_conversational_completions() -> None:
    iou = trl_reward("iou", "timelens-eval")
    assert iou.__name__ == "videoeval_iou_timelens_eval"
    plain = iou(["0 - 10 seconds", "5 - 10 seconds"], span=[[0, 10], [0, 10]])
    chat = iou([[{"role": "assistant", "content": "0 - 10 seconds"}],
                [{"role": "assistant", "content": [{"type": "text", "text": "5 - 10"}]}]],
               span=[[0, 10], [0, 10]], duration=[20.0, 20.0])  # fmt: skip
    assert plain == chat == [1.0, 0.5]
    assert trl_reward("format")(["from 1 to 2", "nothing"]) == [1.0, 0.0]
    assert trl_reward().__name__ == "videoeval_iou_timelens_train"
    with pytest.raises(KeyError, match="'span' column"):
        iou(["1 - 2"], gt=[[1, 2]])
    with pytest.raises(UsageError, match="timelens-train"):
        trl_reward("iou", "no-such-protocol")


def test_the_ms_swift_plugin_registers_both_rewards(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIDEOEVAL_REWARD", "timechat-eval")
    monkeypatch.delitem(sys.modules, "videoeval.training.swift_plugin", raising=False)
    import videoeval.training.swift_plugin as plugin

    assert Path(plugin.__file__).name == "swift_plugin.py"
    iou = plugin.orms["videoeval_iou"]()
    assert iou(["6 - 2 seconds"], span=[[2, 6]]) == [1.0]  # timechat swaps
    assert plugin.orms["videoeval_format"]()(["nothing"]) == [0.0]
