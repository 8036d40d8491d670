"""The numpy encoder equals sentence-transformers (golden vectors made with it) to 1e-5."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from videoeval.metrics.sentence_encoder import EncoderUnavailable, MiniLMEncoder

GOLDEN = json.loads((Path(__file__).parent / "data" / "minilm_golden.json").read_text())


@pytest.fixture(scope="module")
def encoder() -> MiniLMEncoder:
    try:
        return MiniLMEncoder()
    except EncoderUnavailable as exc:
        pytest.skip(f"offline encoder not installed: {exc}")


def test_equal_to_sentence_transformers(encoder: MiniLMEncoder) -> None:
    ours = encoder.encode(GOLDEN["sentences"], batch_size=5)
    golden = np.asarray(GOLDEN["embeddings"], dtype=np.float32)
    assert np.abs(ours - golden).max() < 1e-5


def test_batching_and_order_do_not_change_embeddings(encoder: MiniLMEncoder) -> None:
    sentences = GOLDEN["sentences"]
    one_by_one = np.stack([encoder.encode([s])[0] for s in sentences])
    assert np.abs(encoder.encode(sentences[::-1], batch_size=3)[::-1] - one_by_one).max() < 1e-5


def test_missing_weights_are_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EncoderUnavailable, match=r"model\.safetensors"):
        MiniLMEncoder(tmp_path)
