"""Two of the named ways of resampling continuous values: ``percentile`` (the classical draw) and
``percentile-blocked`` (exact per-block counts, then draws within each block; ``poisson``, the
default, has ``test_poisson_bootstrap.py``): the same figures
below the size where blocks pay, the same distribution past it, seeded and independent of the
core count, and named in metrics.json with the seed. The algorithm is tested from a lowered
threshold (a few blocks), so these tests stay fast."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from videoeval.cli import app
from videoeval.metrics import bootstrap
from videoeval.metrics.bootstrap import BLOCK, bootstrap_means, percentile_ci, resampling

pytestmark = pytest.mark.cost(10)

FROM = 4 * BLOCK


@pytest.fixture(autouse=True)
def blocks_from_a_few(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bootstrap, "BLOCKED_FROM", FROM)


def means(values: np.ndarray, method: str, seed: int = 0, resamples: int = 400) -> np.ndarray:
    with resampling(method):
        return bootstrap_means(values, resamples, np.random.default_rng(seed))


def test_below_the_blocked_size_both_methods_give_the_same_replicates() -> None:
    values = np.random.default_rng(1).random(FROM - 1)
    assert np.array_equal(means(values, "percentile"), means(values, "percentile-blocked"))
    values = np.random.default_rng(1).random(FROM)
    assert not np.array_equal(means(values, "percentile"), means(values, "percentile-blocked"))


def test_blocked_replicates_have_the_classical_distribution() -> None:
    # skewed values, the last block short
    values = np.random.default_rng(2).gamma(2.0, size=FROM + 5 * BLOCK + 123)
    blocked = means(values, "percentile-blocked", resamples=600)
    classical = means(values, "percentile", resamples=600)
    assert not np.array_equal(blocked, classical)  # another random stream
    se = values.std() / np.sqrt(len(values))  # the replicates' spread, by theory
    for reps in (blocked, classical):
        assert abs(reps.mean() - values.mean()) < 4 * se / np.sqrt(600)
        assert abs(reps.std() / se - 1) < 0.1  # Monte-Carlo error of 600 resamples: 0.03
    low_b, high_b = np.quantile(blocked, [0.025, 0.975])
    low_c, high_c = np.quantile(classical, [0.025, 0.975])
    # each endpoint's Monte-Carlo error is ~0.11 se at 600 resamples: their gap's ~0.16 se
    assert abs(low_b - low_c) < 0.5 * se and abs(high_b - high_c) < 0.5 * se


def test_every_draw_is_counted_once_in_its_block() -> None:
    """Values 0 everywhere but one block of ones: each replicate is that block's share of the
    n draws, a Binomial(n, block/n) / n: no draw lost or counted twice."""
    n = FROM + 4 * BLOCK
    values = np.zeros(n)
    values[BLOCK : 2 * BLOCK] = 1.0
    values[0] = 0.5  # not a 0/1 indicator: resampled, not drawn as a binomial
    reps = means(values, "percentile-blocked", resamples=600)
    p = values.mean()
    spread = np.sqrt(p * (1 - p) / n)
    assert abs(reps.mean() - p) < 4 * spread / np.sqrt(600)
    assert abs(reps.std() / spread - 1) < 0.1


def test_blocked_replicates_are_seeded_and_the_same_on_any_core_count(monkeypatch) -> None:
    values = np.random.default_rng(3).random(FROM + 3 * BLOCK)
    first = means(values, "percentile-blocked", seed=5)
    monkeypatch.setattr(bootstrap.os, "cpu_count", lambda: 1)
    assert np.array_equal(first, means(values, "percentile-blocked", seed=5))
    assert not np.array_equal(first, means(values, "percentile-blocked", seed=6))


def test_an_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="percentile-blocked, percentile"), resampling("bca"):
        pass
    values = {"mIoU": np.random.default_rng(0).random(10)}
    assert percentile_ci(values, resamples=50) == percentile_ci(values, resamples=50)


def test_metrics_json_names_the_method_and_seed(tmp_path: Path) -> None:
    annotations, predictions = tmp_path / "charades-timelens.json", tmp_path / "answers.jsonl"
    gt = {f"v{k}": {"duration": 30.0, "spans": [[k, k + 5.0]], "queries": [f"thing {k}"]}
          for k in range(20)}  # fmt: skip
    annotations.write_text(json.dumps(gt))
    predictions.write_text("".join(
        json.dumps({"vid": f"v{k}", "query": f"thing {k}", "answer": f"{k + k % 3} - {k + 4}"})
        + "\n" for k in range(20)))  # fmt: skip
    runner = CliRunner()
    for method in ("percentile", "percentile-blocked", "poisson", None):
        out = tmp_path / str(method)
        chosen = ["--bootstrap-method", method] if method else []
        result = runner.invoke(app, ["score", "timelens-charades", "-a", str(annotations), "-p",
                                     str(predictions), "-o", str(out), "--seed", "7",
                                     *chosen])  # fmt: skip
        assert result.exit_code == 0, result.output
        inputs = json.loads((out / "metrics.json").read_text())["inputs"]
        assert inputs["bootstrap_method"] == (method or "poisson")
        assert inputs["bootstrap_seed"] == 7
    refused = runner.invoke(app, ["score", "timelens-charades", "-a", str(annotations), "-p",
                                  str(predictions), "-o", str(tmp_path / "x"), "--bootstrap",
                                  "0", "--bootstrap-method", "percentile"])  # fmt: skip
    assert refused.exit_code == 2 and "does not apply" in refused.output
