"""A lock per run folder: two real `lpbench run` processes never run the same run twice."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import fakeplugins
import pytest

from lpbench.locks import RunLock, lock_path
from lpbench.testing import TINY_RUN, read_json

pytestmark = pytest.mark.slow  # real lpbench processes
LPBENCH = str(Path(sys.executable).with_name("lpbench"))
TINY = list(TINY_RUN)


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
    cmd = [
        LPBENCH,
        "run",
        "--models",
        "quick",
        "--seeds",
        "0,1,2",
        *TINY,
        "--runs-dir",
        str(runs),
        "--set",
        "quick.sleep_s=2.0",
    ]
    procs = [
        subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)
    ]
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


# ------------------------------------------------------------- the lock file itself, and shutdown


def test_a_folder_where_the_lock_belongs_is_named_not_a_traceback(tmp_path):
    from lpbench.store import StoreError

    lock_path(tmp_path / "seed0").mkdir()
    with pytest.raises(StoreError, match=r"\.seed0\.lock is a directory.*remove it"):
        RunLock(tmp_path / "seed0").acquire()


def test_a_lock_that_cannot_be_written_leaves_no_torn_file(tmp_path, monkeypatch):
    """Disk full while the lock is written (simulated: fsync fails with ENOSPC, as a full disk
    makes it): a clear error, and no half-written lock that would hold the run for others."""
    import errno

    from lpbench import store

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store.os, "fsync", full)
    with pytest.raises(store.WriteError, match="disk is full"):
        RunLock(tmp_path / "seed0").acquire()
    assert not lock_path(tmp_path / "seed0").exists()


WATCH = '''
import os
import time

from lpbench import Model, hookimpl
from lpbench.locks import lock_path


class Watch(Model):
    """Trains for sleep_s seconds; logs "start <seed> <pid>" when it starts, and "unlocked <seed>"
    if its run's lock disappears while it is still training (what must never happen)."""

    name = "watch"
    family = "baseline"
    description = "checks that its run stays locked while it trains"
    # longer than the wait for both workers to start (up to 240 s on a loaded machine), so that
    # neither run can finish before the Ctrl-C; the Ctrl-C ends the wait, not this number
    defaults = {"sleep_s": 600.0}

    def fit(self, data, budget, ctx):
        log = os.environ["LPBENCH_TEST_LOG"]
        with open(log, "a") as f:
            f.write(f"start {ctx.seed} {os.getpid()}\\n")
        end = time.monotonic() + self.hp["sleep_s"]
        while time.monotonic() < end:
            time.sleep(0.05)
            if not lock_path(ctx.run_dir).exists():
                with open(log, "a") as f:
                    f.write(f"unlocked {ctx.seed} {os.getpid()}\\n")
                return

    def sample(self, n, generator):
        import torch

        return torch.randn(n, *self.config.data_shape, generator=generator)

    def state_dict(self):
        return {}

    def load_state_dict(self, state):
        pass


@hookimpl
def register_models(register):
    register(Watch)
'''


def _alive(pid: int) -> bool:
    """A process that exists and is not a zombie (a container's init may never reap one)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return state != "Z"


def test_ctrl_c_to_the_driver_stops_its_workers_before_it_releases_their_locks(tmp_path, monkeypatch):
    """SIGINT to the driver alone (its workers get nothing) with --workers 2: before any lock is
    released, both workers have stopped, so no second `lpbench run` can start a run that is still
    training. The fake model notices a released lock while it trains and logs it."""
    import signal
    import time

    from lpbench.testing import install_fake_distribution

    site = tmp_path / "site"
    site.mkdir()
    install_fake_distribution(site, "lpbench-watch", {"lpbench_watch": WATCH}, {"watch": "lpbench_watch"})
    log = tmp_path / "trained.log"
    # lpbench's own variables only as this test sets them: earlier tests of a full run leave
    # some in os.environ (a cache folder, the plugin allow-list), and this test must not depend on them
    env = {k: v for k, v in os.environ.items() if not k.startswith("LPBENCH_") or k == "LPBENCH_LOAD_PLUGINS"}
    env.update(
        PYTHONPATH=os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]),
        PYTHONFAULTHANDLER="1",  # a driver that hangs is sent SIGABRT below: its threads' stacks
        OMP_NUM_THREADS="1",
        LPBENCH_TEST_LOG=str(log),
        LPBENCH_CACHE=str(tmp_path / "cache"),
    )
    runs = tmp_path / "runs"
    driver = subprocess.Popen(
        [LPBENCH, "run", "--models", "watch", "--seeds", "0,1", "--workers", "2", *TINY, "--runs-dir", str(runs)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        # SIGINT at its default, as a terminal's Ctrl-C finds it: a suite started in the background
        # of a script inherits SIGINT ignored (the shell's doing), and the driver would never see it
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 240  # a bound on the wait for both workers, not on lpbench's speed
        while time.monotonic() < deadline and driver.poll() is None:
            if log.exists() and sum(line.startswith("start") for line in log.read_text().splitlines()) == 2:
                break
            time.sleep(0.2)
        started = [line.split() for line in log.read_text().splitlines()] if log.exists() else []
        assert len(started) == 2 and driver.poll() is None, (started, driver.poll())
        os.kill(driver.pid, signal.SIGINT)
        try:
            _, err = driver.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            os.kill(driver.pid, signal.SIGABRT)  # faulthandler writes every thread's stack to stderr
            try:  # a child that inherited the pipe may keep it open after the driver has died
                _, err = driver.communicate(timeout=30)
            except subprocess.TimeoutExpired as e:
                held = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else e.stderr or ""
                err = held + "\n(the pipe was still held open by a child)"
            raise AssertionError(f"the driver had not exited 120 s after its SIGINT; its stacks:\n{err}") from None
    finally:
        if driver.poll() is None:
            driver.kill()
    worker_pids = [int(pid) for _, _, pid in started]
    assert not [pid for pid in worker_pids if _alive(pid)], "a worker outlived its driver"
    assert "unlocked" not in log.read_text(), log.read_text()  # no run trained without its lock
    assert not list(runs.rglob("*.lock"))  # and once they had stopped, the locks were released
    assert "Traceback" not in err, err
    for seed in (0, 1):  # each run says it was interrupted: rerunning resumes it
        rec = read_json(runs / "eight_gaussians/smoke/watch" / f"seed{seed}/run.json")
        assert rec["status"] in ("failed", "running") and rec["status"] != "completed"
