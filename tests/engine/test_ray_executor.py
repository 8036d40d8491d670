"""`--executor ray` on a local Ray cluster (this machine's cores, nothing reached beyond it): the
same answers, rows and figures as a local run of the same plan (run, rollouts, a suite whose
pairs run together); a worker killed with SIGKILL mid-run (nothing lost, an item asked once more
at most); the driver killed with SIGKILL and resumed; a cluster that goes away (exit 3, every
answer kept); a local checkpoint (`--backend hf`) in a Ray actor on CPU."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.engine.conftest import answer_script, make_bench
from tests.fake_servers import FakeServer, Received, Reply
from videoeval.cli import app

pytestmark = pytest.mark.cost(60)

ray = pytest.importorskip("ray", reason="Ray is not installed (the ray extra)")
psutil = pytest.importorskip("psutil")


@pytest.fixture(scope="module")
def cluster():
    """One local cluster for the module; its address lets a driver process of its own join."""
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        configure_logging=False,
        _node_ip_address="127.0.0.1",
    )
    port = ray.get_runtime_context().gcs_address.rsplit(":", 1)[1]
    yield f"127.0.0.1:{port}"  # the node's address (Ray may name the host's own)
    ray.shutdown()


def invoke(*args: object):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, [str(a) for a in args])


def run_args(bench: dict[str, Path], url: str, out: Path, cache: Path, *extra: object) -> list:
    return ["run", "timelens-charades", "-a", bench["annotations"], "--videos", bench["videos"],
            "--model", "fake-vl", "--base-url", url, "-o", out, "--cache", cache,
            "--max-tokens", "64", *extra]  # fmt: skip


def comparable(out: Path) -> dict[str, object]:
    """What must not depend on where the items were asked: every logged row (in sample order,
    its timing apart), the scored rows as written, and the figures."""
    rows = [json.loads(x) for x in (out / "responses.jsonl").read_text().splitlines()]
    for row in rows:
        row.pop("seconds", None)
        # whether a video's frames came off the frame cache is which of its items came first,
        # timing as much as the seconds are
        row.get("frames", {}).pop("from_cache", None)
    metrics = json.loads((out / "metrics.json").read_text())
    figures = {k: metrics[k] for k in ("metrics", "ci95", "failures", "n_counted")}
    return {"responses": sorted(rows, key=lambda r: r["sample_id"]),
            "samples": (out / "samples.jsonl").read_bytes(), "metrics": figures}  # fmt: skip


def test_a_ray_run_gives_what_a_local_run_gives(cluster: str, tmp_path: Path) -> None:
    bench = make_bench(tmp_path)
    with FakeServer(answer_script) as server:
        local = invoke(*run_args(bench, server.base_url, tmp_path / "local", tmp_path / "c1"))
        assert local.exit_code == 0, local.output
        asked = len(server.received)
        distributed = invoke(*run_args(bench, server.base_url, tmp_path / "ray", tmp_path / "c2",
                                       "--executor", "ray", "--ray-address", cluster))  # fmt: skip
        assert distributed.exit_code == 0, distributed.output
        # the workers asked, with frames (checked)
        assert len(server.received) == 2 * asked, (asked, len(server.received), distributed.output)
        again = invoke(*run_args(bench, server.base_url, tmp_path / "ray2", tmp_path / "c2",
                                 "--executor", "ray", "--ray-address", cluster))  # fmt: skip
        assert again.exit_code == 0, again.output
        assert len(server.received) == 2 * asked, again.output  # the cache, read
    here, there = comparable(tmp_path / "local"), comparable(tmp_path / "ray")
    assert here == there
    record = json.loads((tmp_path / "ray" / "run.json").read_text())
    assert record["executor"] == {"executor": "ray", "ray_address": cluster}
    local_record = json.loads((tmp_path / "local" / "run.json").read_text())
    assert local_record["config_hash"] == record["config_hash"]  # the same questions
    refused = invoke(*run_args(bench, server.base_url, tmp_path / "x", tmp_path / "c3",
                               "--ray-address", cluster))  # fmt: skip
    assert refused.exit_code == 2 and "--executor ray only" in refused.output


def wait_for_rows(log: Path, proc: subprocess.Popen, count: int) -> None:  # type: ignore[type-arg]
    """Until the run has logged ``count`` rows (or ended, or two minutes passed)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if log.exists() and len(log.read_text().splitlines()) >= count:
            return
        time.sleep(0.02)


def _slow(received: Received, n: int) -> Reply:
    time.sleep(0.4)
    return answer_script(received, n)


def test_a_worker_killed_mid_item_loses_nothing_and_asks_once_more_at_most(
    cluster: str, tmp_path: Path
) -> None:
    bench = make_bench(tmp_path)
    killed: list[int] = []

    def kill_a_worker() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not killed:
            for proc in psutil.process_iter(["pid", "cmdline"]):
                if "ray::ItemWorker" in " ".join(proc.info["cmdline"] or []):
                    os.kill(proc.info["pid"], signal.SIGKILL)
                    killed.append(proc.info["pid"])
                    return
            time.sleep(0.05)

    with FakeServer(_slow) as server:
        killer = threading.Thread(target=kill_a_worker)
        killer.start()
        result = invoke(*run_args(bench, server.base_url, tmp_path / "out", tmp_path / "c",
                                  "--executor", "ray", "--ray-address", cluster,
                                  "--concurrency", "2"))  # fmt: skip
        killer.join()
        asked = len(server.received)
    assert killed, "no Ray worker was found running an item: nothing was tested"
    assert result.exit_code == 0, result.output
    rows = [json.loads(x) for x in (tmp_path / "out" / "responses.jsonl").read_text().splitlines()]
    answered = [r for r in rows if r["status"] == "ok"]
    assert len({r["sample_id"] for r in answered}) == len(answered) == 4  # every video's query
    assert 4 <= asked <= 5  # the killed worker's item asked once more at most


def test_the_driver_killed_then_resumed(cluster: str, tmp_path: Path) -> None:
    bench = make_bench(tmp_path)
    with FakeServer(_slow) as server:
        args = [sys.executable, "-m", "videoeval",
                *map(str, run_args(bench, server.base_url, tmp_path / "out", tmp_path / "c",
                                   "--executor", "ray", "--ray-address", cluster,
                                   "--concurrency", "1"))]  # fmt: skip
        env = {**os.environ, "RAY_AUTH_MODE": "disabled"}
        proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)  # fmt: skip
        log = tmp_path / "out" / "responses.jsonl"
        wait_for_rows(log, proc, 2)
        was_running = proc.poll() is None
        proc.kill()
        proc.wait()
        before = len(log.read_text().splitlines())
        resumed = subprocess.run(args, env=env, capture_output=True, timeout=300)
        assert resumed.returncode == 0, resumed.stderr.decode()[-2000:]
        asked = len(server.received)
    rows = [json.loads(x) for x in log.read_text().splitlines()]
    assert was_running and before >= 2
    assert len({r["sample_id"] for r in rows}) == len(rows) == 5  # each sample logged once
    assert asked <= 4 + 1  # the four queries with a video, one in flight at the kill


def test_a_local_checkpoint_in_a_ray_actor(cluster: str, tmp_path: Path) -> None:
    from tests.models.test_hf_local import grounding_bench
    from tests.models.tiny_vlm import build_checkpoint

    checkpoint = build_checkpoint("qwen2.5-vl", tmp_path / "ckpt")
    videos, annotations = grounding_bench(tmp_path)
    common = ["run", "timelens-charades", "-a", annotations, "--videos", videos, "--backend",
              "hf", "--model", checkpoint, "--max-tokens", "16", "--dtype", "float32",
]  # fmt: skip
    here = invoke(*common, "--devices", "cpu", "-o", tmp_path / "here", "--cache", tmp_path / "a")
    assert here.exit_code == 0, here.output
    there = invoke(*common, "-o", tmp_path / "there", "--cache", tmp_path / "b",
                   "--executor", "ray", "--ray-address", cluster)  # fmt: skip
    assert there.exit_code == 0, there.output
    assert comparable(tmp_path / "here")["samples"] == comparable(tmp_path / "there")["samples"]


def test_rollouts_on_ray_as_locally(cluster: str, tmp_path: Path) -> None:
    from tests.test_rollouts import answer, make_rollout_bench

    videos, annotations = make_rollout_bench(tmp_path)
    made = {}
    with FakeServer(answer) as server:
        for where, extra in (("here", []), ("there", ["--executor", "ray"])):
            out = tmp_path / where
            result = invoke("rollouts", "timelens-charades", "-a", annotations, "--videos", videos,
                            "--model", "m", "--base-url", server.base_url, "-o", out, "--cache",
                            tmp_path / f"cache-{where}", "--samples", "4", *extra)  # fmt: skip
            assert result.exit_code == 0, result.output
            made[where] = {name: (out / name).read_bytes()
                           for name in ("difficulty.jsonl", "grpo_prompts.jsonl")}  # fmt: skip
        assert len(server.received) == 2 * 32
    assert made["here"] == made["there"]
    record = json.loads((tmp_path / "there" / "run.json").read_text())
    assert record["executor"] == {"executor": "ray", "ray_address": None}


def test_a_suite_on_ray_runs_its_pairs_together_as_it_would_one_by_one(
    cluster: str, tmp_path: Path
) -> None:
    from tests.suite.test_suite import write_suite

    figures = {}
    with FakeServer(answer_script) as server:
        for where, extra in (("here", []), ("there", ["--executor", "ray"])):
            (tmp_path / where).mkdir()
            suite = write_suite(tmp_path / where, server.base_url)
            result = invoke("suite", suite, *extra)
            assert result.exit_code == 0, result.output
            record = json.loads((tmp_path / where / "out" / "suite.json").read_text())
            figures[where] = [(p["model"], p["benchmark"], p["status"], p["metrics"])
                              for p in record["pairs"]]  # fmt: skip
    assert len(figures["here"]) == 9 and figures["here"] == figures["there"]


def kill_cluster(port: int, spare: int | None) -> None:
    """SIGKILL to the head's and the node's processes and what they started (named
    ``ray::...``, without the port): nothing of that cluster is left running."""
    doomed = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        line = " ".join(proc.info["cmdline"] or [])
        if proc.pid != spare and (f"={port}" in line or f":{port}" in line):
            with contextlib.suppress(psutil.Error):
                doomed += [proc, *proc.children(recursive=True)]
    for proc in doomed:
        with contextlib.suppress(psutil.Error):
            proc.kill()


def test_a_cluster_that_goes_away_ends_the_run_with_3_and_keeps_its_answers(
    tmp_path: Path,
) -> None:
    """A cluster of its own (the module's stays up): its head and node killed mid-run."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "RAY_AUTH_MODE": "disabled"}
    ray_cli = str(Path(sys.executable).parent / "ray")
    temp = tempfile.mkdtemp(prefix="ray", dir="/tmp")  # its own, short: Ray's sockets live there
    started = subprocess.run([ray_cli, "start", "--head", "--port", str(port), "--num-cpus", "1",
                              "--temp-dir", temp,
                              "--include-dashboard", "false", "--node-ip-address", "127.0.0.1",
                              "--disable-usage-stats"], env=env, capture_output=True)  # fmt: skip
    assert started.returncode == 0, started.stderr.decode()[-2000:]
    bench = make_bench(tmp_path)
    with FakeServer(_slow) as server:
        args = [sys.executable, "-m", "videoeval",
                *map(str, run_args(bench, server.base_url, tmp_path / "out", tmp_path / "c",
                                   "--executor", "ray", "--ray-address",
                                   f"127.0.0.1:{port}", "--concurrency", "1"))]  # fmt: skip
        driver = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE)  # fmt: skip
        log = tmp_path / "out" / "responses.jsonl"
        wait_for_rows(log, driver, 2)
        before = len(log.read_text().splitlines())
        kill_cluster(port, spare=driver.pid)
        _, stderr = driver.communicate(timeout=120)
    kill_cluster(port, spare=None)  # what it started since
    shutil.rmtree(temp, ignore_errors=True)
    said = " ".join(stderr.decode().split())
    assert driver.returncode == 3, said[-2000:]
    assert "the Ray cluster went away" in said
    rows = [json.loads(x) for x in log.read_text().splitlines()]
    assert before >= 2 and len(rows) >= before  # nothing written is lost
    assert all(r["status"] != "model_error" for r in rows)  # a gone cluster is no item's fault


def test_server_errors_on_a_worker_are_retried_or_recorded_as_locally(
    cluster: str, tmp_path: Path
) -> None:
    from tests.engine.conftest import flaky_script

    calls: dict[str, int] = {}
    bench = make_bench(tmp_path)
    with FakeServer(flaky_script(calls)) as server:
        args = run_args(bench, server.base_url, tmp_path / "out", tmp_path / "c", "--executor",
                        "ray", "--ray-address", cluster)  # fmt: skip
        result = invoke(*args)
        assert result.exit_code == 0, result.output
        assert calls == {"a person opens the door": 1, "the dog runs away": 3, "a cup falls": 2,
                         "someone sits down": 1}  # fmt: skip
        metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
        assert metrics["failures"] == {"model_error": 1, "video_error": 1}
        again = invoke(*args)  # only the model error is asked again
        assert again.exit_code == 0, again.output
        assert calls["someone sits down"] == 2 and calls["the dog runs away"] == 3
