"""A throwaway plugin distribution for tests that need their plugins in other processes (process
pools, Dask workers, a second `lpbench run`): workers rebuild plugins from installed entry
points, so in-process registration is not enough."""

import os
import sys
from pathlib import Path

from lpbench.testing import install_fake_distribution

SOURCE = '''
import os
import signal
import time

from lpbench import Model, hookimpl


class Quick(Model):
    """Gaussian noise of the data's shape; appends "<model> <seed> <pid>" to $LPBENCH_TEST_LOG
    when its training starts, so tests can count how often each run trained."""

    name = "quick"
    family = "baseline"
    description = "noise; records which process trained it"
    defaults = {"sleep_s": 0.0}

    def fit(self, data, budget, ctx):
        log = os.environ.get("LPBENCH_TEST_LOG")
        if log:
            with open(log, "a") as f:
                f.write(f"{self.name} {ctx.seed} {os.getpid()}\\n")
        self.act(ctx)

    def act(self, ctx):
        time.sleep(self.hp["sleep_s"])

    def sample(self, n, generator):
        import torch

        return torch.randn(n, *self.config.data_shape, generator=generator)

    def state_dict(self):
        return {}

    def load_state_dict(self, state):
        pass


class Crash(Quick):
    name = "crash"
    description = "its process dies (SIGKILL, as the kernel's OOM killer does) while training"

    def act(self, ctx):
        time.sleep(self.hp["sleep_s"])
        os.kill(os.getpid(), signal.SIGKILL)


class Boom(Quick):
    name = "boom"
    description = "raises in fit"

    def act(self, ctx):
        raise RuntimeError("boom in fit")


class BadSample(Quick):
    name = "bad_sample"
    description = "raises in sample"

    def sample(self, n, generator):
        raise ValueError("boom in sample")


@hookimpl
def register_models(register):
    for cls in (Quick, Crash, Boom, BadSample):
        register(cls)
'''


def install(site: Path, monkeypatch) -> dict:
    """Install the plugin under ``site``; returns an environment for subprocesses that sees it."""
    site.mkdir(parents=True, exist_ok=True)
    install_fake_distribution(
        site, "lpbench-scaletest", {"lpbench_scaletest": SOURCE}, {"scaletest": "lpbench_scaletest"}
    )
    monkeypatch.syspath_prepend(str(site))
    path = os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    monkeypatch.setenv("PYTHONPATH", path)  # Dask nannies and subprocesses inherit it
    from lpbench.plugins import reset_plugins

    reset_plugins()
    return {**os.environ, "PYTHONPATH": path, "OMP_NUM_THREADS": "1"}


def cleanup():
    sys.modules.pop("lpbench_scaletest", None)
