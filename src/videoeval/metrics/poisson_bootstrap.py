"""The ``poisson`` bootstrap: each value gets a Poisson(1) weight in each resample, and a
replicate is the weighted mean. The weights of one value do not depend on any other, so the
replicates can be summed block by block as the values arrive (a scorer hands its values over
while it is still reading the file, and a worker thread sums them on the other core), and the
cost is linear in the values. It is the classical bootstrap's large-sample twin (the classical
weights are the same Poisson weights conditioned on adding up to n): from
:data:`POISSON_FROM` values its intervals agree with the classical ones within Monte-Carlo
error (``bench/bootstrap_scaling.py``); below it the classical draw is used.

The numbers depend on the seed, the metric's name and the values in order, nothing else: block
``b`` of :data:`BLOCK` values draws its weights from a generator seeded by ``(seed, name, b)``,
and the blocks' sums are added in block order, whether they were summed as the values arrived
or at the end, on one thread or several.
"""

from __future__ import annotations

import hashlib
import math
import os
import sys
import threading
import zlib
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

POISSON_FROM = 10_000
"""Fewer values than this are resampled by the classical draw: there it costs little, and a
Poisson replicate's total weight strays from n (with a handful of values it can be 0)."""
BLOCK = 4096
"""Values per block: each block's weights come from a generator of its own."""
_CELLS = 1 << 20
"""Weights drawn at once (4 MB of temporaries): few enough numpy calls per block that a worker
thread waiting for the interpreter between them keeps up."""


def _thresholds() -> np.ndarray:
    """``P(X <= k) * 2**32`` for X ~ Poisson(1), k = 0, 1, ...: a uniform 32-bit draw ``u`` gives
    the weight ``#{k : u >= threshold[k]}`` (each probability within 2**-32 of Poisson's)."""
    cdf, k, term = 0.0, 0, math.exp(-1.0)
    out: list[int] = []
    while True:
        cdf += term
        edge = round(cdf * 2**32)
        if edge >= 2**32:
            return np.asarray(out, dtype=np.uint32)
        out.append(edge)
        k += 1
        term /= k


_EDGES = _thresholds()


def _table() -> np.ndarray:
    """The weight for each value of a draw's top 16 bits; 255 where a threshold falls inside
    that range of draws (8 of 65,536), which are then looked up one by one."""
    low = np.arange(1 << 16, dtype=np.uint64) << 16
    first = np.searchsorted(_EDGES, low.astype(np.uint32), side="right")
    last = np.searchsorted(_EDGES, (low + 0xFFFF).astype(np.uint32), side="right")
    return np.where(first == last, first, 255).astype(np.uint8)


_BY_TOP_BITS = _table()


def weights(bits: np.random.PCG64, count: int) -> np.ndarray:
    """``count`` Poisson(1) weights (uint8) from ``bits``: the top 16 bits of a uniform 32-bit
    draw settle the weight but for 8 of 65,536 values, whose draws then get their low 16 bits
    (the same weights a 32-bit draw per value would give, in a quarter of the memory)."""
    top = bits.random_raw((count + 3) // 4).view(np.uint16)[:count]
    out = _BY_TOP_BITS[top]
    unsure = np.flatnonzero(out == 255)
    if len(unsure):
        low = bits.random_raw((len(unsure) + 3) // 4).view(np.uint16)[: len(unsure)]
        whole = (top[unsure].astype(np.uint32) << 16) | low
        out[unsure] = np.searchsorted(_EDGES, whole, side="right")
    return out


def _generator(seed: int, name: str, block: int) -> np.random.PCG64:
    return np.random.PCG64(np.random.SeedSequence((seed, zlib.crc32(name.encode()), block)))


def block_sums(values: np.ndarray, resamples: int, seed: int, name: str, block: int) -> np.ndarray:
    """``(resamples, 2)``: each resample's weighted sum of the block's values and its total
    weight."""
    bits = _generator(seed, name, block)
    m = len(values)
    data = values.astype(np.float64, copy=False)
    rows = max(1, _CELLS // m)
    out = np.empty((resamples, 2))
    for start in range(0, resamples, rows):
        k = min(rows, resamples - start)
        drawn = weights(bits, k * m).reshape(k, m)
        # einsum's buffered loop: no float copy of the weights, and no BLAS threads taking
        # the core the scorer runs on
        out[start : start + k, 0] = np.einsum("ij,j->i", drawn, data)
        out[start : start + k, 1] = drawn.sum(axis=1, dtype=np.int64)
    return out


def _digest(block: np.ndarray) -> bytes:
    return hashlib.blake2b(np.ascontiguousarray(block, dtype=np.float64).tobytes()).digest()


class Total:
    """Block sums added up in block order: the same figures however and wherever the blocks
    were summed, and one ``(resamples, 2)`` array held, not one per block."""

    def __init__(self) -> None:
        self.sums: np.ndarray | None = None
        self.blocks = 0

    def add(self, part: np.ndarray) -> None:
        if self.sums is None:
            self.sums = part
        else:
            self.sums += part
        self.blocks += 1


def poisson_means(
    values: np.ndarray, resamples: int, seed: int, name: str, stream: PoissonStream | None = None
) -> np.ndarray:
    """``resamples`` Poisson-bootstrap replicates of ``values.mean()``, going on from the blocks
    a ``stream`` summed already (over the same first values: checked)."""
    data = values.astype(np.float64, copy=False)
    blocks = range(0, len(data), BLOCK)
    total = stream.finished(data, resamples, seed, name) if stream is not None else Total()

    def one(b: int) -> np.ndarray:
        return block_sums(data[blocks[b] : blocks[b] + BLOCK], resamples, seed, name, b)

    rest = range(total.blocks, len(blocks))
    workers = min(4, len(rest), os.cpu_count() or 1)
    if workers <= 1:
        for b in rest:
            total.add(one(b))
    else:
        with ThreadPoolExecutor(workers) as pool:
            for first in range(rest.start, rest.stop, 2 * workers):  # a few blocks held at most
                for part in pool.map(one, range(first, min(first + 2 * workers, rest.stop))):
                    total.add(part)
    assert total.sums is not None
    return total.sums[:, 0] / total.sums[:, 1]


SWITCH_INTERVAL = 0.0005
"""Seconds the interpreter lets one thread run before another that waits gets its turn, while
a stream sums blocks. The worker waits for the interpreter after each numpy call; at Python's
default (5 ms) it waits longer than it computes, and the blocks pile up until the scorer is
done."""
_switch_lock = threading.Lock()
_switch_users = 0
_switch_before = 0.0


def _share_interpreter(on: bool) -> None:
    """The shorter switch interval while any stream sums (the first one sets it, the last one
    restores what was there)."""
    global _switch_users, _switch_before
    with _switch_lock:
        if on:
            if _switch_users == 0:
                _switch_before = sys.getswitchinterval()
                sys.setswitchinterval(min(_switch_before, SWITCH_INTERVAL))
            _switch_users += 1
        else:
            _switch_users -= 1
            if _switch_users == 0:
                sys.setswitchinterval(_switch_before)


class PoissonStream:
    """A metric's values handed over as a scorer produces them: each full block is summed and
    added to the total on a worker thread while the scorer goes on. :func:`poisson_means` goes
    on from that total once every value is known, after checking that the blocks summed hold
    the first values of the final array."""

    def __init__(self, resamples: int, seed: int, name: str) -> None:
        self.resamples, self.seed, self.name = resamples, seed, name
        self._pending: list[float] = []
        self._fed: list[bytes] = []
        """Each summed block's digest: what the final values must hold for the total to count."""
        self._total = Total()
        self._tasks: list[Future[None]] = []
        self._pool: ThreadPoolExecutor | None = None

    def add(self, value: float) -> None:
        self._pending.append(value)
        if len(self._pending) == BLOCK:
            self._submit(np.asarray(self._pending, dtype=np.float64))
            self._pending = []

    def _submit(self, block: np.ndarray) -> None:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="videoeval-bootstrap")
            _share_interpreter(True)
        self._fed.append(_digest(block))
        # one worker: the blocks are added in the order they came
        self._tasks.append(self._pool.submit(self._fold, block, len(self._fed) - 1))

    def _fold(self, block: np.ndarray, index: int) -> None:
        self._total.add(block_sums(block, self.resamples, self.seed, self.name, index))

    def finished(self, values: np.ndarray, resamples: int, seed: int, name: str) -> Total:
        """The total of the blocks summed, where they hold the first values of ``values`` with
        the same resamples, seed and name; an empty one otherwise."""
        fits = (resamples, seed, name) == (self.resamples, self.seed, self.name) and not (
            len(values) < len(self._fed) * BLOCK
            or any(
                _digest(values[b * BLOCK : (b + 1) * BLOCK]) != fed
                for b, fed in enumerate(self._fed)
            )
        )
        self.close(cancel=not fits)
        for task in self._tasks:  # the worker is idle once this returns
            if not task.cancelled():
                task.exception()
        if not fits:
            return Total()
        for task in self._tasks:
            task.result()  # a worker's error is raised here
        total = Total()  # a copy: asked again, the stream gives the same
        if self._total.sums is not None:
            total.sums, total.blocks = self._total.sums.copy(), self._total.blocks
        return total

    def close(self, cancel: bool = False) -> None:
        """No more values: the worker finishes the blocks it has, or, with ``cancel`` (the
        scorer stopped: an error, an interrupt, a file it must read whole), drops the ones it
        has not started."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=cancel)
            self._pool = None
            _share_interpreter(False)
