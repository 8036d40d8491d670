"""AutoDQ through a judge model: build the judge from its options, judge every clip."""

from __future__ import annotations

from videoeval.engine.cache import CallCache
from videoeval.engine.retry import RetryPolicy
from videoeval.errors import EnvironmentProblem, UsageError
from videoeval.judges.autodq import load_prompts
from videoeval.judges.client import JudgeClient
from videoeval.models.base import GenerationSettings
from videoeval.models.factory import cache_root, make_model
from videoeval.options import JudgeOptions, as_path
from videoeval.predictions.captions import CaptionPredictions
from videoeval.protocols.configs import AutoDQConfig
from videoeval.schema import AutoDQRow, CaptionSample
from videoeval.scoring.base import ScoreContext, Scored
from videoeval.scoring.captions import aspects_for, autodq_scored, judge_all


def judge_client(options: JudgeOptions, settings: GenerationSettings | None = None) -> JudgeClient:
    """The judge the options name, checked to be reachable, asked through the call cache."""
    model = make_model(
        options.backend, options.model, options.base_url, options.api_key_env,
        options.timeout, options.concurrency,
    )  # fmt: skip
    if problem := model.check():
        raise EnvironmentProblem(f"the judge cannot be asked: {problem}")
    cache = CallCache(cache_root(as_path(options.cache)) / "calls.sqlite")
    return JudgeClient(
        model, cache, settings or options.settings(),
        RetryPolicy(attempts=options.retries, base_delay=options.backoff),
        schema_attempts=options.schema_attempts, concurrency=options.concurrency,
        structured=options.structured,
    )  # fmt: skip


async def score(ctx: ScoreContext[AutoDQConfig]) -> Scored:
    """AutoDQ on every clip with the judge the options name; cached, so re-scoring asks
    nothing that was asked before."""
    from videoeval.scoring.captions import caption_predictions

    if ctx.judge is None:
        raise UsageError("protocol autodq needs a judge: --judge-model (and its URL or backend)")
    options = ctx.judge
    predictions = caption_predictions(ctx)
    prompts = load_prompts(as_path(ctx.autodq.prompt_dir) if ctx.autodq else None)
    client = judge_client(options)
    aspects = aspects_for(ctx.benchmark.id)
    votes = ctx.config.judge_samples
    try:
        outcomes = await judge_all(
            ctx.samples, predictions, client, prompts, aspects, votes, on_clip=ctx.on_progress
        )
    finally:
        await client.model.aclose()
    settings = client.settings
    info = {
        **client.model.identity(),
        "server": client.model.server(),
        "settings": settings.model_dump(mode="json"),
        "temperature_setting": options.temperature,
        "samples_per_verdict": votes,
        "prompts_sha256": prompts.sha256,
        "prompt_sources": prompts.sources,
        "served_models": sorted(client.stats.served),
        "calls": client.stats.calls,
        "cached": client.stats.cached,
        "schema_retries": client.stats.schema_retries,
        "structured_output": client.structured_output(),
    }
    return autodq_scored(
        ctx.benchmark.id, ctx.samples, predictions, outcomes, info,
        ctx.scoring.bootstrap, ctx.scoring.seed,
    )  # fmt: skip


async def autodq_clips(
    benchmark_id: str,
    samples: list[CaptionSample],
    predictions: CaptionPredictions,
    options: JudgeOptions,
    votes: int = 1,
) -> list[AutoDQRow]:
    """AutoDQ's per-clip rows without a report (training data scores descriptions with it)."""
    client = judge_client(options)
    prompts = load_prompts(None)
    try:
        outcomes = await judge_all(samples, predictions, client, prompts,
                                   aspects_for(benchmark_id), votes)  # fmt: skip
    finally:
        await client.model.aclose()
    return autodq_scored(benchmark_id, samples, predictions, outcomes, {}, 0).rows
