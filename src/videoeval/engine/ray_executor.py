"""A run's items asked on a Ray cluster (``--executor ray``, ``pip install "videoeval[ray]"``).

The driver plans the items and stays the only writer of the run folder, the log and the call
cache, so resuming, the cache key, the folder lock and "nothing asked twice" mean what they
mean locally. A worker gets an item as a small description (its ids, prompt, variant, seed; the
videos folder, frame protocol and settings once per run) and does what the local engine does
with it: read the video where it runs (shared storage), decode and encode the frames, look the
call up in the cache (read only) and ask. It returns the same row the local engine logs.

Served models: one worker per CPU of the cluster, each with many items in flight (a worker
waits on the server, it does not compute), shared by every run of the process; the driver keeps
at most ``concurrency`` items in flight at one endpoint across the cluster, so a server is not
flooded, even by a suite's pairs running together. A local checkpoint (``--backend hf``) is
held by one worker per GPU (``num_gpus=1``), placed by Ray; without GPUs one on CPU. A worker
killed mid-item is restarted by Ray and its items asked once more at most; a cluster that goes
away ends the run as an environment problem, every answer already logged kept."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import pickle
import threading
import weakref
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from videoeval.engine.cache import CallCache
from videoeval.engine.retry import RetryPolicy
from videoeval.engine.runner import Engine, RunStats, WorkItem
from videoeval.errors import EnvironmentProblem, UsageError
from videoeval.models.base import GenerationSettings
from videoeval.video.frames import FrameCache
from videoeval.video.provider import FrameProtocol


@dataclass(frozen=True)
class WorkerSpec:
    """What a worker needs to do a run's items: no client and no key (a worker reads the API
    key from its own environment, by the variable's name)."""

    model: dict[str, Any]
    """``make_model``'s arguments by name."""
    calls: str
    frame_cache: str
    videos: str
    frames: FrameProtocol
    settings: GenerationSettings
    system: str | None
    retry: RetryPolicy
    refresh: bool

    @property
    def key(self) -> str:
        return hashlib.sha256(pickle.dumps(self)).hexdigest()


_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def _engine(spec: WorkerSpec) -> Engine:
    from videoeval.models.factory import make_model

    with _lock:
        engine = _engines.get(spec.key)
        if engine is None:
            engine = Engine(
                make_model(**spec.model), CallCache(Path(spec.calls)),
                FrameCache(Path(spec.frame_cache)), Path(spec.videos), spec.frames,
                spec.settings, spec.system, concurrency=1, retry=spec.retry,
                refresh=spec.refresh,
            )  # fmt: skip
            _engines[spec.key] = engine
        return engine


class ItemWorker:
    """An actor (async: many items in flight at once, as the local engine has them) that does
    items as the local engine does, and gives back the row the driver logs. The run's spec comes
    with each item (a reference to one stored copy), so one pool of workers serves the runs of a
    process that ask at once (a suite's pairs); a local checkpoint's worker builds its model
    once."""

    async def process(self, spec: WorkerSpec, item: WorkItem) -> dict[str, Any]:
        stats = RunStats()
        row = await _engine(spec).process(item, stats)
        return {**row, "retries": stats.retries} if stats.retries else row


def connect(address: str | None) -> Any:
    """Ray, connected: to the cluster at ``address``, or a local one of this machine's cores
    (once per process; a suite's runs share it)."""
    try:
        import ray
    except ImportError:
        raise UsageError('--executor ray needs Ray: pip install "videoeval[ray]"') from None
    if not ray.is_initialized():
        try:
            if address is None:
                # a cluster of this machine's cores, started for the run and ended with it
                ray.init(address="local", num_cpus=os.cpu_count() or 1, include_dashboard=False,
                         log_to_driver=False, configure_logging=False)  # fmt: skip
            else:
                ray.init(address=address, log_to_driver=False, configure_logging=False)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise EnvironmentProblem(f"cannot reach the Ray cluster at {address}: {exc}") from None
    return ray


# a worker killed mid-item is restarted once and its items asked once more at most
_FAULTS = {"max_restarts": 1, "max_task_retries": 1}


class _ServedPool:
    """The served models' workers, one per CPU of the cluster, shared by the runs of this process
    that ask at the same time (a suite's pairs), and killed when the last one ends, so an idle
    driver holds none of the cluster's CPUs."""

    def __init__(self) -> None:
        self.workers: list[Any] = []
        self.users = 0
        self.connection: tuple[str, str] | None = None

    def acquire(self, ray: Any) -> list[Any]:
        context = ray.get_runtime_context()
        connection = (context.get_node_id(), context.get_job_id())
        if connection != self.connection:  # a new connection: the old one's actors are gone
            self.workers, self.users, self.connection = [], 0, connection
        if not self.workers:
            count = max(1, int(ray.cluster_resources().get("CPU", 1)))
            actor = ray.remote(num_cpus=1, max_concurrency=1000, **_FAULTS)(ItemWorker)
            self.workers = [actor.remote() for _ in range(count)]
        self.users += 1
        return self.workers

    def release(self, ray: Any) -> None:
        self.users -= 1
        if self.users == 0:
            for worker in self.workers:
                with contextlib.suppress(Exception):  # a cluster gone has killed them
                    ray.kill(worker)
            self.workers = []


_served = _ServedPool()
_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Semaphore]] = (
    weakref.WeakKeyDictionary()
)


def _gate(endpoint: str, concurrency: int) -> asyncio.Semaphore:
    """At most ``concurrency`` items in flight at one endpoint across the cluster, whatever the
    number of runs asking it at once (a suite's pairs); the first run's bound holds. Kept per
    event loop (a semaphore belongs to one), and gone with it."""
    gates = _gates.setdefault(asyncio.get_running_loop(), {})
    return gates.setdefault(endpoint, asyncio.Semaphore(concurrency))


class RayDispatch:
    """The driver's side: ``await dispatch(item)`` gives the item's row, asked on the cluster by
    the least busy worker; ``close()`` when the run ends."""

    def __init__(self, spec: WorkerSpec, address: str | None, local_model: bool,
                 concurrency: int = 16) -> None:  # fmt: skip
        ray = connect(address)
        self.ray = ray
        self.head = str(ray.get_runtime_context().gcs_address)
        self.endpoint = (
            "local" if local_model else str(spec.model["base_url"] or spec.model["backend"])
        )
        self.concurrency = concurrency
        if local_model:
            gpus = int(ray.cluster_resources().get("GPU", 0))
            spec = replace(spec, model=_on_one_device(spec.model, gpu=gpus > 0))
            actor = ray.remote(num_gpus=1 if gpus else 0, max_concurrency=concurrency,
                               **_FAULTS)(ItemWorker)  # fmt: skip
            self.workers = [actor.remote() for _ in range(max(1, gpus))]
        else:
            self.workers = _served.acquire(ray)
        self.local_model = local_model
        self.spec = ray.put(spec)
        self.load = [0] * len(self.workers)

    async def __call__(self, item: WorkItem) -> dict[str, Any]:
        ray = self.ray
        k = self.load.index(min(self.load))
        self.load[k] += 1
        try:
            async with _gate(self.endpoint, self.concurrency):
                return dict(await self.workers[k].process.remote(self.spec, item))
        except (ray.exceptions.WorkerCrashedError, ray.exceptions.ActorDiedError,
                ray.exceptions.ActorUnavailableError) as exc:  # fmt: skip
            if not await self._cluster_alive():
                raise self._gone(exc) from None
            # retried once already: recorded, and asked again when the run is resumed
            why = f"the Ray worker died twice on this item ({type(exc).__name__})"
            return _failed(item, why)
        except ray.exceptions.RayTaskError as exc:
            return _failed(item, f"on the Ray worker: {exc.cause!r}")
        except (ray.exceptions.RaySystemError, ConnectionError) as exc:
            raise self._gone(exc) from None
        finally:
            self.load[k] -= 1

    async def _cluster_alive(self) -> bool:
        """Whether the cluster's head still answers: workers that die with it are the cluster
        gone (the run stops), not an item's fault (recorded). A plain connection, since Ray's
        own calls wait a minute for a head that is gone, then end the process."""
        host, _, port = self.head.rpartition(":")
        for _ in range(6):  # a cluster being stopped loses its workers before its head
            try:
                _, writer = await asyncio.wait_for(asyncio.open_connection(host, int(port)), 2)
            except (OSError, asyncio.TimeoutError):
                return False
            writer.close()
            await asyncio.sleep(0.5)
        return True

    @staticmethod
    def _gone(exc: BaseException) -> EnvironmentProblem:
        return EnvironmentProblem(
            f"the Ray cluster went away ({type(exc).__name__}); every answer so far is in "
            "the run folder: run the same command to resume"
        )

    def close(self) -> None:
        """Gives the workers back: a local checkpoint's GPUs at once, the served pool when the
        last run using it ends."""
        if not self.workers:
            return
        if self.local_model:
            for worker in self.workers:
                with contextlib.suppress(Exception):
                    self.ray.kill(worker)
        else:
            _served.release(self.ray)
        self.workers = []


def _failed(item: WorkItem, why: str) -> dict[str, Any]:
    return {"sample_id": item.sample_id, "video_id": item.video_id, "status": "model_error",
            "error": why}  # fmt: skip


def _on_one_device(model: dict[str, Any], gpu: bool) -> dict[str, Any]:
    """An actor owns one device (Ray sets the GPU it sees): the local options' devices become
    that device, whatever --devices said for one machine."""
    return {**model, "local": {**(model["local"] or {}), "devices": "cuda:0" if gpu else "cpu"}}
