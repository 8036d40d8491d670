"""The command line's flag mapping: each command's flags onto the library's option groups. A
group is built only when one of its flags is given, so the library decides (from the
protocol) what applies, and refuses the rest with the flags' own names."""

from __future__ import annotations

from typing import Any

from videoeval.cli.common import flag
from videoeval.errors import UsageError

GROUPED = {
    "grounding": ("durations", "missing"),
    "dense": ("reference", "no_language", "soda_missing", "soda_average"),
    "judge": ("judge_model", "judge_base_url", "judge_backend", "judge_api_key_env",
              "judge_temperature", "judge_seed", "judge_concurrency", "judge_backoff", "cache",
              "no_judge_schema"),
    "autodq": ("judge_samples", "prompt_dir"),
    "joint": ("videos", "judge_frames", "no_frame_evidence"),
}  # fmt: skip


def groups(ctx: Any, values: dict[str, Any], given: set[str]) -> dict[str, Any]:
    """The option groups the given flags make (``None`` for a group none of whose flags is
    given); judge settings without ``--judge-model`` are refused (they would be dropped)."""
    from videoeval.options import (
        AutoDQOptions,
        DenseOptions,
        GroundingOptions,
        JointOptions,
    )

    def has(name: str) -> bool:
        return any(f in given for f in GROUPED[name])

    out: dict[str, Any] = dict.fromkeys(GROUPED)
    if has("grounding"):
        out["grounding"] = GroundingOptions(values.get("durations"), values.get("missing"))
    if has("dense"):
        out["dense"] = DenseOptions(
            tuple(values["reference"]) if values.get("reference") else None,
            False if values.get("no_language") else None,
            values.get("soda_missing") if "soda_missing" in given else None,
            values.get("soda_average") if "soda_average" in given else None,
        )
    if has("judge"):
        out["judge"] = judge_options(ctx, values, given)
    if has("autodq"):
        out["autodq"] = AutoDQOptions(
            values.get("judge_samples") if "judge_samples" in given else None,
            values.get("prompt_dir"),
        )
    if has("joint"):
        out["joint"] = JointOptions(
            values.get("videos"),
            values.get("judge_frames") if "judge_frames" in given else None,
            False if values.get("no_frame_evidence") else None,
        )
    return out


def judge_options(ctx: Any, values: dict[str, Any], given: set[str]) -> Any:
    """The ``--judge-*`` options as one typed value (``None`` without any of them)."""
    from videoeval.options import JudgeOptions

    if values.get("judge_model") is None:
        settings = sorted(given & set(GROUPED["judge"]))
        if not settings:
            return None
        names = ", ".join(flag(ctx, name) for name in settings)
        verb, pronoun = ("does", "it") if len(settings) == 1 else ("do", "them")
        raise UsageError(f"{names} {verb} not apply to a run without --judge-model; "
                         f"leave {pronoun} out")  # fmt: skip
    return JudgeOptions(
        model=str(values["judge_model"]),
        backend=str(values.get("judge_backend") or "openai"),
        base_url=values.get("judge_base_url"),
        api_key_env=values.get("judge_api_key_env"),
        temperature=str(values.get("judge_temperature") or "0"),
        seed=values.get("judge_seed"),
        concurrency=int(values.get("judge_concurrency") or 32),
        cache=values.get("cache"),
        backoff=float(values.get("judge_backoff") or 1.0),
        structured=not values.get("no_judge_schema"),
    )


def judge_of(values: dict[str, Any]) -> Any:
    """The judge of a command whose judge flags were checked already (``None`` without
    ``--judge-model``)."""
    if values.get("judge_model") is None:
        return None
    return judge_options(None, values, set())


def run_groups(o: dict[str, Any]) -> dict[str, Any]:
    """A run's model, frame, generation, cache and local-model groups from the flags (those a
    command does not have keep their defaults)."""
    from dataclasses import fields

    from videoeval.options import (
        CacheOptions,
        ExecutorOptions,
        FrameOptions,
        GenerationOptions,
        LocalModelOptions,
        ModelOptions,
    )

    def taken(kind: type, rename: dict[str, str] | None = None) -> dict[str, Any]:
        rename = rename or {}
        return {f.name: o[rename.get(f.name, f.name)] for f in fields(kind)
                if rename.get(f.name, f.name) in o}  # fmt: skip

    local = taken(LocalModelOptions)
    return {
        "model": ModelOptions(**taken(ModelOptions, {"name": "model"})),
        "frames": FrameOptions(**taken(FrameOptions)),
        "generation": GenerationOptions(**taken(GenerationOptions)),
        "cache": CacheOptions(**taken(CacheOptions, {"folder": "cache"})),
        "executor": ExecutorOptions(**taken(ExecutorOptions)),
        "local": LocalModelOptions(**local)
        if o.get("backend") == "hf" or any(v not in (None, False) for v in local.values())
        else None,
    }
