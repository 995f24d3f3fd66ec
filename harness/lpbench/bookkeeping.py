"""A run's record from start to end, the same for a model run (runner.py) and a prior fitted on
one (prior_axis): the record a run starts with, the environment it ran in, and its outcome —
completed, failed (the error described in run.json, the traceback in error.txt) or interrupted.

The record is always written through lpbench.records and every file through lpbench.store, so a
run killed at any point leaves either the old file or the whole new one.
"""

from __future__ import annotations

import logging
import platform
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from . import records, store
from .errors import DataError, LpbenchError, RunFailed

ERROR_FILE = "error.txt"
INTERRUPTED = "interrupted (Ctrl-C); rerun the same command to resume"
log = logging.getLogger("lpbench.runner")


def describe(e: BaseException) -> str:
    """The error as run.json states it: lpbench's own errors already say what to do, so their
    message alone; anything else with its type, which is often the only clue."""
    if isinstance(e, (RunFailed, LpbenchError, DataError)):
        return str(e)
    return f"{type(e).__name__}: {e}"


def cpu_name() -> str:
    """The processor's model name (/proc/cpuinfo on Linux; what the platform reports elsewhere)."""
    info = Path("/proc/cpuinfo")
    if info.exists():
        for line in info.read_text(errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()


def environment(device: str, plugins) -> dict:
    """What a result depends on besides its configuration: versions, platform, device, plugins,
    and the CPU with the kernel set torch dispatches to on it (AVX2, AVX512 …): the same seed and
    thread count give the same numbers bit for bit on the same kinds, and float-rounding
    differences on others, which a GAN's training amplifies (a replay of an eight-Gaussians run
    on another machine, docs/models.md)."""
    import torch

    from . import __version__

    return {
        "lpbench": __version__,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu_name(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "device": device,
        "cuda": torch.version.cuda if device.startswith("cuda") else None,
        "plugins": plugins.versions(),
    }


def started(ids: dict, config: dict, env: dict) -> dict:
    """The record a run writes before it does anything, so a run killed outright is seen as one."""
    return {
        **ids,
        "status": "running",
        "error": None,
        "metrics": {},
        "metric_provenance": {},
        "timings": {},
        "config": config,
        "environment": env,
        "artifacts": {},
    }


def failure(ids: dict, message: str, *, unrecorded: bool = False) -> dict:
    """A failed run's record. ``unrecorded``: it could not be (or must not be) written to its
    folder, so whoever reports it must say why, as no run.json will."""
    rec = {**ids, "status": "failed", "error": message, "metrics": {}}
    if unrecorded:
        rec["unrecorded"] = True
    return rec


def save_traceback(folder, exc: BaseException | None = None) -> None:
    """error.txt: the traceback of ``exc`` (default: the one being handled) for whoever debugs it."""
    text = traceback.format_exc() if exc is None else "".join(traceback.format_exception(exc))
    store.atomic_write_bytes(Path(folder) / ERROR_FILE, text.encode())


@contextmanager
def outcome(record: dict, folder, what: str) -> Iterator[None]:
    """Runs the body and sets ``record``'s status from how it ended. Completed: a stale error.txt
    goes. An exception: the run failed, described in ``record`` (with the step it failed at, when
    the error knows it) and its traceback saved; it does not propagate, as one failed run must not
    stop the others, and the caller writes the record. Ctrl-C: the record says so and is written
    at once, and the interrupt goes on (the whole command stops)."""
    folder = Path(folder)
    try:
        yield
    except KeyboardInterrupt:
        record.update(status="failed", error=INTERRUPTED)
        records.write_record(folder, record)
        raise
    except Exception as e:
        record["status"] = "failed"
        record["error"] = describe(e)
        if getattr(e, "step", None) is not None:
            record["failed_step"] = e.step
        save_traceback(folder)
        log.debug("%s failed", what, exc_info=True)
    else:
        record["status"] = "completed"
        (folder / ERROR_FILE).unlink(missing_ok=True)
