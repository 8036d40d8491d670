"""The protocol registry and the benchmark views agree: every view's default protocol exists
and scores that view's task; every protocol names its reference and its configuration."""

from __future__ import annotations

import pytest

from videoeval.benchmarks import BENCHMARKS
from videoeval.errors import UsageError
from videoeval.protocols import REGISTRY, protocol_info, protocols_for


def test_every_view_defaults_to_a_protocol_of_its_own_task() -> None:
    for benchmark in BENCHMARKS.values():
        for view in benchmark.views:
            assert protocol_info(view.default_protocol).task == view.task, (benchmark.id, view)


def test_every_protocol_is_documented_and_serialisable() -> None:
    import json

    for info in REGISTRY.values():
        assert info.reference and info.description and info.title, info.name
        json.dumps(info.config_record())  # written into metrics.json as protocol_config
    assert {p.name for p in protocols_for("dense_captioning")} == {
        "densevid-2018", "densevid-2019", "etbench", "joint"
    }  # fmt: skip


def test_videomind_units_come_from_the_benchmarks() -> None:
    from videoeval.protocols.grounding import get_protocol

    videomind = get_protocol("videomind")
    assert videomind.round_unit_for("charades-sta") == 0.1
    assert videomind.round_unit_for("timelens-activitynet") == 0.01
    assert videomind.round_unit_for("qvhighlights") == 2.0
    assert videomind.round_unit_for("youcook2") == 0.001  # no unit: VideoMind's default


def test_unknown_protocol_names_the_known_ones() -> None:
    with pytest.raises(UsageError, match="known: timelens"):
        protocol_info("bogus")
