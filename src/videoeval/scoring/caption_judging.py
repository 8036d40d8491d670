"""AutoDQ through a judge model: build the judge from its options, judge every clip, report."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from videoeval.engine.cache import CallCache
from videoeval.engine.retry import RetryPolicy
from videoeval.errors import EnvironmentProblem, UsageError
from videoeval.judges.autodq import load_prompts
from videoeval.judges.client import JudgeClient
from videoeval.models.base import GenerationSettings
from videoeval.models.factory import cache_root, make_model
from videoeval.predictions.captions import CaptionPredictions
from videoeval.schema import CaptionSample
from videoeval.scoring.captions import CaptionScores, aspects_for, build_report, judge_all


@dataclass(frozen=True)
class JudgeOptions:
    """A judge model and how to ask it (the ``--judge-*`` options of ``score`` and ``run``)."""

    model: str
    backend: str = "openai"
    base_url: str | None = None
    api_key_env: str | None = None
    temperature: str = "0"
    """A number, or ``default`` to leave it unset as the reference did."""
    seed: int | None = None
    samples: int = 1
    concurrency: int = 32
    prompt_dir: Path | None = None
    cache: Path | None = None
    timeout: float = 120.0
    retries: int = 6
    backoff: float = 1.0
    schema_attempts: int = 3
    max_tokens: int = 1024
    structured: bool = True
    """Ask the server to follow each reply's JSON schema where it can (off: repair only)."""

    def settings(self) -> GenerationSettings:
        if self.temperature == "default":
            return GenerationSettings(temperature=None, seed=self.seed, max_tokens=self.max_tokens)
        try:
            value = float(self.temperature)
        except ValueError:
            raise UsageError("--judge-temperature takes a number or 'default'") from None
        return GenerationSettings(temperature=value, seed=self.seed, max_tokens=self.max_tokens)


@dataclass
class JudgedCaptions:
    scores: CaptionScores
    info: dict[str, Any]


def judge_captions(
    benchmark_id: str,
    samples: Sequence[CaptionSample],
    predictions: CaptionPredictions,
    options: JudgeOptions,
    on_clip: Callable[[], None] | None = None,
    resamples: int = 1000,
    seed: int = 0,
) -> JudgedCaptions:
    """AutoDQ on every clip with the judge ``options`` describe; cached, so re-scoring asks
    nothing that was asked before."""
    settings = options.settings()
    model = make_model(
        options.backend, options.model, options.base_url, options.api_key_env,
        options.timeout, options.concurrency,
    )  # fmt: skip
    if problem := model.check():
        raise EnvironmentProblem(f"the judge cannot be asked: {problem}")
    prompts = load_prompts(options.prompt_dir)
    cache = CallCache(cache_root(options.cache) / "calls.sqlite")
    client = JudgeClient(
        model, cache, settings, RetryPolicy(attempts=options.retries, base_delay=options.backoff),
        schema_attempts=options.schema_attempts, concurrency=options.concurrency,
        structured=options.structured,
    )  # fmt: skip
    aspects = aspects_for(benchmark_id)

    async def main():  # type: ignore[no-untyped-def]
        try:
            return await judge_all(
                samples, predictions, client, prompts, aspects, options.samples, on_clip=on_clip
            )
        finally:
            await model.aclose()

    outcomes = asyncio.run(main())
    info = {
        **model.identity(),
        "server": model.server(),
        "settings": settings.model_dump(mode="json"),
        "temperature_setting": options.temperature,
        "samples_per_verdict": options.samples,
        "prompts_sha256": prompts.sha256,
        "prompt_sources": prompts.sources,
        "served_models": sorted(client.stats.served),
        "calls": client.stats.calls,
        "cached": client.stats.cached,
        "schema_retries": client.stats.schema_retries,
        "structured_output": client.structured_output(),
    }
    scores = build_report(
        benchmark_id, list(samples), predictions, outcomes, info, resamples=resamples, seed=seed
    )
    return JudgedCaptions(scores, info)
