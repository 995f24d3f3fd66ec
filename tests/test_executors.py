"""Executors: a local process pool (with crash recovery) and Dask, driven through the CLI."""

import os

import fakeplugins
import pytest

from lpbench.testing import TINY_RUN, read_json

pytestmark = pytest.mark.slow  # process pools and Dask clusters
TINY = list(TINY_RUN)


@pytest.fixture
def scaletest(tmp_path, monkeypatch):
    env = fakeplugins.install(tmp_path / "site", monkeypatch)
    yield env
    fakeplugins.cleanup()


def _rec(runs, model, seed):
    return read_json(runs / "eight_gaussians" / "smoke" / model / f"seed{seed}" / "run.json")


def test_process_pool_gives_the_same_records_as_in_process_runs(cli, tmp_path, scaletest, monkeypatch):
    log = tmp_path / "trained.log"
    monkeypatch.setenv("LPBENCH_TEST_LOG", str(log))
    res = cli("run", "--models", "quick", "--seeds", "0,1,2", *TINY, "--runs-dir", tmp_path / "pool", "--workers", "2")
    assert res.exit_code == 0, res.output
    pids = {line.split()[2] for line in log.read_text().splitlines()}
    assert len(pids) == 3 and str(os.getpid()) not in pids  # a fresh process per run
    assert cli("run", "--models", "quick", "--seeds", "0,1,2", *TINY, "--runs-dir", tmp_path / "seq").exit_code == 0
    for seed in (0, 1, 2):
        assert _rec(tmp_path / "pool", "quick", seed)["metrics"] == _rec(tmp_path / "seq", "quick", seed)["metrics"]


def test_a_worker_killed_by_the_system_fails_only_its_own_run(cli, tmp_path, scaletest):
    runs = tmp_path / "runs"
    res = cli(
        "run",
        "--models",
        "crash,quick",
        "--seeds",
        "0,1",
        *TINY,
        "--runs-dir",
        runs,
        "--workers",
        "2",
        "--set",
        "crash.sleep_s=0.5",
        "--set",
        "quick.sleep_s=1.0",
    )
    assert res.exit_code == 1
    for seed in (0, 1):
        assert _rec(runs, "quick", seed)["status"] == "completed"
        crashed = _rec(runs, "crash", seed)
        assert crashed["status"] == "failed"
        assert "worker process died" in crashed["error"] and "SIGKILL" in crashed["error"], crashed["error"]
        assert "rerun the same command" in crashed["error"]
    assert "Traceback" not in res.output


def _children():
    """Our child processes, less multiprocessing's resource tracker: it is started once per
    interpreter on first use of spawn and lives as long as the interpreter, by design."""
    import psutil

    out = {}
    for p in psutil.Process().children(recursive=True):
        try:
            cmd = " ".join(p.cmdline())
        except psutil.Error:
            continue
        if "resource_tracker" not in cmd:
            out[p.pid] = cmd
    return out


def test_dask_local_cluster_runs_the_grid_and_keeps_errors_with_their_run(cli, tmp_path, scaletest):
    distributed = pytest.importorskip("distributed")
    before = _children()
    runs = tmp_path / "runs"
    # Bound to 127.0.0.1 only: no other address may be contacted from the test machines.
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=2,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
        worker_dashboard_address="127.0.0.1:0",
    ) as cluster:
        res = cli(
            "run",
            "--models",
            "quick,boom",
            "--seeds",
            "0,1",
            *TINY,
            "--runs-dir",
            runs,
            "--executor",
            "dask",
            "--scheduler",
            cluster.scheduler_address,
        )
        assert res.exit_code == 1, res.output
        for seed in (0, 1):
            assert _rec(runs, "quick", seed)["status"] == "completed"
            assert "boom in fit" in _rec(runs, "boom", seed)["error"]
        # a rerun skips what completed, on Dask as locally
        res = cli(
            "run",
            "--models",
            "quick",
            "--seeds",
            "0,1",
            *TINY,
            "--runs-dir",
            runs,
            "--executor",
            "dask",
            "--scheduler",
            cluster.scheduler_address,
        )
        assert res.exit_code == 0
    import time

    deadline = time.monotonic() + 20
    while set(_children()) - set(before) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = {pid: cmd for pid, cmd in _children().items() if pid not in before}
    assert not left, f"the LocalCluster left processes behind: {left}"


def test_dask_scheduler_unreachable_or_missing_is_a_usage_error(cli, tmp_path):
    pytest.importorskip("distributed")
    res = cli("run", "--models", "vae", *TINY, "--runs-dir", tmp_path, "--executor", "dask")
    assert res.exit_code == 2 and "needs --scheduler" in res.output
    res = cli(
        "run",
        "--models",
        "vae",
        *TINY,
        "--runs-dir",
        tmp_path,
        "--executor",
        "dask",
        "--scheduler",
        "tcp://127.0.0.1:9",
    )
    assert res.exit_code == 2 and "cannot reach the Dask scheduler" in res.output
    assert not (tmp_path / "eight_gaussians").exists()
