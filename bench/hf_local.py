"""The local model backend end to end: ``videoeval run --backend hf`` on generated H.264 videos
with tiny random-weight Qwen2.5-VL / Qwen3-VL checkpoints built here (nothing downloaded).

For each family it runs the same clips with ``--batch-size 1`` (one request at a time, the
model cards' loop) and with ``--batch-size B``, each into a fresh run folder and cache, and
prints wall time, clips/s, generated tokens/s, peak GPU memory and the speed ratio to batch 1.
Needs torch, torchvision and transformers (``pip install 'videoeval[hf]'``); on a machine
without a GPU it runs on the CPU (``--devices cpu``).

Run: ``python bench/hf_local.py --devices 0 [--clips 64 --batch-size 8 --max-tokens 64]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.models.tiny_vlm import FAMILIES, build_checkpoint
from tests.video.synth import write_video


def make_clips(root: Path, clips: int) -> tuple[Path, Path]:
    videos = root / "videos"
    videos.mkdir()
    gt = {}
    for i in range(clips):
        write_video(videos / f"c{i}.mp4", frames=120, fps=30, size=(448, 252))  # 4 s -> 8 frames
        gt[f"c{i}"] = {"duration": 4.0, "spans": [[1.0, 2.0]], "queries": [f"event {i}"]}
    annotations = root / "charades-timelens.json"
    annotations.write_text(json.dumps(gt), encoding="utf-8")
    return videos, annotations


def one_run(
    checkpoint: Path, videos: Path, annotations: Path, out: Path, args: argparse.Namespace,
    batch: int,
) -> dict[str, float]:  # fmt: skip
    import torch

    from videoeval.api.run import RunRequest, run
    from videoeval.options import CacheOptions, GenerationOptions, LocalModelOptions, ModelOptions

    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    request = RunRequest(
        benchmark="timelens-charades", annotations=annotations, videos=videos,
        model=ModelOptions(str(checkpoint), backend="hf"), out=out,
        cache=CacheOptions(out / "cache"), generation=GenerationOptions(max_tokens=args.max_tokens),
        local=LocalModelOptions(devices=args.devices, batch_size=batch, dtype=args.dtype),
    )  # fmt: skip
    start = time.perf_counter()
    outcome = run(request)
    wall = time.perf_counter() - start
    responses = [json.loads(x) for x in (out / "responses.jsonl").read_text().splitlines()]
    tokens = sum(r["response"]["completion_tokens"] for r in responses if r["status"] == "ok")
    peak = torch.cuda.max_memory_allocated() / 2**20 if torch.cuda.is_available() else float("nan")
    answers = {r["sample_id"]: r["response"]["text"] for r in responses if r["status"] == "ok"}
    return {
        "wall": wall, "clips": outcome.stats.called, "tokens": tokens, "peak_mb": peak,
        "answers": answers,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--devices", default=None, help="as `run --devices` (default: GPU 0)")
    parser.add_argument("--clips", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--dtype", default="auto")
    parser.add_argument("--repeats", type=int, default=1, help="runs per case; median shown")
    args = parser.parse_args()
    import torch

    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "CPU"
    print(f"torch {torch.__version__}, device: {device}, devices option: {args.devices}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        videos, annotations = make_clips(root, args.clips)
        header = f"{'family':<11} {'batch':>5} {'wall s':>8} {'clips/s':>8} {'tok/s':>9} "
        print(header + f"{'peak MB':>8} {'x batch1':>8} {'same as b1':>10}")
        for family in FAMILIES:
            checkpoint = build_checkpoint(family, root / f"ckpt-{family}")
            base = None
            reference: dict[str, str] = {}
            for batch in (1, args.batch_size):
                results = [
                    one_run(checkpoint, videos, annotations,
                            root / f"out-{family}-{batch}-{r}", args, batch)
                    for r in range(args.repeats)
                ]  # fmt: skip
                wall = statistics.median(x["wall"] for x in results)
                clips, tokens = results[0]["clips"], results[0]["tokens"]
                base = base or wall
                reference = reference or results[0]["answers"]
                # Greedy answers must not depend on the batch (left padding, per-row masks).
                same = sum(reference.get(k) == v for k, v in results[0]["answers"].items())
                print(f"{family:<11} {batch:>5} {wall:>8.2f} {clips / wall:>8.2f} "
                      f"{tokens / wall:>9.1f} {results[0]['peak_mb']:>8.1f} "
                      f"{base / wall:>7.2f}x {same:>4}/{len(reference):<5}")  # fmt: skip


if __name__ == "__main__":
    main()
