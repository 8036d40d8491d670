"""A local Hugging Face checkpoint as a :class:`Model`: ``--backend hf --model PATH``.

The checkpoint loads with ``AutoProcessor`` and ``AutoModelForImageTextToText`` (a local folder
or a hub id already in the local cache), one copy per device. Requests queue up and each
device's worker takes up to ``batch_size`` of them at a time: greedy requests are generated
together (left padding), a request that samples is generated alone with its seed set first, so
its answer does not depend on which requests shared its batch. Everything is imported when the
model loads: the base install has no torch.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import json
import queue
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from videoeval.errors import UsageError
from videoeval.models.base import ModelError, ModelRequest, ModelResponse

DTYPES = ("auto", "bfloat16", "float16", "float32")
_EDGE = 1 << 16
_CHECKPOINT_FILES = ("config.json", "generation_config.json", "preprocessor_config.json",
                     "video_preprocessor_config.json", "processor_config.json",
                     "tokenizer.json", "tokenizer_config.json", "chat_template.jinja",
                     "chat_template.json")  # fmt: skip


def parse_devices(text: str | None) -> tuple[str, ...]:
    """``"0,1"`` -> ``("cuda:0", "cuda:1")``; ``"cpu"``, ``"mps"`` and ``"cuda:N"`` as given;
    ``None`` -> the first GPU when there is one, else the CPU (decided at load time)."""
    if text is None:
        return ("auto",)
    devices = []
    for part in (p.strip() for p in text.split(",")):
        if part.isdigit():
            devices.append(f"cuda:{part}")
        elif part in ("cpu", "mps") or (part.startswith("cuda:") and part[5:].isdigit()):
            devices.append(part)
        else:
            raise UsageError(f"--devices takes GPU numbers (0,1), cpu or cuda:N, not {part!r}")
    if not devices:
        raise UsageError("--devices is empty")
    return tuple(devices)


def checkpoint_fingerprint(path: Path) -> str:
    """What identifies a local checkpoint's answers: its config, tokenizer and processor files,
    and each weight file's size with its first and last 64 KiB (a retrained checkpoint saved to
    the same folder gets a new fingerprint; a copied one keeps it)."""
    digest = hashlib.sha256()
    for name in _CHECKPOINT_FILES:
        file = path / name
        if file.is_file():
            digest.update(name.encode() + b"\0" + file.read_bytes())
    for weights in sorted([*path.glob("*.safetensors"), *path.glob("*.bin")]):
        size = weights.stat().st_size
        digest.update(f"{weights.name}:{size}".encode())
        with open(weights, "rb") as handle:
            digest.update(handle.read(_EDGE))
            handle.seek(max(0, size - _EDGE))
            digest.update(handle.read(_EDGE))
    return digest.hexdigest()[:16]


@dataclass
class _Job:
    request: ModelRequest
    future: concurrent.futures.Future[ModelResponse]


class _Replica:
    """One copy of the model on one device."""

    def __init__(self, model: Any, processor: Any, device: str) -> None:
        self.model = model
        self.processor = processor
        self.device = device

    def generate(self, requests: list[ModelRequest], resized: bool) -> list[ModelResponse]:
        import torch

        from videoeval.models.hf_inputs import build_inputs

        settings = requests[0].settings
        inputs = build_inputs(self.processor, requests, resized).to(self.device)
        sample = bool(settings.temperature)
        options: dict[str, Any] = {"max_new_tokens": settings.max_tokens, "do_sample": sample}
        if sample:
            options["temperature"] = settings.temperature
            if settings.top_p is not None:
                options["top_p"] = settings.top_p
            torch.manual_seed(settings.seed if settings.seed is not None else 0)
        else:  # greedy, whatever the checkpoint's generation_config suggests
            options.update(temperature=None, top_p=None, top_k=None)
        tokenizer = getattr(self.processor, "tokenizer", self.processor)
        eos = self.model.generation_config.eos_token_id
        eos_ids = set(eos if isinstance(eos, list) else [eos]) - {None}
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else min(eos_ids)
        with torch.inference_mode():
            output = self.model.generate(**inputs, **options, pad_token_id=pad)
        prompt_len = inputs["input_ids"].shape[1]
        responses = []
        rows = output[:, prompt_len:].tolist()
        for row, mask in zip(rows, inputs["attention_mask"].tolist(), strict=True):
            stop = next((i for i, t in enumerate(row) if t in eos_ids), None)
            tokens = row if stop is None else row[: stop + 1]
            text = tokenizer.decode(tokens, skip_special_tokens=True)
            responses.append(
                ModelResponse(text=text, finish_reason="length" if stop is None else "stop",
                              prompt_tokens=int(sum(mask)), completion_tokens=len(tokens))
            )  # fmt: skip
        return responses


class HFLocal:
    """A local checkpoint behind the model interface (cached, resumable, counted like any)."""

    def __init__(
        self,
        model: str,
        devices: tuple[str, ...] = ("auto",),
        dtype: str = "auto",
        attn_implementation: str | None = None,
        batch_size: int = 4,
        resized: bool = True,
        trust_remote_code: bool = False,
        revision: str | None = None,
    ) -> None:
        if dtype not in DTYPES:
            raise UsageError(f"--dtype takes one of {', '.join(DTYPES)}, not {dtype!r}")
        if batch_size < 1:
            raise UsageError("--batch-size must be at least 1")
        self.model = model
        self.devices = devices
        self.dtype = dtype
        self.attn_implementation = attn_implementation
        self.batch_size = batch_size
        self.resized = resized
        self.revision = revision
        self.served: dict[str, Any] | None = None
        self.trust_remote_code = trust_remote_code
        """Run the checkpoint's own Python code (its processor or model classes): only for
        checkpoints you trust, as transformers warns."""
        """Our frames come at the model's size: the processor must not resize them again."""
        path = Path(model).expanduser()
        self.path = path if path.is_dir() else None
        self._fingerprint = checkpoint_fingerprint(path) if self.path else None
        self._replicas: list[_Replica] = []
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._load_lock = threading.Lock()
        self._load_error: str | None = None

    @property
    def min_concurrency(self) -> int:
        """Requests the engine should keep in flight so that every worker fills its batches."""
        return 2 * self.batch_size * len(self.devices)

    def identity(self) -> dict[str, Any]:
        name = self.path.name if self.path else self.model
        identity: dict[str, Any] = {"backend": "hf", "model": name, "dtype": self.dtype}
        if self._fingerprint:
            identity["checkpoint"] = self._fingerprint
        if self.revision:
            identity["revision"] = self.revision
        if self.attn_implementation:
            identity["attn_implementation"] = self.attn_implementation
        if self.trust_remote_code:  # the checkpoint's own code builds the inputs
            identity["remote_code"] = True
        return identity

    def server(self) -> str:
        return f"local ({', '.join(self.devices)})"

    def check(self) -> str | None:
        """Loads the model on every device; why it cannot, or ``None``."""
        self._load()
        return self._load_error

    def _load(self) -> None:
        with self._load_lock:
            if self._replicas or self._load_error:
                return
            try:
                self._replicas = [self._load_on(d) for d in self._resolved_devices()]
            except ImportError as exc:
                self._load_error = (f"the hf backend needs torch, torchvision and transformers "
                                    f"({exc}): pip install 'videoeval[hf]'")  # fmt: skip
                return
            except Exception as exc:  # a bad checkpoint, a missing device, no memory
                self._load_error = f"cannot load {self.model}: {type(exc).__name__}: {exc}"
                return
            for replica in self._replicas:
                thread = threading.Thread(target=self._work, args=(replica,), daemon=True)
                thread.start()
                self._threads.append(thread)

    def _resolved_devices(self) -> list[str]:
        import torch

        if self.devices == ("auto",):
            return ["cuda:0" if torch.cuda.is_available() else "cpu"]
        return list(self.devices)

    def _load_on(self, device: str) -> _Replica:
        from transformers import AutoModelForImageTextToText, AutoProcessor
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # its bars would tear our progress line
        options: dict[str, Any] = {"dtype": self.dtype}
        if self.attn_implementation:
            options["attn_implementation"] = self.attn_implementation
        remote: dict[str, Any] = {"trust_remote_code": True} if self.trust_remote_code else {}
        if self.revision and self.path is None:  # a hub id: the revision is its git revision
            remote["revision"] = self.revision
        options.update(remote)
        processor = AutoProcessor.from_pretrained(self.model, **remote)
        model: Any = AutoModelForImageTextToText.from_pretrained(self.model, **options)
        return _Replica(model.to(device).eval(), processor, device)

    def _work(self, replica: _Replica) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            batch = [job]
            if not job.request.settings.temperature:  # greedy requests share a batch
                while len(batch) < self.batch_size:
                    try:
                        more = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if more is None or more.request.settings != job.request.settings:
                        self._queue.put(more)  # another worker (or this one, next) takes it
                        break
                    batch.append(more)
            self._run_batch(replica, batch)

    def _run_batch(self, replica: _Replica, batch: list[_Job]) -> None:
        try:
            answers = replica.generate([j.request for j in batch], self.resized)
        except Exception as exc:
            if len(batch) > 1:  # one bad sample must not fail its neighbours: alone, again
                for job in batch:
                    self._run_batch(replica, [job])
                return
            out_of_memory = "out of memory" in str(exc).lower()
            error = ModelError(f"{type(exc).__name__}: {exc}"[:500], retryable=out_of_memory)
            batch[0].future.set_exception(error)
            return
        name = self.identity()["model"]
        for job, answer in zip(batch, answers, strict=True):
            job.future.set_result(replace(answer, model=name))

    async def generate(self, request: ModelRequest) -> ModelResponse:
        if not self._replicas:
            await asyncio.to_thread(self._load)
            if self._load_error:
                raise ModelError(self._load_error, retryable=False, unreachable=True)
        future: concurrent.futures.Future[ModelResponse] = concurrent.futures.Future()
        self._queue.put(_Job(request, future))
        return await asyncio.wrap_future(future)

    async def aclose(self) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            await asyncio.to_thread(thread.join)
        self._threads.clear()


def checkpoint_model_type(model: str) -> str | None:
    """``model_type`` from a local checkpoint's config.json (no torch needed), else ``None``."""
    config = Path(model).expanduser() / "config.json"
    try:
        return str(json.loads(config.read_text(encoding="utf-8")).get("model_type") or "") or None
    except (OSError, ValueError):
        return None
