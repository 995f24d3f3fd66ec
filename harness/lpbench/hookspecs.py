"""Hook specifications: the whole surface a plugin can implement."""

import pluggy

hookspec = pluggy.HookspecMarker("lpbench")
hookimpl = pluggy.HookimplMarker("lpbench")


@hookspec
def register_models(register):
    """Register model classes (subclasses of lpbench.Model) by calling register(cls)."""


@hookspec
def register_metrics(register):
    """Register metric classes (subclasses of lpbench.Metric) by calling register(cls)."""


@hookspec
def register_datasets(register):
    """Register dataset classes (subclasses of lpbench.Dataset) by calling register(cls)."""


@hookspec
def register_feature_extractors(register):
    """Register feature extractor classes (subclasses of lpbench.FeatureExtractor) by calling register(cls)."""


@hookspec
def register_priors(register):
    """Register latent prior classes (subclasses of lpbench.Prior) by calling register(cls)."""


@hookspec
def run_finished(record, run_dir):
    """Called after a run that ran (completed or failed, not skipped) wrote its run.json to run_dir."""
