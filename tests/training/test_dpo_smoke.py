"""A real training smoke test on what ``videoeval pairs`` exports: TRL's DPOTrainer takes
trl_dpo.jsonl as it is written (the clean frames as images) and trains a tiny random
Qwen2.5-VL for two steps on the CPU: the loss is finite and every weight moves."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tests.fake_servers import FakeServer
from tests.models.tiny_vlm import build_checkpoint
from tests.test_pairs import dream, invoke, policy  # noqa: F401


@pytest.mark.filterwarnings("ignore")  # TRL's and transformers' own deprecation notices
def test_dpo_trains_on_the_exported_pairs(dream, tmp_path: Path) -> None:  # noqa: F811
    # imported here, not at collection: seconds that every test worker would pay
    torch = pytest.importorskip("torch")
    datasets = pytest.importorskip("datasets")
    trl = pytest.importorskip("trl")
    pytest.importorskip("transformers")
    from transformers import AutoModelForImageTextToText, AutoProcessor

    videos, annotations = dream
    out = tmp_path / "pairs"
    with FakeServer(policy) as server:
        result = invoke(videos, annotations, out, server.base_url)
    assert result.exit_code == 0, result.output
    exported = out / "trl_dpo.jsonl"
    assert len(exported.read_text().splitlines()) == 2
    dataset = datasets.load_dataset("json", data_files=str(exported), split="train")
    dataset = dataset.cast_column("images", datasets.Sequence(datasets.Image()))
    assert trl.data_utils.is_conversational(dataset[0])
    checkpoint = build_checkpoint("qwen2.5-vl", tmp_path / "policy")
    processor = AutoProcessor.from_pretrained(checkpoint)
    model = AutoModelForImageTextToText.from_pretrained(checkpoint)
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    config = trl.DPOConfig(
        output_dir=str(tmp_path / "dpo"), per_device_train_batch_size=2, max_steps=2,
        learning_rate=1e-3, report_to=[], use_cpu=True, save_strategy="no", bf16=False,
        logging_steps=1, remove_unused_columns=False,
    )  # fmt: skip
    trainer = trl.DPOTrainer(model=model, args=config, train_dataset=dataset,
                             processing_class=processor)  # fmt: skip
    outcome = trainer.train()
    assert math.isfinite(outcome.training_loss)
    moved = [n for n, p in model.named_parameters() if not torch.equal(before[n], p.detach())]
    assert len(moved) == len(before)
    losses = [x["loss"] for x in trainer.state.log_history if "loss" in x]
    assert len(losses) == 2 and all(math.isfinite(float(v)) for v in losses)
