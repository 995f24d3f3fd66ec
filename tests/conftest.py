"""Fixtures only; helpers that test modules import live in ``lpbench.testing``."""

import os
from pathlib import Path

import pytest
import yaml

from lpbench import testing
from lpbench.plugins import LOAD_PLUGINS_VAR

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("MPLBACKEND", "Agg")
# NumPy's BLAS and scikit-learn's OpenMP pools, like torch below: one thread (set before they load).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
# Only lpbench's own plugins and the fakes a test installs: another plugin installed in the same
# environment must not change the suite's results. Set before collection (test modules list the
# registered models at import) and inherited by the lpbench processes tests start. Opt a plugin in
# with LPBENCH_LOAD_PLUGINS=name,... (README "Tests").
os.environ.setdefault(LOAD_PLUGINS_VAR, "")


def pytest_configure(config):
    # The test nets are tiny: one thread avoids OpenMP spin-waiting against a busy second core,
    # which made a step 25× slower here.
    import torch

    torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """Each test gets its own feature cache and a freshly loaded plugin set."""
    from lpbench.plugins import reset_plugins

    monkeypatch.setenv("LPBENCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("LPBENCH_REGISTRY", raising=False)
    # through monkeypatch, so the names install_fake_distribution adds are dropped after the test
    monkeypatch.setenv(LOAD_PLUGINS_VAR, os.environ[LOAD_PLUGINS_VAR])
    reset_plugins()
    yield
    reset_plugins()


@pytest.fixture
def cli():
    """invoke(args...) → click Result; never catches exceptions silently."""
    return testing.invoke


@pytest.fixture
def project_registry():
    return yaml.safe_load((ROOT / "registry.yaml").read_text())


@pytest.fixture
def write_registry(tmp_path):
    def write(data, name="registry.yaml"):
        p = tmp_path / name
        p.write_text(yaml.safe_dump(data))
        return p

    return write
