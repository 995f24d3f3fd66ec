"""Where the runs of a grid execute: in this process, in a local process pool, or on Dask.

Every executor runs the same function (``execute_job``) on a picklable ``Job`` — the spec, the
options and the registry's data, never live objects — and rebuilds plugins from the installed
entry points where it runs. The driver loop (``run_grid``) is shared: it takes a lock per run
folder before a run starts, defers runs that another process is running, and reports each result
as it arrives, so one failure never costs the others.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar

from . import locks, records
from .errors import LpbenchError, UnknownNameError
from .registry import Registry
from .runner import RunOptions, RunSpec, identity, run_one, unrecorded_failure
from .store import StoreError

log = logging.getLogger("lpbench.executors")

# name → factory(workers, scheduler) → Executor. A third executor is one more entry.
EXECUTORS: dict[str, Callable[..., Executor]] = {}


def executor(name: str):
    def add(factory):
        EXECUTORS[name] = factory
        return factory

    return add


def get_executor(name: str) -> Callable[..., Executor]:
    if name not in EXECUTORS:
        raise UnknownNameError("executor", name, EXECUTORS)
    return EXECUTORS[name]


# --------------------------------------------------------------------------------- the job


@dataclass
class Job:
    spec: RunSpec
    opts: RunOptions
    registry_data: dict
    registry_path: str


def execute_job(job: Job) -> dict:
    """Run one job where it lands (any process): rebuild the registry and plugins, then run."""
    from .plugins import get_plugins

    registry = Registry(job.registry_data, job.registry_path)
    return run_one(job.spec, job.opts, registry, get_plugins())


def set_thread_budget(threads: int) -> None:
    """Give torch ``threads`` intra-op threads; N workers × all cores each would oversubscribe
    the machine and make every step many times slower."""
    os.environ["OMP_NUM_THREADS"] = str(threads)
    os.environ["MKL_NUM_THREADS"] = str(threads)
    import torch

    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set, or parallel work already started in this process
        pass


def failed_record(spec: RunSpec, opts: RunOptions, message: str) -> dict:
    """Record a run that died outside ``run_one``'s own error handling (its process crashed,
    its worker was lost). Keeps whatever the run folder already holds (checkpoints)."""
    folder = records.run_dir(opts.runs_dir, spec.dataset, spec.budget, spec.model, spec.seed)
    try:
        rec = records.read_record(folder) or {}
    except ValueError:
        rec = {}
    rec.update(
        model=spec.model, dataset=spec.dataset, budget=spec.budget, seed=spec.seed, status="failed", error=message
    )
    rec.setdefault("metrics", {})
    try:
        records.write_record(folder, rec)
    except OSError as e:  # the record is still returned and shown
        log.warning("could not write %s: %s", folder, e)
    return rec


# ----------------------------------------------------------------------------- executors


class Executor:
    """Runs jobs. ``submit`` starts one; ``wait`` returns [(handle, record)] for finished ones."""

    name: ClassVar[str] = ""
    # Whether the progress callback (a live object) can follow runs here.
    in_process: ClassVar[bool] = False

    def __init__(self, workers: int = 1, scheduler: str | None = None):
        self.workers = workers
        self.scheduler = scheduler

    @property
    def capacity(self) -> int:
        return self.workers

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def prepare(self, opts: RunOptions) -> RunOptions:
        return opts

    def submit(self, job: Job):  # pragma: no cover - abstract
        raise NotImplementedError

    def wait(self, handles: list, timeout: float | None) -> list[tuple]:  # pragma: no cover
        raise NotImplementedError

    def stop(self, handles: list) -> None:
        """The driver is stopping (Ctrl-C, an error): end the runs in ``handles`` before their
        locks are released, so no other process can start one while it still runs here."""


@executor("local")
def _local(workers: int = 1, scheduler: str | None = None) -> Executor:
    """The default: this process, one run at a time (--workers 1), or a process pool (N > 1)."""
    return (InProcessRuns if workers == 1 else ProcessPoolRuns)(workers, scheduler)


class InProcessRuns(Executor):
    """One run at a time in this process; the only executor that can show per-step progress."""

    name = "local"
    in_process = True

    def __init__(self, workers: int = 1, scheduler: str | None = None):
        super().__init__(workers, scheduler)
        if scheduler:
            raise LpbenchError("--scheduler only applies to --executor dask")

    @property
    def capacity(self) -> int:
        return 1

    def submit(self, job: Job):
        return _Handle(job)

    def wait(self, handles, timeout):
        h = handles[0]
        return [(h, execute_job(h.job))]


class _Handle:
    def __init__(self, job: Job, future=None):
        self.job, self.future, self.breaks = job, future, 0


class ProcessPoolRuns(InProcessRuns):
    """N runs at once in a ``ProcessPoolExecutor``: workers start from a forkserver (spawn where
    there is none; see ``_mp_context``), a fresh process per run (``max_tasks_per_child=1``: memory held by one model never leaks into
    the next), cores // N torch threads per worker. A worker that dies (killed for memory, say)
    breaks the pool: the pool is rebuilt, the runs it was not running are resubmitted, and the
    run whose process died is recorded as failed with the exit signal."""

    in_process = False

    def __init__(self, workers: int = 2, scheduler: str | None = None):
        super().__init__(workers, scheduler)
        self.threads = max(1, (os.cpu_count() or 1) // workers)
        self.pool = None
        self.pids: dict = {}  # run key → pid of the worker that last started it

    @property
    def capacity(self) -> int:
        return self.workers

    def _start(self):
        from concurrent.futures import ProcessPoolExecutor

        ctx = _mp_context()
        # Workers announce (run key, pid) so a crash can be attributed. SimpleQueue writes
        # synchronously: a worker killed right after announcing has still announced.
        self.started = ctx.SimpleQueue()
        self.pool = ProcessPoolExecutor(
            self.workers,
            mp_context=ctx,
            max_tasks_per_child=1,
            initializer=_init_pool_worker,
            initargs=(self.threads, self.started),
        )

    def __enter__(self):
        self._start()
        return self

    def __exit__(self, *exc):
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.started.close()

    def submit(self, job: Job):
        h = _Handle(job)
        h.future = self.pool.submit(_pool_execute, job, dict(os.environ))
        return h

    def wait(self, handles, timeout):
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        done, _ = wait([h.future for h in handles], timeout=timeout, return_when=FIRST_COMPLETED)
        self._drain_started()  # keep the pipe empty, so announcing never blocks a worker
        out, broken = [], []
        for h in handles:
            if h.future not in done:
                continue
            try:
                out.append((h, h.future.result()))
            except BrokenProcessPool:
                broken.append(h)
            except Exception as e:  # raised outside run_one's handling, e.g. while unpickling
                out.append((h, failed_record(h.job.spec, h.job.opts, f"{type(e).__name__}: {e}")))
        if broken:
            out += self._recover(broken + [h for h in handles if h.future not in done])
        return out

    def _recover(self, handles) -> list[tuple]:
        """The pool broke: find the run whose process died, record it, resubmit the rest."""
        # Read exit codes only after shutdown has joined every worker: reading them while the
        # pool's manager thread reaps the same processes can see None for a dead one.
        procs = getattr(self.pool, "_processes", None) or {}
        self.pool.shutdown(wait=True, cancel_futures=True)
        self._drain_started()
        dead = {
            pid: p.exitcode for pid, p in dict(procs).items() if p.exitcode not in (None, 0, -15)
        }  # -15: terminated by the pool itself
        log.debug("pool broke: dead workers %s, announced %s", dead, self.pids)
        old_queue = self.started
        self._start()
        old_queue.close()
        out = []
        for h in handles:
            if h.future.done() and h.future.exception() is None:  # finished just before the break
                out.append((h, h.future.result()))
                continue
            pid = self.pids.get(_key(h.job.spec))
            h.breaks += 1
            # Unattributed (no exit code seen): a run present at three breaks is taken to cause them.
            if pid in dead or h.breaks >= 3:
                code = dead.get(pid)
                cause = _exit_cause(code) if code is not None else "it was running each time the pool broke"
                out.append(
                    (
                        h,
                        failed_record(
                            h.job.spec,
                            h.job.opts,
                            f"its worker process died ({cause}); the run was not finished. Check memory "
                            "(fewer --workers), then rerun the same command: it resumes from the last checkpoint",
                        ),
                    )
                )
            else:
                h.future = self.pool.submit(_pool_execute, h.job, dict(os.environ))
        return out

    def stop(self, handles) -> None:
        """SIGINT to every worker (a run records itself as interrupted, resumable), SIGKILL to any
        still alive after a grace period, and return only once all of them have exited."""
        import signal
        from multiprocessing.connection import wait as wait_for

        procs = list((getattr(self.pool, "_processes", None) or {}).values()) if self.pool else []
        # a process's sentinel turns ready when it exits, whichever thread reaps it
        alive = {p.sentinel: p for p in procs if p.exitcode is None}
        for sig, grace in ((signal.SIGINT, _STOP_GRACE_S), (signal.SIGKILL, None)):
            for p in alive.values():
                try:
                    os.kill(p.pid, sig)
                except ProcessLookupError:
                    pass
            deadline = None if grace is None else time.monotonic() + grace
            while alive:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    break
                for sentinel in wait_for(list(alive), left):
                    alive.pop(sentinel)
            if not alive:
                return

    def _drain_started(self):
        try:
            while not self.started.empty():
                key, pid = self.started.get()
                self.pids[key] = pid
        except (OSError, EOFError, ValueError):  # a message torn by a dying writer
            return


# Long enough for an interrupted run to write its record; a worker stuck in native code longer
# than this is killed.
_STOP_GRACE_S = 10.0


def _key(spec: RunSpec) -> tuple:
    return (spec.model, spec.dataset, spec.budget, spec.seed)


def _exit_cause(code: int) -> str:
    import signal

    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        why = "; the system kills processes this way when memory runs out" if name == "SIGKILL" else ""
        return f"exit code {code}, {name}{why}"
    return f"exit code {code}"


def _mp_context():
    """Fresh processes without paying for torch's import in each: a forkserver (a clean,
    single-threaded process that has imported torch once and forks one worker per run) where the
    platform has one, spawn elsewhere. Never fork from the driver itself: it may hold threads, a
    CUDA context or open files. With spawn, a smoke run costs less than the worker's start-up."""
    import multiprocessing as mp

    if "forkserver" not in mp.get_all_start_methods():
        return mp.get_context("spawn")
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["lpbench._worker_preload"])
    return ctx


_started_queue = None


def _init_pool_worker(threads: int, started) -> None:
    global _started_queue
    _started_queue = started
    set_thread_budget(threads)


def _pool_execute(job: Job, environ: dict) -> dict:
    # A forked worker inherits the forkserver's environment, frozen when it started: give it
    # the driver's, as a spawned process would have (cache folders, data roots, credentials).
    os.environ.clear()
    os.environ.update(environ)
    if _started_queue is not None:
        _started_queue.put((_key(job.spec), os.getpid()))
    return execute_job(job)


@executor("dask")
class DaskExecutor(Executor):
    """Runs on an existing Dask distributed cluster (``--scheduler tcp://HOST:PORT``).

    The runs directory must be on storage every worker shares: a worker writes its run folder
    (checkpoints included) where it runs, so a run whose worker is lost resumes from its last
    checkpoint on whichever worker Dask gives it next. This is checked before anything runs.
    """

    name = "dask"

    def __init__(self, workers: int = 1, scheduler: str | None = None):
        super().__init__(workers, scheduler)
        if not scheduler:
            raise LpbenchError("--executor dask needs --scheduler ADDRESS (e.g. tcp://10.0.0.5:8786)")
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise LpbenchError("--executor dask needs the optional dependencies: pip install 'lpbench[dask]'") from None
        self.client = None

    def __enter__(self):
        from distributed import Client

        try:
            self.client = Client(self.scheduler, timeout="10s", set_as_default=False)
        except (OSError, TimeoutError) as e:
            raise LpbenchError(
                f"cannot reach the Dask scheduler at {self.scheduler} ({e}); check the address "
                "and that the scheduler is running"
            ) from None
        return self

    def __exit__(self, *exc):
        if self.client is not None:
            self.client.close()

    @property
    def capacity(self) -> int:
        # Submit one run per worker thread at most, so runs are locked only while they can run.
        threads = sum((self.client.nthreads() or {}).values()) if self.client else 1
        return max(1, self.workers if self.workers > 1 else threads)

    def prepare(self, opts: RunOptions) -> RunOptions:
        runs = Path(opts.runs_dir).resolve()
        probe = runs / f".lpbench-probe-{uuid.uuid4().hex}"
        probe.write_text("probe")
        try:
            seen = self.client.run(os.path.exists, str(probe))
        finally:
            probe.unlink(missing_ok=True)
        blind = sorted(w for w, ok in seen.items() if not ok)
        if not seen:
            raise LpbenchError(f"the Dask cluster at {self.scheduler} has no workers yet; start some and rerun")
        if blind:
            raise LpbenchError(
                f"runs directory {runs} is not visible from Dask workers {', '.join(blind)}; put it on "
                "storage every worker shares (see docs/scale-out.md) and pass it with --runs-dir"
            )
        return replace(opts, runs_dir=runs, data_root=Path(opts.data_root).resolve() if opts.data_root else None)

    def stop(self, handles) -> None:
        # Dask cannot end a task that has started: a run already on a worker finishes there
        # (docs/guarantees.md: what Ctrl-C guarantees).
        if self.client is not None:
            self.client.cancel([h.future for h in handles])

    def submit(self, job: Job):
        key = (
            f"lpbench-{job.spec.model}-{job.spec.dataset}-{job.spec.budget}-seed{job.spec.seed}-{uuid.uuid4().hex[:8]}"
        )
        return _Handle(job, self.client.submit(_dask_execute, job, key=key, pure=False))

    def wait(self, handles, timeout):
        # Polling futures' state is enough for runs of seconds to hours, and unlike
        # distributed.wait it needs no process-wide default client.
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            done = {h.future for h in handles if h.future.done()}
            if done or (deadline is not None and time.monotonic() >= deadline):
                break
            time.sleep(0.1)
        out = []
        for h in handles:
            if h.future not in done:
                continue
            try:
                out.append((h, h.future.result()))
            except Exception as e:  # KilledWorker, lost worker, error outside run_one
                out.append((h, failed_record(h.job.spec, h.job.opts, f"on Dask: {type(e).__name__}: {e}")))
        return out


def _dask_execute(job: Job) -> dict:
    from distributed import get_worker

    try:
        nthreads = get_worker().state.nthreads
    except Exception:  # not on a worker (tests calling it directly)
        nthreads = 1
    set_thread_budget(max(1, (os.cpu_count() or 1) // max(1, nthreads)))
    return execute_job(job)


# --------------------------------------------------------------------------- the driver


def run_grid(
    specs,
    opts: RunOptions,
    registry: Registry,
    plugins=None,
    *,
    executor: str = "local",
    workers: int = 1,
    scheduler: str | None = None,
    on_done: Callable | None = None,
    on_note: Callable | None = None,
    poll_s: float = 2.0,
) -> list[dict]:
    """Run every spec with the named executor; a failed run is recorded and the others go on.

    A run whose folder another process has locked is deferred and retried every ``poll_s``
    seconds; when it is released, this process reports that process's outcome (and reruns it
    only if it did not finish — the other process was killed — or with --force).
    ``on_note(spec, message)`` hears about waits and unreadable records.
    Results are returned in the order of ``specs``.
    """
    if workers < 1:
        raise LpbenchError(f"--workers must be at least 1, got {workers}")
    make = get_executor(executor)
    specs = list(dict.fromkeys(specs))  # the same run twice in one grid would wait for itself
    results: dict[RunSpec, dict] = {}
    with make(workers=workers, scheduler=scheduler) as ex:
        opts = ex.prepare(opts)
        job_opts = opts if ex.in_process else replace(opts, progress=None)
        pending = deque(specs)
        waited: set = set()
        running: dict = {}  # handle → lock
        try:
            while pending or running:
                deferred = []
                while pending and len(running) < ex.capacity:
                    spec = pending.popleft()
                    folder = records.run_dir(opts.runs_dir, spec.dataset, spec.budget, spec.model, spec.seed)
                    lock = locks.RunLock(folder)
                    try:
                        holder = lock.acquire()
                    except StoreError as e:  # the lock cannot be made (no permission, disk full, a folder in its place)
                        _finish(results, spec, _without_lock(folder, spec, opts, str(e)), on_done, on_note)
                        continue
                    if holder is not None:
                        if spec not in waited and on_note:
                            on_note(spec, "waiting: " + locks.describe(holder, lock.path))
                        waited.add(spec)
                        deferred.append(spec)
                        continue
                    if spec in waited and not opts.force:
                        done_elsewhere = _finished_record(folder, spec)
                        if done_elsewhere is not None:
                            lock.release()
                            _finish(results, spec, done_elsewhere, on_done)
                            continue
                    _check_record(folder, spec, on_note)
                    h = ex.submit(Job(spec, job_opts, registry.data, registry.path))
                    running[h] = lock
                if running:
                    for h, rec in ex.wait(list(running), timeout=poll_s if deferred else None):
                        running.pop(h).release()
                        _finish(results, h.job.spec, rec, on_done, on_note)
                elif deferred:
                    time.sleep(poll_s)
                pending.extend(deferred)
        except BaseException:
            ex.stop(list(running))  # before the locks go: a released lock must mean nothing runs it
            raise
        finally:
            for lock in running.values():
                lock.release()
    return [results[s] for s in specs]


def _without_lock(folder, spec, opts, message) -> dict:
    """A run whose lock cannot be taken: a completed one is still reported as completed (a
    read-only runs directory can be read); any other fails with the reason, its folder untouched."""
    try:
        rec = records.read_record(folder, identity(spec))
    except ValueError:
        rec = None
    if rec and rec.get("status") == "completed" and not opts.force:
        rec["skipped"] = True
        return rec
    return unrecorded_failure(spec, message)


def _check_record(folder, spec, on_note) -> None:
    try:
        records.read_record(folder, identity(spec))
    except ValueError as e:
        if on_note:
            on_note(spec, f"{e}; the run is redone (from its last checkpoint, if there is one)")


def _finished_record(folder, spec) -> dict | None:
    try:
        rec = records.read_record(folder, identity(spec))
    except ValueError:
        return None
    if rec and rec.get("status") in ("completed", "failed"):
        rec["skipped"] = True
        rec["ran_elsewhere"] = True
        return rec
    return None


def _finish(results, spec, rec, on_done, on_note=None):
    results[spec] = rec
    if rec.get("unrecorded") and on_note:  # no run.json says why: say it here, even with --quiet
        on_note(spec, f"failed: {rec['error']}")
    if on_done:
        on_done(spec, rec)
