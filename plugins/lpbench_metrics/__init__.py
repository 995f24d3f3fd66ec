"""Built-in metric and feature-extractor plugins."""
from lpbench import hookimpl


@hookimpl
def register_metrics(register):
    from .emd import EMD

    register(EMD)


@hookimpl
def register_feature_extractors(register):
    from .raw import RawFeatures

    register(RawFeatures)
