"""A GRPO step with videoeval's rewards in TRL's own trainer: a tiny random language model whose
vocabulary is digits and separators (so some of its answers parse as spans and the rewards vary
within a group), two steps on the CPU: the loss is finite, the weights move, and TRL logged
both reward functions by their names."""

from __future__ import annotations

import math

import pytest

from videoeval.training.rewards import trl_reward


def number_tokenizer():  # type: ignore[no-untyped-def]
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    raw = Tokenizer(models.BPE())
    raw.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    raw.decoder = decoders.ByteLevel()
    corpus = [f"{a} - {b} seconds" for a in range(0, 100, 7) for b in range(0, 100, 11)]
    trainer = trainers.BpeTrainer(vocab_size=40, special_tokens=["<pad>", "<eos>"])
    raw.train_from_iterator(corpus, trainer)
    return PreTrainedTokenizerFast(tokenizer_object=raw, eos_token="<eos>", pad_token="<pad>")


@pytest.mark.filterwarnings("ignore")  # TRL's and transformers' own notices
def test_grpo_steps_with_the_evaluation_rewards(tmp_path) -> None:
    # imported here, not at collection: seconds that every test worker would pay
    torch = pytest.importorskip("torch")
    datasets = pytest.importorskip("datasets")
    trl = pytest.importorskip("trl")
    pytest.importorskip("transformers")
    from transformers import Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(0)
    tok = number_tokenizer()
    config = Qwen2Config(vocab_size=len(tok), hidden_size=32, intermediate_size=64,
                         num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=1,
                         max_position_embeddings=256, pad_token_id=tok.pad_token_id,
                         eos_token_id=tok.eos_token_id)  # fmt: skip
    model = Qwen2ForCausalLM(config)
    rows = [{"prompt": "When does it happen? seconds", "span": [0.0, 100.0], "duration": 120.0}]
    dataset = datasets.Dataset.from_list(rows * 8)
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    args = trl.GRPOConfig(
        output_dir=str(tmp_path / "grpo"), per_device_train_batch_size=4, num_generations=4,
        max_completion_length=16, max_steps=2, learning_rate=1e-2, report_to=[], use_cpu=True,
        save_strategy="no", bf16=False, logging_steps=1, temperature=1.0,
    )  # fmt: skip
    rewards = [trl_reward("iou", "timelens-eval"), trl_reward("iou"), trl_reward("format")]
    trainer = trl.GRPOTrainer(model=model, reward_funcs=rewards, args=args,
                              train_dataset=dataset, processing_class=tok)  # fmt: skip
    outcome = trainer.train()
    assert math.isfinite(outcome.training_loss)
    moved = [n for n, p in model.named_parameters() if not torch.equal(before[n], p.detach())]
    assert moved, "no weight moved: the rewards gave no signal"
    logged = trainer.state.log_history[0]
    assert "rewards/videoeval_iou_timelens_eval/mean" in logged
    assert "rewards/videoeval_iou_timelens_train/mean" in logged
    assert "rewards/videoeval_format_timelens_train/mean" in logged
