"""Helpers for testing lpbench and lpbench plugins (public: plugin authors test the way lpbench does).

Test modules import from here, never from ``conftest.py`` or from one another (pytest's advice:
test files are not importable modules). Nothing here imports torch until a helper needs it.

- ``invoke(*args)`` runs the ``lpbench`` command line in process (Click's CliRunner) and returns
  the click Result; exceptions propagate, so a crash is a test error, not an exit code.
- ``read_json(path)`` reads a record (``run.json``, ``curves.json``, ``--json`` output saved to disk).
- ``install_fake_distribution(root, dist, modules, entry_points)`` writes plugin modules and the
  dist-info ``pip install`` would leave, so entry-point discovery finds them once ``root`` is on
  ``sys.path`` (and on ``PYTHONPATH`` for other processes).
- ``toy_images(n)`` is a tiny image split a model fits in a few steps.
- ``completed_record(model, seed, **fields)`` is a completed run's record (eight Gaussians, smoke
  budget unless ``dataset``/``budget`` say otherwise) with the given fields, for code that reads
  records without training.
- ``make_idx_dataset(root, folder, rng)`` writes a small MNIST-format (IDX) dataset, so dataset
  code runs offline.
- ``TINY_RUN``: ``lpbench run`` options for the smallest real run (eight Gaussians, smoke budget,
  200 training and 100 test points, 50 evaluation samples, quiet): seconds per model.

Which plugins load: when ``LPBENCH_LOAD_PLUGINS`` is set (lpbench's own suite sets it to empty),
only lpbench's own plugins and the entry-point names it lists load, so a plugin installed in the
same environment cannot change a test's results. Opt a third-party plugin in by naming it:
``LPBENCH_LOAD_PLUGINS=kde python -m pytest``. ``install_fake_distribution`` adds the names it
installs to the list when one is in force.
"""

from __future__ import annotations

import json
import os
import struct
import textwrap
from pathlib import Path

from .plugins import LOAD_PLUGINS_VAR

TINY_RUN = (
    *("--dataset", "eight_gaussians", "--budget", "smoke"),
    *("--set", "data.n_train=200", "--set", "data.n_test=100", "--set", "budget.eval_samples=50", "-q"),
)

__all__ = [
    "TINY_RUN",
    "install_fake_distribution",
    "invoke",
    "make_idx_dataset",
    "read_json",
    "toy_images",
    "write_idx",
]


def invoke(*args, **kw):
    """``lpbench ARGS...`` in process → click Result; arguments are str()-ed (paths welcome)."""
    from click.testing import CliRunner

    from .cli import main

    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False, **kw)


def read_json(path):
    return json.loads(Path(path).read_text())


def install_fake_distribution(root, dist, modules: dict, entry_points: dict):
    """Write modules and a dist-info with entry_points.txt: what pip install leaves behind.

    Installing a plugin means wanting it loaded: when an allow-list is in force its entry-point
    names join it (in ``os.environ``; restore the variable afterwards, as pytest's monkeypatch does
    when the test set it through monkeypatch)."""
    root = Path(root)
    for name, src in modules.items():
        (root / f"{name}.py").write_text(textwrap.dedent(src))
    # pip writes the normalized name (underscores): importlib.metadata reads the name from it
    info = root / f"{dist.replace('-', '_')}-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.2.3\n")
    lines = "\n".join(f"{k} = {v}" for k, v in entry_points.items())
    (info / "entry_points.txt").write_text(f"[lpbench]\n{lines}\n")
    allowed = os.environ.get(LOAD_PLUGINS_VAR)
    if allowed is not None:
        os.environ[LOAD_PLUGINS_VAR] = ",".join(filter(None, [allowed, *entry_points]))


def completed_record(model: str, seed: int, dataset: str = "eight_gaussians", budget: str = "smoke", **fields) -> dict:
    return {"model": model, "dataset": dataset, "budget": budget, "seed": seed, "status": "completed", **fields}


def toy_images(n=128, labelled=False):
    """n 1×8×8 uint8 images, each black with one bright row (the row is the label when labelled)."""
    import torch

    from .api import DataSplit

    g = torch.Generator().manual_seed(0)
    rows = torch.randint(0, 8, (n,), generator=g)
    x = torch.zeros(n, 1, 8, 8, dtype=torch.uint8)
    x[torch.arange(n), 0, rows, :] = 255
    return DataSplit(x, rows if labelled else None, "image", "toy", "train")


def write_idx(path: Path, array) -> None:
    """An uncompressed IDX file: zero, zero, type 0x08 (ubyte), ndim; big-endian dims; data."""
    import numpy as np

    path.parent.mkdir(parents=True, exist_ok=True)
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def make_idx_dataset(root: Path, folder: str, rng) -> dict:
    """Six train and four test 28×28 images with labels under ``root/folder/raw`` (torchvision's
    MNIST layout; ``folder`` "MNIST" or "FashionMNIST"). Returns {"train"|"t10k": (images, labels)}."""
    import numpy as np

    arrays = {}
    for prefix, n in (("train", 6), ("t10k", 4)):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n, dtype=np.uint8)
        write_idx(root / folder / "raw" / f"{prefix}-images-idx3-ubyte", images)
        write_idx(root / folder / "raw" / f"{prefix}-labels-idx1-ubyte", labels)
        arrays[prefix] = (images, labels)
    return arrays
