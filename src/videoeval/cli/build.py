"""``videoeval build``: timed dense captions from a teacher, kept only where a video-aware
auditor finds them true in every run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from videoeval.cli.common import (
    JUDGE,
    SERVER,
    Executor,
    JudgeBackend,
    JudgeBaseUrl,
    JudgeKeyEnv,
    NoJudgeSchema,
    RayAddress,
    command,
    exit_codes,
    print_counts,
    say,
)
from videoeval.cli.policy_options import (
    ApiKeyEnv,
    Backend,
    BaseUrl,
    BatchSize,
    Cache,
    Concurrency,
    Devices,
    Dtype,
    MaxTokens,
    PromptFile,
    Refresh,
    Revision,
    TrustRemoteCode,
    run_request,
)


@command("build")
def build_command(
    ctx: typer.Context,
    videos: Annotated[Path, typer.Option(help="The folder of videos to caption.")],
    model: Annotated[
        str,
        typer.Option(
            help="The teacher model (or a checkpoint with --backend hf).", rich_help_panel=SERVER
        ),
    ],
    judge_model: Annotated[
        str, typer.Option(help="The auditor: a judge that sees frames.", rich_help_panel=JUDGE)
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path(
        "videoeval-out/build"
    ),
    runs: Annotated[int, typer.Option(min=1, help="Audit runs; an event must pass every one.")] = 2,
    repair: Annotated[
        bool,
        typer.Option(
            "--repair",
            help="Send flagged events back to the teacher once, with the "
            "auditor's notes; its rewrite is audited again the same way.",
        ),
    ] = False,
    audit_frames: Annotated[
        int, typer.Option(min=1, help="Frames the auditor sees per video.", rich_help_panel=JUDGE)
    ] = 16,
    kind: Annotated[
        str,
        typer.Option(
            help="'events' (timed dense captions: dense.json) or 'detailed' (detailed captions, "
            "recaptioning a video set: captions.jsonl)."
        ),
    ] = "events",
    clips: Annotated[
        Path | None,
        typer.Option(
            "--clips",
            help="A clip list (JSONL {video, id, caption}): build only its videos; with --kind "
            "detailed its captions are written beside as the original-label control "
            "(original.jsonl).",
        ),
    ] = None,
    no_frame_evidence: Annotated[
        bool,
        typer.Option(
            "--no-frame-evidence",
            help="The teacher answers without first listing what the frames show (the "
            "ablation; by default it lists its evidence first, as the auditor does).",
        ),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count calls, frames and tokens; ask nothing.")
    ] = False,
    base_url: BaseUrl = None,
    backend: Backend = "openai",
    api_key_env: ApiKeyEnv = None,
    max_tokens: MaxTokens = 1024,
    concurrency: Concurrency = 16,
    prompt_file: PromptFile = None,
    cache: Cache = None,
    revision: Revision = None,
    refresh: Refresh = False,
    executor: Executor = "local",
    ray_address: RayAddress = None,
    judge_base_url: JudgeBaseUrl = None,
    judge_backend: JudgeBackend = "openai",
    judge_api_key_env: JudgeKeyEnv = None,
    judge_temperature: Annotated[
        str, typer.Option(help="Auditor temperature, or 'default'.", rich_help_panel=JUDGE)
    ] = "0.7",
    no_judge_schema: NoJudgeSchema = False,
    devices: Devices = None,
    dtype: Dtype = None,
    batch_size: BatchSize = None,
    trust_remote_code: TrustRemoteCode = False,
) -> None:
    """Build a benchmark whose timed GT is checked against the video: the teacher writes timed
    dense captions for every video in --videos (listing what it sees first), the auditor checks
    each event's text and span on the frames --runs times, and only events every run finds right
    are kept. Writes OUT/dense.json (densevid layout: `videoeval score` reads it),
    OUT/audit_trail.jsonl (every event, its verdicts, kept or dropped) and OUT/manifest.json.
    With --kind detailed it recaptions the videos instead: OUT/captions.jsonl (a clip list of
    the descriptions no run found an error in) and, with --clips, OUT/original.jsonl (the same
    clips with their original captions, the control).

    Example:\n
      videoeval build --videos clips/ --model Qwen/Qwen3-VL-8B-Instruct
      --base-url http://localhost:8000/v1 --judge-model gemini-2.5-flash
      --judge-backend gemini --judge-api-key-env GEMINI_API_KEY --runs 3
    """
    from videoeval.cli.groups import judge_of
    from videoeval.training.build import BuildRequest, build

    o = dict(locals())
    o.pop("ctx")
    with exit_codes():
        # the teacher takes the policy options as pairs and rollouts do (no benchmark file)
        teacher = run_request(ctx, {**o, "benchmark": "build", "annotations": videos,
                                    "judge_model": None})  # fmt: skip
        auditor = judge_of({**o, "judge_concurrency": concurrency})
        assert auditor is not None
        request = BuildRequest(teacher, auditor, runs, audit_frames, out, repair, kind,
                               not no_frame_evidence, clips)  # fmt: skip
        if dry_run:
            from videoeval.training.build import price_build

            print_counts(f"build dry run: {kind}", price_build(request))
            return
        outcome = build(request)
    m = outcome.manifest
    if kind == "detailed":
        say(f"{m['captions_kept']} of {m['captions']} descriptions kept ({m['videos']} videos); "
            "wrote " + ", ".join(str(p) for p in outcome.files))  # fmt: skip
        return
    for what, key in (
        ("no answer", "videos_unanswered"),
        ("no readable event", "videos_without_events"),
    ):
        if m[key]:
            say(f"{len(m[key])} videos with {what} from the teacher (first: {m[key][0]}); see "
                "teacher/responses.jsonl")  # fmt: skip
    say(f"{m['events_kept']} of {m['events']} events kept ({m['videos_kept']} of "
        f"{m['videos']} videos); wrote " + ", ".join(str(p) for p in outcome.files))  # fmt: skip
