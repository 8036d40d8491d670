"""ms-swift reads what we write, with its own code, where ms-swift is installed (it is not part
of the test needs: it pulls several GB; run these after `pip install ms-swift`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

swift_dataset = pytest.importorskip("swift.dataset")
swift_rewards = pytest.importorskip("swift.rewards")


@pytest.mark.filterwarnings("ignore")
def test_swift_loads_the_dpo_export_and_registers_the_rewards(tmp_path: Path) -> None:
    row = {"messages": [{"role": "user", "content": "<video>Describe."},
                        {"role": "assistant", "content": "A man opens the door."}],
           "rejected_response": "A dog.", "videos": [str(tmp_path / "v.mp4")],
           "sample_id": "1"}  # fmt: skip
    path = tmp_path / "swift_dpo.jsonl"
    path.write_text(json.dumps(row) + "\n")
    train, _ = swift_dataset.load_dataset([str(path)])
    loaded = train[0]
    assert loaded["messages"][-1]["content"] == "A man opens the door."
    assert loaded["rejected_response"] == "A dog." and loaded["videos"] == row["videos"]
    import videoeval.training.swift_plugin  # noqa: F401  (registers into swift's registry)

    reward = swift_rewards.orms["videoeval_iou"]()
    assert reward(["The event happens in 2 - 4 seconds."], span=[[2, 4]]) == [1.0]
