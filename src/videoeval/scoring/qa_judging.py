"""The judge stage of a judge-graded video-QA protocol (TempCompass-cg, EventHallusion
descriptions): every caption asked once (cached: re-scoring asks nothing again), the replies
handed to the protocol's rule."""

from __future__ import annotations

from typing import Any

from videoeval.errors import UsageError
from videoeval.judges.qa_judge import judge_answers, load_qa_prompts
from videoeval.options import as_path
from videoeval.protocols.configs import QAConfig
from videoeval.schema import QASample
from videoeval.scoring.base import ScoreContext


async def judge_replies(
    ctx: ScoreContext[QAConfig], samples: list[QASample], answers: dict[str, Any], kind: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Sample id -> the judge's reply (or ``("judge_error", why)``), and what metrics.json says
    of the judge; ``kind`` names the prompts (``judges/qa_judge.py``)."""
    from videoeval.scoring.caption_judging import judge_client

    config = ctx.config
    if ctx.judge is None:
        raise UsageError(f"protocol {ctx.protocol.name} is graded by a judge: give --judge-model "
                         "(and its URL or backend)")  # fmt: skip
    if ctx.autodq is not None and ctx.autodq.judge_samples is not None:
        raise UsageError(f"--judge-samples does not apply to {ctx.protocol.name} (one reply per "
                         "caption is read, as the reference reads it); leave it out")  # fmt: skip
    prompts = load_qa_prompts(kind, as_path(ctx.autodq.prompt_dir) if ctx.autodq else None)
    client = judge_client(ctx.judge)
    settings = client.settings
    if config.judge_max_tokens is not None:
        settings = settings.model_copy(update={"max_tokens": config.judge_max_tokens})
    try:
        replies = await judge_answers(samples, answers, client, prompts, settings,
                                      on_progress=ctx.on_progress)  # fmt: skip
    finally:
        await client.model.aclose()
    info = {
        **client.model.identity(),
        "server": client.model.server(),
        "settings": settings.model_dump(mode="json"),
        "temperature_setting": ctx.judge.temperature,
        "prompts_sha256": prompts.sha256,
        "prompt_sources": prompts.sources,
        "system_message": prompts.system is not None,
        "reply": "text, read by the protocol's rule",
        "asked_for": kind,
        "questions": len([s for s in samples if isinstance(answers.get(s.sample_id), str)]),
        "served_models": sorted(client.stats.served),
        "calls": client.stats.calls,
        "cached": client.stats.cached,
        "failures": client.stats.failures,
    }
    return replies, info
