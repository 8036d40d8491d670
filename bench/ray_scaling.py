"""The run engine on one machine and on a local Ray cluster: the same N-item run (default 2,000;
4 real JPEG frames each, from generated H.264 clips) against a light local server that answers
after a fixed delay, with the local executor, then with Ray on a local cluster of 1 and of 2
worker processes (the driver planning, logging and caching; the workers decoding, encoding and
asking). Each design starts from an empty call cache and a warm frame cache (decoded once
before), so it times the asking, not the first decode.

Figures: items/s, CPU seconds per item (the driver and every process of the cluster, Ray's own
included), and Ray's overhead per item against local (wall and CPU). The local executor is the
reference design: the same engine, in the same process.
Run: ``python bench/ray_scaling.py [--items 2000] [--concurrency 16] [--delay 0.05]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import psutil
from tests.video.synth import write_video

from light_server import LightServer
from videoeval.engine.cache import CallCache
from videoeval.engine.log import AppendLog
from videoeval.engine.ray_executor import RayDispatch, WorkerSpec
from videoeval.engine.retry import RetryPolicy
from videoeval.engine.runner import Engine, FrameProtocol, WorkItem
from videoeval.models.base import GenerationSettings
from videoeval.models.openai_compatible import OpenAICompatible
from videoeval.video.frames import FrameCache
from videoeval.video.sampling import SamplingSpec

FRAMES = FrameProtocol(spec=SamplingSpec(kind="uniform", nframes=4))


def answer(body: dict, n: int) -> str:
    return "A man walks a dog along the beach."


SERVER_PID: list[int] = []


def cpu_seconds() -> float:
    """CPU time of this process and all its descendants (a local Ray cluster's processes are),
    the server's apart."""
    me = psutil.Process()
    total = 0.0
    for proc in [me, *me.children(recursive=True)]:
        if proc.pid in SERVER_PID:
            continue
        try:
            t = proc.cpu_times()
            total += t.user + t.system + t.children_user + t.children_system
        except psutil.Error:
            continue
    return total


def one_pass(url: str, root: Path, name: str, items: list[WorkItem], concurrency: int,
             workers: int | None) -> tuple[float, float]:  # fmt: skip
    """Wall and CPU seconds of one run; ``workers`` None: local."""
    import ray

    async def go() -> float:
        model = OpenAICompatible("bench", url, concurrency=concurrency, timeout=60)
        calls = root / name / "calls.sqlite"
        engine = Engine(model, CallCache(calls), FrameCache(root / "frames"), root / "videos",
                        FRAMES, GenerationSettings(), concurrency=concurrency)  # fmt: skip
        if workers is not None:
            args = {"backend": "openai", "model": "bench", "base_url": url, "api_key_env": None,
                     "timeout": 60.0, "concurrency": concurrency, "key_by_server": False,
                     "local": None, "revision": None}  # fmt: skip
            spec = WorkerSpec(args, str(calls), str(root / "frames"), str(root / "videos"), FRAMES,
                              GenerationSettings(), None, RetryPolicy(), False)  # fmt: skip
            engine.dispatch = RayDispatch(spec, None, False, concurrency)
        log = AppendLog(root / name / "responses.jsonl")
        start = time.perf_counter()
        stats = await engine.run(items, log)
        wall = time.perf_counter() - start
        log.close()
        if isinstance(engine.dispatch, RayDispatch):
            engine.dispatch.close()
        await model.aclose()
        engine.close()
        assert stats.statuses["ok"] == len(items), stats.statuses
        return wall

    (root / name).mkdir()
    if workers is not None:
        os.environ.setdefault("RAY_AUTH_MODE", "disabled")
        ray.init(address="local", num_cpus=workers, include_dashboard=False, log_to_driver=False,
                 configure_logging=False, _node_ip_address="127.0.0.1")  # fmt: skip
        ray.get([ray.remote(lambda: 0).remote() for _ in range(workers)])  # workers up
    cpu = cpu_seconds()
    wall = asyncio.run(go())
    cpu = cpu_seconds() - cpu
    if workers is not None:
        ray.shutdown()
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--delay", type=float, default=0.05)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, LightServer(args.delay, answer) as server:
        SERVER_PID.append(server._process.pid or -1)
        root = Path(folder)
        (root / "videos").mkdir()
        for k in range(20):
            write_video(root / "videos" / f"v{k}.mp4", frames=48, fps=24)
        items = [WorkItem(f"s{n}", f"v{n % 20}", f"Describe item {n}.") for n in range(args.items)]
        one_pass(server.url, root, "warm", items[:20], args.concurrency, None)  # decode once
        rows = []
        for name, workers in (("local", None), ("ray, 1 worker", 1), ("ray, 2 workers", 2)):
            wall, cpu = one_pass(server.url, root, name.replace(" ", "").replace(",", "-"), items,
                                 args.concurrency, workers)  # fmt: skip
            rows.append((name, wall, cpu))
    base_wall, base_cpu = rows[0][1], rows[0][2]
    print(f"{args.items} items, concurrency {args.concurrency}, server delay {args.delay} s "
          f"(ideal {args.concurrency / args.delay:.0f} items/s)\n")  # fmt: skip
    print(
        "| executor | wall s | items/s | CPU ms / item | overhead ms / item (wall) | "
        "overhead ms / item (CPU) |\n|---|---|---|---|---|---|"
    )
    for name, wall, cpu in rows:
        print(
            f"| {name} | {wall:.1f} | {args.items / wall:.0f} | {1000 * cpu / args.items:.2f} "
            f"| {1000 * (wall - base_wall) / args.items:+.2f} "
            f"| {1000 * (cpu - base_cpu) / args.items:+.2f} |"
        )


if __name__ == "__main__":
    main()
