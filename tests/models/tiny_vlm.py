"""Tiny random-weight Qwen2.5-VL and Qwen3-VL checkpoints, built from configs in the test with a
tokenizer trained on the spot: nothing is downloaded. Saved as real checkpoint folders, so the
backend loads them the way it loads a user's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

FAMILIES = ("qwen2.5-vl", "qwen3-vl")
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>",
            "<|image_pad|>", "<|video_pad|>"]  # fmt: skip

# Our own template in the Qwen chat layout (the checkpoints' own templates are not copied).
CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n"
    "{% if m['content'] is string %}{{ m['content'] }}{% else %}"
    "{% for c in m['content'] %}"
    "{% if c['type'] == 'video' %}<|vision_start|><|video_pad|><|vision_end|>"
    "{% elif c['type'] == 'image' %}<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif c['type'] == 'text' %}{{ c['text'] }}{% endif %}"
    "{% endfor %}{% endif %}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

CORPUS = [
    "The event happens in 12.5 - 20.0 seconds.",
    "<0.5 seconds> a person opens a door and walks into the kitchen",
    "Describe the video in detail. 0.0 - 3.5 seconds, a red square moves right.",
    "0123456789 . - : seconds from to start end",
]


def tokenizer() -> Any:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400, special_tokens=SPECIALS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )  # fmt: skip
    tok.train_from_iterator(CORPUS * 20, trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>"
    )
    fast.add_special_tokens({"additional_special_tokens": SPECIALS[1:]})
    return fast


def _config(family: str, tok: Any) -> Any:
    ids = {name: tok.convert_tokens_to_ids(token) for name, token in (
        ("image_token_id", "<|image_pad|>"), ("video_token_id", "<|video_pad|>"),
        ("vision_start_token_id", "<|vision_start|>"), ("vision_end_token_id", "<|vision_end|>"),
    )}  # fmt: skip
    text: dict[str, Any] = {
        "vocab_size": len(tok), "hidden_size": 64, "intermediate_size": 128,
        "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
        "max_position_embeddings": 4096,
        "bos_token_id": tok.convert_tokens_to_ids("<|endoftext|>"),
        "eos_token_id": tok.convert_tokens_to_ids("<|im_end|>"),
        "pad_token_id": tok.convert_tokens_to_ids("<|endoftext|>"),
    }  # fmt: skip
    vision: dict[str, Any] = {"depth": 2, "hidden_size": 32, "intermediate_size": 64,
                              "num_heads": 2, "out_hidden_size": 64, "spatial_merge_size": 2,
                              "temporal_patch_size": 2, "in_channels": 3}  # fmt: skip
    if family == "qwen2.5-vl":
        from transformers import Qwen2_5_VLConfig

        text["rope_scaling"] = {"type": "mrope", "mrope_section": [2, 3, 3]}
        vision.update(patch_size=14, window_size=112, fullatt_block_indexes=[1])
        return Qwen2_5_VLConfig(text_config=text, vision_config=vision, **ids)
    from transformers import Qwen3VLConfig

    text.update(head_dim=16, rope_scaling={"rope_type": "default", "mrope_section": [2, 3, 3],
                                          "mrope_interleaved": True})  # fmt: skip
    vision.update(patch_size=16, num_position_embeddings=256, deepstack_visual_indexes=[1])
    return Qwen3VLConfig(text_config=text, vision_config=vision, **ids)


def processor(family: str, tok: Any) -> Any:
    if family == "qwen2.5-vl":
        from transformers import Qwen2_5_VLProcessor, Qwen2VLImageProcessor, Qwen2VLVideoProcessor

        return Qwen2_5_VLProcessor(
            image_processor=Qwen2VLImageProcessor(), video_processor=Qwen2VLVideoProcessor(),
            tokenizer=tok, chat_template=CHAT_TEMPLATE,
        )  # fmt: skip
    from transformers import Qwen2VLImageProcessor, Qwen3VLProcessor, Qwen3VLVideoProcessor

    return Qwen3VLProcessor(
        image_processor=Qwen2VLImageProcessor(patch_size=16),
        video_processor=Qwen3VLVideoProcessor(patch_size=16),
        tokenizer=tok, chat_template=CHAT_TEMPLATE,
    )  # fmt: skip


def build_checkpoint(family: str, folder: Path, seed: int = 0) -> Path:
    """A tiny ``family`` checkpoint saved in ``folder`` (config, weights, processor)."""
    import torch
    from transformers import AutoModelForImageTextToText

    torch.manual_seed(seed)
    tok = tokenizer()
    model = AutoModelForImageTextToText.from_config(_config(family, tok))
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    processor(family, tok).save_pretrained(folder)
    return folder
