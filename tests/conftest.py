import json
import os
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("MPLBACKEND", "Agg")
# NumPy's BLAS and scikit-learn's OpenMP pools, like torch below: one thread (set before they load).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")


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
    reset_plugins()
    yield
    reset_plugins()


@pytest.fixture
def cli():
    """invoke(args...) → click Result; never catches exceptions silently."""
    from lpbench.cli import main

    runner = CliRunner()

    def invoke(*args, **kw):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False, **kw)

    return invoke


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


def read_json(path):
    return json.loads(Path(path).read_text())
