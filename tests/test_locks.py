"""A lock per run folder: two real `lpbench run` processes never run the same run twice."""
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import fakeplugins
from conftest import read_json
from lpbench.locks import RunLock, lock_path

LPBENCH = str(Path(sys.executable).with_name("lpbench"))
TINY = ["--dataset", "eight_gaussians", "--budget", "smoke", "--set", "data.n_train=200",
        "--set", "data.n_test=100", "--set", "budget.eval_samples=50", "-q"]


def test_lock_is_exclusive_and_released(tmp_path):
    a, b = RunLock(tmp_path / "seed0"), RunLock(tmp_path / "seed0")
    assert a.acquire() is None
    holder = b.acquire()
    assert holder["pid"] == os.getpid() and holder["host"] == socket.gethostname()
    a.release()
    assert not lock_path(tmp_path / "seed0").exists()
    assert b.acquire() is None
    b.release()


def test_stale_lock_of_a_dead_process_is_taken_over(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    path = lock_path(tmp_path / "seed0")
    path.write_text(json.dumps({"pid": dead.pid, "host": socket.gethostname(), "since": 0}))
    lock = RunLock(tmp_path / "seed0")
    assert lock.acquire() is None
    assert json.loads(path.read_text())["pid"] == os.getpid()
    lock.release()


def test_lock_from_another_host_is_honoured(tmp_path):
    path = lock_path(tmp_path / "seed0")
    path.write_text(json.dumps({"pid": 1, "host": "some-other-node", "since": 0}))
    assert RunLock(tmp_path / "seed0").acquire()["host"] == "some-other-node"


def test_two_processes_on_one_runs_dir_never_run_a_run_twice(tmp_path, monkeypatch):
    env = fakeplugins.install(tmp_path / "site", monkeypatch)
    log = tmp_path / "trained.log"
    env["LPBENCH_TEST_LOG"] = str(log)
    runs = tmp_path / "runs"
    cmd = [LPBENCH, "run", "--models", "quick", "--seeds", "0,1,2", *TINY, "--runs-dir", str(runs),
           "--set", "quick.sleep_s=2.0"]
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    fakeplugins.cleanup()
    assert [p.returncode for p in procs] == [0, 0], outs
    trained = [tuple(line.split()[:2]) for line in log.read_text().splitlines()]
    assert sorted(trained) == [("quick", "0"), ("quick", "1"), ("quick", "2")], trained
    for seed in (0, 1, 2):
        assert read_json(runs / "eight_gaussians/smoke/quick" / f"seed{seed}/run.json")["status"] == "completed"
    assert not list(runs.rglob("*.lock"))
    # The two really met: one of them found a run locked by the other and said so.
    assert any("waiting: locked by process" in err for _, err in outs), outs
