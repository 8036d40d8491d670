"""Scoring options in groups, each group read by the protocols that name it (``protocols``).

Every field is ``None`` when not given: the protocol's config (or the scorer) supplies the
default, and a group a protocol does not read is refused by :func:`refuse_inapplicable` with
the message the command line prints, because the command line only maps its flags onto these
groups. Each field carries its command-line flag.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from videoeval.errors import UsageError
from videoeval.models.base import GenerationSettings

PathLike = str | Path


def _flag(name: str) -> dict[str, str]:
    return {"flag": name}


def as_path(value: PathLike | None) -> Path | None:
    return None if value is None else Path(value)


@dataclass(frozen=True)
class ScoringOptions:
    """Read by every protocol."""

    bootstrap: int = field(default=1000, metadata=_flag("--bootstrap"))
    """Bootstrap resamples for 95% CIs (0: none)."""
    seed: int = field(default=0, metadata=_flag("--seed"))
    """Seed of the bootstrap and of random junk strings."""
    bootstrap_method: str = field(default="poisson", metadata=_flag("--bootstrap-method"))
    """How continuous values are resampled: ``poisson`` (Poisson weights from 10,000 values,
    summed as a scorer goes), ``percentile-blocked`` (in cache-sized blocks from 750,000) or
    ``percentile`` (the classical draw); see ``metrics/bootstrap.py``."""

    def __post_init__(self) -> None:
        from videoeval.schema import BOOTSTRAP_METHODS

        if self.bootstrap_method not in BOOTSTRAP_METHODS:
            raise UsageError(f"--bootstrap-method takes {', '.join(BOOTSTRAP_METHODS)}, not "
                             f"{self.bootstrap_method!r}")  # fmt: skip


@dataclass(frozen=True)
class GroundingOptions:
    durations: PathLike | None = field(default=None, metadata=_flag("--durations"))
    """Video durations (JSON ``{vid: s}`` or CSV with id and length columns)."""
    missing: str | None = field(default=None, metadata=_flag("--missing"))
    """GT queries without prediction: ``exclude`` from N or count as ``miss``."""

    def __post_init__(self) -> None:
        if self.missing not in (None, "exclude", "miss"):
            raise UsageError("--missing takes 'exclude' or 'miss'")


@dataclass(frozen=True)
class DenseOptions:
    references: tuple[PathLike, ...] | None = field(default=None, metadata=_flag("--reference"))
    """More reference files beside the annotations (val_2 beside val_1)."""
    language: bool | None = field(default=None, metadata=_flag("--no-language"))
    """``False``: P/R only (no Java)."""
    soda_missing: str | None = field(default=None, metadata=_flag("--soda-missing"))
    soda_average: str | None = field(default=None, metadata=_flag("--soda-average"))

    def __post_init__(self) -> None:
        if self.soda_missing not in (None, "drop", "zero"):
            raise UsageError("--soda-missing takes drop (the reference) or zero")
        if self.soda_average not in (None, "videos", "corpus"):
            raise UsageError("--soda-average takes videos (fujiso/SODA v1.1, PDVC) or corpus")


@dataclass(frozen=True)
class JudgeOptions:
    """A judge model and how to ask it (the ``--judge-*`` options)."""

    model: str = field(metadata=_flag("--judge-model"))
    backend: str = field(default="openai", metadata=_flag("--judge-backend"))
    base_url: str | None = field(default=None, metadata=_flag("--judge-base-url"))
    api_key_env: str | None = field(default=None, metadata=_flag("--judge-api-key-env"))
    temperature: str = field(default="0", metadata=_flag("--judge-temperature"))
    """A number, or ``default`` to leave it unset as the reference did."""
    seed: int | None = field(default=None, metadata=_flag("--judge-seed"))
    concurrency: int = field(default=32, metadata=_flag("--judge-concurrency"))
    cache: PathLike | None = field(default=None, metadata=_flag("--cache"))
    timeout: float = 120.0
    retries: int = 6
    backoff: float = field(default=1.0, metadata=_flag("--judge-backoff"))
    schema_attempts: int = 3
    max_tokens: int = 1024
    structured: bool = field(default=True, metadata=_flag("--no-judge-schema"))
    """Ask the server to follow each reply's JSON schema where it can (off: repair only)."""

    def settings(self) -> GenerationSettings:
        if self.temperature == "default":
            return GenerationSettings(temperature=None, seed=self.seed, max_tokens=self.max_tokens)
        try:
            value = float(self.temperature)
        except ValueError:
            raise UsageError("--judge-temperature takes a number or 'default'") from None
        return GenerationSettings(temperature=value, seed=self.seed, max_tokens=self.max_tokens)


@dataclass(frozen=True)
class AutoDQOptions:
    judge_samples: int | None = field(default=None, metadata=_flag("--judge-samples"))
    """Judge each entailment K times, keep the majority."""
    prompt_dir: PathLike | None = field(default=None, metadata=_flag("--prompt-dir"))
    """Folder with autodq_*.txt prompts (the official wording, supplied by the user)."""


@dataclass(frozen=True)
class JointOptions:
    videos: PathLike | None = field(default=None, metadata=_flag("--videos"))
    """The videos whose frames the judge sees (a run: the run's videos)."""
    frames_per_event: int | None = field(default=None, metadata=_flag("--judge-frames"))
    frame_evidence: bool | None = field(default=None, metadata=_flag("--no-frame-evidence"))

    def __post_init__(self) -> None:
        from videoeval.limits import check

        if self.frames_per_event is not None:
            check("frames", self.frames_per_event, "--judge-frames")


@dataclass(frozen=True)
class AuditOptions:
    """What an audit reads besides the GT and the judge."""

    videos: PathLike = field(metadata=_flag("--videos"))
    runs: int | None = field(default=None, metadata=_flag("--runs"))
    candidates: PathLike | None = field(default=None, metadata=_flag("--candidates"))
    """A model's descriptions judged beside the GT (two-sided)."""
    rejudge: PathLike | None = field(default=None, metadata=_flag("--rejudge"))
    """An AutoDQ output folder whose misses are re-judged with the frames."""
    prompt_file: PathLike | None = field(default=None, metadata=_flag("--prompt-file"))
    sampling: str = field(default="uniform", metadata=_flag("--sampling"))
    nframes: int | None = field(default=16, metadata=_flag("--nframes"))
    fps: float = field(default=2.0, metadata=_flag("--fps"))
    max_pixels: int | None = field(default=448 * 448, metadata=_flag("--max-pixels"))
    labels: str = field(default="per-frame", metadata=_flag("--labels"))
    temperature: float | None = field(default=None, metadata=_flag("--temperature"))
    """``None``: 0 for one run; with several, the judge's own sampling default (not sent), so
    that K runs are K independent judgements."""
    seed: int = field(default=0, metadata=_flag("--seed"))
    frame_evidence: bool | None = field(default=None, metadata=_flag("--no-frame-evidence"))
    limit: int | None = field(default=None, metadata=_flag("--limit"))


@dataclass(frozen=True)
class ModelOptions:
    """The evaluated model and how to reach it (a server, Gemini, or a local checkpoint)."""

    name: str = field(metadata=_flag("--model"))
    """The model's name as the server knows it; with ``backend='hf'``, a checkpoint folder (or
    a hub id already in the local cache)."""
    backend: str = field(default="openai", metadata=_flag("--backend"))
    """'openai' (any OpenAI-compatible server), 'gemini', or 'hf' (a local checkpoint)."""
    base_url: str | None = field(default=None, metadata=_flag("--base-url"))
    api_key_env: str | None = field(default=None, metadata=_flag("--api-key-env"))
    revision: str | None = field(default=None, metadata=_flag("--revision"))
    """Names this checkpoint (a step, a commit): part of every cache key, so a retrained
    checkpoint served again under the same name is asked anew (hf with a hub id: the hub
    revision loaded)."""
    cache_by_server: bool = field(default=False, metadata=_flag("--cache-by-server"))
    timeout: float = field(default=120.0, metadata=_flag("--timeout"))
    retries: int = field(default=6, metadata=_flag("--retries"))
    backoff: float = field(default=1.0, metadata=_flag("--backoff"))
    concurrency: int = field(default=16, metadata=_flag("--concurrency"))
    refresh: bool = field(default=False, metadata=_flag("--refresh"))
    """Ask every call again, whatever the cache holds, and store the new replies."""


@dataclass(frozen=True)
class LocalModelOptions:
    """The hf backend's options (``None``: not given; refused with the other backends)."""

    devices: str | None = field(default=None, metadata=_flag("--devices"))
    """'0,1' (one copy per GPU), 'cpu', 'cuda:N'; default the first GPU, else the CPU."""
    dtype: str | None = field(default=None, metadata=_flag("--dtype"))
    """'auto' (the checkpoint's; the default), 'bfloat16', 'float16', 'float32'."""
    attn_implementation: str | None = field(default=None, metadata=_flag("--attn-implementation"))
    batch_size: int | None = field(default=None, metadata=_flag("--batch-size"))
    """Greedy requests generated together per device (default 4)."""
    trust_remote_code: bool = field(default=False, metadata=_flag("--trust-remote-code"))
    """Let the checkpoint run its own code (TimeLens-7B's processor does)."""


@dataclass(frozen=True)
class FrameOptions:
    """Which frames the model sees and how. ``None`` is "not given": the preset's value, else
    ``videoeval.video.presets.FRAME_DEFAULTS`` (2 fps, 4 frames at least, 28-pixel grid, frames
    as images with per-frame time labels)."""

    preset: str | None = field(default=None, metadata=_flag("--preset"))
    """A frame preset of a model family (``videoeval list``): sets the fields below at once."""
    sampling: str | None = field(default=None, metadata=_flag("--sampling"))
    fps: float | None = field(default=None, metadata=_flag("--fps"))
    min_frames: int | None = field(default=None, metadata=_flag("--min-frames"))
    max_frames: int | None = field(default=None, metadata=_flag("--max-frames"))
    nframes: int | None = field(default=None, metadata=_flag("--nframes"))
    max_pixels: int | None = field(default=None, metadata=_flag("--max-pixels"))
    min_pixels: int | None = field(default=None, metadata=_flag("--min-pixels"))
    total_pixels: int | None = field(default=None, metadata=_flag("--total-pixels"))
    factor: int | None = field(default=None, metadata=_flag("--factor"))
    labels: str | None = field(default=None, metadata=_flag("--labels"))
    video_mode: str | None = field(default=None, metadata=_flag("--video-mode"))


@dataclass(frozen=True)
class GenerationOptions:
    """What the model is asked with, and how it samples."""

    prompt_file: PathLike | None = field(default=None, metadata=_flag("--prompt-file"))
    system_file: PathLike | None = field(default=None, metadata=_flag("--system-file"))
    temperature: float = field(default=0.0, metadata=_flag("--temperature"))
    top_p: float | None = field(default=None, metadata=_flag("--top-p"))
    """Nucleus sampling; ``None`` leaves the server's (or checkpoint's) default."""
    max_tokens: int = field(default=512, metadata=_flag("--max-tokens"))
    seed: int | None = field(default=None, metadata=_flag("--seed"))


@dataclass(frozen=True)
class CacheOptions:
    folder: PathLike | None = field(default=None, metadata=_flag("--cache"))
    """The call and frame cache (default ~/.cache/videoeval or $VIDEOEVAL_CACHE)."""
    frame_cache_gb: float = field(default=20.0, metadata=_flag("--frame-cache-gb"))


@dataclass(frozen=True)
class ExecutorOptions:
    """Where the items of a run are asked: here (``local``), or on a Ray cluster (``ray``: the
    driver plans, writes the run folder and the cache; workers decode frames and ask)."""

    executor: str = field(default="local", metadata=_flag("--executor"))
    ray_address: str | None = field(default=None, metadata=_flag("--ray-address"))
    """A running cluster (``auto``, ``ray://head:10001``, ``head:6379``); ``None``: a cluster
    of this machine's cores, started for the run."""

    def __post_init__(self) -> None:
        if self.executor not in ("local", "ray"):
            raise UsageError(f"--executor is local or ray, not {self.executor!r}")
        if self.ray_address is not None and self.executor != "ray":
            raise UsageError("--ray-address applies to --executor ray only")


GROUPS: dict[str, type] = {
    "grounding": GroundingOptions,
    "dense": DenseOptions,
    "judge": JudgeOptions,
    "autodq": AutoDQOptions,
    "joint": JointOptions,
    "audit": AuditOptions,
}
"""The groups a request may carry, by the name protocols list them under."""

GROUP_TITLES = {
    "grounding": "grounding options",
    "dense": "dense-captioning options",
    "judge": "a judge",
    "autodq": "AutoDQ options",
    "joint": "the joint protocol's options (--videos)",
    "audit": "audit options (--videos)",
}


def given_fields(group: Any) -> list[str]:
    """The flags of the fields of ``group`` set to something other than "not given"."""
    out = []
    for f in fields(group):
        value = getattr(group, f.name)
        if f.default is not value and value != f.default and "flag" in f.metadata:
            out.append(f.metadata["flag"])
    return out


def flags_of(group: Any) -> list[str]:
    """The flags a group was given with: its fields away from their defaults, else (a group
    given with every default) all of its flags."""
    given = given_fields(group)
    return given or [f.metadata["flag"] for f in fields(group) if "flag" in f.metadata][:1]


def refusal(flags: list[str], context: str) -> str:
    names = ", ".join(sorted(flags, key=lambda f: f.lstrip("-")))
    verb, pronoun = ("does", "it") if len(flags) == 1 else ("do", "them")
    return f"{names} {verb} not apply to {context}; leave {pronoun} out"


def refuse_inapplicable(groups: dict[str, Any], takes: frozenset[str], context: str) -> None:
    """Refuse every given group the protocol does not read, naming its flags."""
    flags = [flag for name, group in groups.items()
             if group is not None and name not in takes for flag in flags_of(group)]  # fmt: skip
    if flags:
        raise UsageError(refusal(flags, context))


def config_values(groups: dict[str, Any]) -> dict[str, Any]:
    """Every given field of every group, by field name (a protocol's config takes those it
    has a field of)."""
    out: dict[str, Any] = {}
    for group in groups.values():
        if group is None:
            continue
        for f in fields(group):
            value = getattr(group, f.name)
            if value is not None:
                out[f.name] = value
    return out
