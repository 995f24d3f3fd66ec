"""How many CPU threads one run uses (``--threads``, ``threads`` in lpbench.toml, LPBENCH_THREADS).

The default is chosen from the machine and the work: the cores are divided among the runs that
execute at once (``--workers``), and capped at what measured best per run. On the models
lpbench ships (8×8 digits, 2-D points, 28×28 mnist5k: small nets, batches ≤ 256) one thread per
run was fastest: a second thread saves little on an idle core pair and costs several times over
on a loaded one, where OpenMP's threads spin-wait for a core (``benchmarks/threads.py`` →
``benchmarks/results/threads.json``; issue 19 saw the main job take 303 s at torch's default
threads and 69 s at one under the same load).

Results depend on the thread count: another count sums floats in another order, so the last bits
of losses (and, through training, of metrics) differ. Every run records the count it used
(``environment.threads`` in run.json); reproduce a record with the same count.
"""

from __future__ import annotations

import os
from contextlib import contextmanager

# Threads per run beyond which more measured no faster (benchmarks/results/threads.json: one run of
# the digits cpu budget, vae, at 1 vs 2 threads side by side; see the module docstring).
MEASURED_BEST = 1


def cpu_count() -> int:
    """Cores this process may use (its affinity mask where the platform has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - platforms without affinity
        return max(1, os.cpu_count() or 1)


def default_threads(workers: int = 1, cores: int | None = None) -> int:
    """Threads per run when none is asked for: the cores divided among ``workers`` concurrent
    runs, at least 1, at most ``MEASURED_BEST``."""
    cores = cpu_count() if cores is None else cores
    return max(1, min(MEASURED_BEST, cores // max(1, workers)))


@contextmanager
def limit(threads: int | None):
    """Run the body with ``threads`` torch intra-op threads and as many BLAS/OpenMP threads for
    NumPy and scikit-learn (threadpoolctl), restoring the previous counts afterwards. ``None``
    changes nothing (a pool worker keeps the count its pool gave it). Yields the torch count in
    effect."""
    import torch

    if threads is None:
        yield torch.get_num_threads()
        return
    if threads < 1:
        raise ValueError(f"threads must be ≥ 1, got {threads}")
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - a scikit-learn dependency, normally present
        threadpool_limits = None
    try:
        if threadpool_limits is None:  # pragma: no cover
            yield threads
        else:
            with threadpool_limits(limits=threads):
                yield threads
    finally:
        torch.set_num_threads(before)
