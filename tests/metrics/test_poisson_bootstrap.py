"""The ``poisson`` bootstrap (``metrics/poisson_bootstrap.py``): Poisson(1) weights exactly as a
32-bit draw gives them, replicates that depend on the seed, the name and the values only (summed
as the values arrive or at the end, on any number of threads), the classical draw below its
size, and intervals that agree with the classical ones. Block and size are lowered here, so
the algorithm runs on a few thousand values."""

from __future__ import annotations

import math
import sys
import threading

import numpy as np
import pytest

from videoeval.metrics import bootstrap, poisson_bootstrap
from videoeval.metrics.bootstrap import percentile_ci, resampling
from videoeval.metrics.poisson_bootstrap import PoissonStream, block_sums, poisson_means, weights

pytestmark = pytest.mark.cost(6)

BLOCK = 256


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(poisson_bootstrap, "BLOCK", BLOCK)
    monkeypatch.setattr(poisson_bootstrap, "POISSON_FROM", 4 * BLOCK)
    monkeypatch.setattr(poisson_bootstrap, "_CELLS", 1 << 14)


def test_the_top_bits_table_is_the_32_bit_rule() -> None:
    """Each value of a draw's top 16 bits gives the weight every 32-bit draw under it gets, or
    is marked (255) where a threshold cuts through it."""
    edges = poisson_bootstrap._EDGES
    top = np.arange(1 << 16, dtype=np.uint64)
    first = np.searchsorted(edges, (top << 16).astype(np.uint32), side="right")
    last = np.searchsorted(edges, ((top << 16) | 0xFFFF).astype(np.uint32), side="right")
    table = poisson_bootstrap._BY_TOP_BITS
    assert np.array_equal(table[first == last], first[first == last])
    assert np.all(table[first != last] == 255) and 0 < np.count_nonzero(first != last) <= 16
    # the thresholds are Poisson(1)'s distribution function on 32 bits
    cdf = np.cumsum([math.exp(-1) / math.factorial(k) for k in range(len(edges))])
    assert np.all(np.abs(edges / 2**32 - cdf) <= 2**-32)


def test_weights_resolve_the_marked_draws_with_their_low_bits() -> None:
    count = 300_000
    drawn = weights(np.random.PCG64(5), count)
    bits = np.random.PCG64(5)  # the same stream, read as the function reads it
    top = bits.random_raw((count + 3) // 4).view(np.uint16)[:count]
    unsure = np.flatnonzero(poisson_bootstrap._BY_TOP_BITS[top] == 255)
    assert len(unsure)  # a few dozen draws in 300,000 fall where a threshold cuts
    low = bits.random_raw((len(unsure) + 3) // 4).view(np.uint16)[: len(unsure)]
    whole = (top[unsure].astype(np.uint32) << 16) | low
    expected = np.searchsorted(poisson_bootstrap._EDGES, whole, side="right")
    assert np.array_equal(drawn[unsure], expected)
    # Poisson(1): mean 1, variance 1, P(0) = 1/e
    assert abs(drawn.mean() - 1) < 0.01 and abs(drawn.var() - 1) < 0.02
    assert abs(np.mean(drawn == 0) - math.exp(-1)) < 0.003


def test_replicates_depend_on_seed_name_and_values_only(monkeypatch) -> None:
    values = np.random.default_rng(1).random(5 * BLOCK + 17)
    first = poisson_means(values, 300, 4, "mIoU")
    assert np.array_equal(first, poisson_means(values, 300, 4, "mIoU"))
    monkeypatch.setattr(poisson_bootstrap.os, "cpu_count", lambda: 1)
    assert np.array_equal(first, poisson_means(values, 300, 4, "mIoU"))
    assert not np.array_equal(first, poisson_means(values, 300, 5, "mIoU"))
    assert not np.array_equal(first, poisson_means(values, 300, 4, "other"))


def test_values_handed_over_as_they_come_give_the_same_replicates() -> None:
    values = np.random.default_rng(2).random(6 * BLOCK + 40)
    stream = PoissonStream(300, 4, "mIoU")
    for value in values[: 4 * BLOCK + 10].tolist():  # the rest only at the end
        stream.add(value)
    total = stream.finished(values, 300, 4, "mIoU")
    assert total.blocks == 4 and total.sums is not None
    parts = [block_sums(values[b * BLOCK : (b + 1) * BLOCK], 300, 4, "mIoU", b) for b in range(4)]
    assert np.array_equal(total.sums, ((parts[0] + parts[1]) + parts[2]) + parts[3])
    assert np.array_equal(stream.finished(values, 300, 4, "mIoU").sums, total.sums)  # again
    stream = PoissonStream(300, 4, "mIoU")
    for value in values[: 4 * BLOCK + 10].tolist():
        stream.add(value)
    assert np.array_equal(poisson_means(values, 300, 4, "mIoU", stream),
                          poisson_means(values, 300, 4, "mIoU"))  # fmt: skip


@pytest.mark.parametrize("change", ["values", "resamples", "seed", "name"])
def test_a_stream_that_does_not_fit_the_values_is_left_aside(change) -> None:
    values = np.random.default_rng(3).random(5 * BLOCK)
    fed = values.copy()
    if change == "values":
        fed[BLOCK + 3] += 1e-12
    stream = PoissonStream(*{"resamples": (301, 4, "mIoU"), "seed": (300, 5, "mIoU"),
                             "name": (300, 4, "R1")}.get(change, (300, 4, "mIoU")))  # fmt: skip
    for value in fed.tolist():
        stream.add(value)
    assert np.array_equal(poisson_means(values, 300, 4, "mIoU", stream),
                          poisson_means(values, 300, 4, "mIoU"))  # fmt: skip


def test_the_interpreter_is_shared_only_while_a_stream_sums() -> None:
    before = sys.getswitchinterval()
    one, two = PoissonStream(50, 0, "a"), PoissonStream(50, 0, "b")
    for value in range(BLOCK):
        one.add(float(value))
        two.add(float(value))
    assert sys.getswitchinterval() == min(before, poisson_bootstrap.SWITCH_INTERVAL)
    one.close()
    assert sys.getswitchinterval() == min(before, poisson_bootstrap.SWITCH_INTERVAL)
    two.close()
    two.close()  # twice: nothing more
    assert sys.getswitchinterval() == before
    for task in one._tasks + two._tasks:
        task.result()  # no worker left running into the next test


def test_below_its_size_the_classical_draw_is_used() -> None:
    values = {"mIoU": np.random.default_rng(4).random(4 * BLOCK - 1)}
    with resampling("poisson"):
        poisson = percentile_ci(values, resamples=300, seed=2)
    with resampling("percentile"):
        assert poisson == percentile_ci(values, resamples=300, seed=2)
    values = {"mIoU": np.random.default_rng(4).random(4 * BLOCK)}
    with resampling("poisson"):
        poisson = percentile_ci(values, resamples=300, seed=2)
    with resampling("percentile"):
        assert poisson != percentile_ci(values, resamples=300, seed=2)


def test_0_1_values_stay_the_exact_binomial() -> None:
    values = {"R1@0.5": (np.random.default_rng(5).random(8 * BLOCK) > 0.4).astype(float)}
    with resampling("poisson"):
        poisson = percentile_ci(values, resamples=300, seed=2)
    with resampling("percentile"):
        assert poisson == percentile_ci(values, resamples=300, seed=2)


def test_intervals_agree_with_the_classical_bootstrap() -> None:
    values = np.random.default_rng(6).gamma(2.0, size=40 * BLOCK + 99)  # skewed
    reps = 800
    poisson = poisson_means(values, reps, 0, "mIoU")
    with resampling("percentile"):
        classical = bootstrap.bootstrap_means(values, reps, np.random.default_rng(0))
    se = values.std() / np.sqrt(len(values))  # the replicates' spread, by theory
    for replicates in (poisson, classical):
        assert abs(replicates.mean() - values.mean()) < 4 * se / np.sqrt(reps)
        assert abs(replicates.std() / se - 1) < 0.1  # Monte-Carlo error of 800 resamples: 0.025
    ends_p = np.quantile(poisson, [0.025, 0.975])
    ends_c = np.quantile(classical, [0.025, 0.975])
    # each endpoint's Monte-Carlo error is ~0.1 se at 800 resamples: their gap's ~0.14 se
    assert np.all(np.abs(ends_p - ends_c) < 0.5 * se)


def test_an_error_on_the_worker_is_raised_not_left_out(monkeypatch) -> None:
    block_sums = poisson_bootstrap.block_sums

    def failing(values, resamples, seed, name, block):
        if block == 1:
            raise MemoryError("no room for the weights")
        return block_sums(values, resamples, seed, name, block)

    monkeypatch.setattr(poisson_bootstrap, "block_sums", failing)
    values = np.random.default_rng(7).random(5 * BLOCK)
    stream = PoissonStream(100, 0, "mIoU")
    for value in values.tolist():
        stream.add(value)
    with pytest.raises(MemoryError, match="no room"):
        poisson_means(values, 100, 0, "mIoU", stream)


def test_a_stream_closed_on_an_error_drops_the_blocks_not_started(monkeypatch) -> None:
    started = threading.Event()
    release = threading.Event()
    block_sums = poisson_bootstrap.block_sums

    def slow(*args):
        started.set()
        release.wait(5)
        return block_sums(*args)

    monkeypatch.setattr(poisson_bootstrap, "block_sums", slow)
    before = sys.getswitchinterval()
    stream = PoissonStream(50, 0, "mIoU")
    for value in range(6 * BLOCK):
        stream.add(float(value))
    assert started.wait(5)
    stream.close(cancel=True)
    release.set()
    tasks = stream._tasks
    tasks[0].result()  # the one it had started ends
    assert sum(task.cancelled() for task in tasks) == 5
    assert sys.getswitchinterval() == before
