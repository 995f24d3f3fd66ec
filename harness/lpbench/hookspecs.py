"""Hook specifications: the whole surface a plugin can implement. Implement them plainly: lpbench
calls each implementation on its own, so wrapper implementations are refused (plugins.py)."""

from collections.abc import Callable
from pathlib import Path

import pluggy

hookspec = pluggy.HookspecMarker("lpbench")
hookimpl = pluggy.HookimplMarker("lpbench")


@hookspec
def register_models(register: Callable[[type], None]) -> None:
    """Register model classes (subclasses of lpbench.Model) by calling register(cls)."""


@hookspec
def register_metrics(register: Callable[[type], None]) -> None:
    """Register metric classes (subclasses of lpbench.Metric) by calling register(cls)."""


@hookspec
def register_datasets(register: Callable[[type], None]) -> None:
    """Register dataset classes (subclasses of lpbench.Dataset) by calling register(cls)."""


@hookspec
def register_feature_extractors(register: Callable[[type], None]) -> None:
    """Register feature extractor classes (subclasses of lpbench.FeatureExtractor) by calling register(cls)."""


@hookspec
def register_priors(register: Callable[[type], None]) -> None:
    """Register latent prior classes (subclasses of lpbench.Prior) by calling register(cls)."""


@hookspec
def run_finished(record: dict, run_dir: Path) -> None:
    """Called after a run that ran (completed or failed, not skipped) wrote its run.json to run_dir."""
