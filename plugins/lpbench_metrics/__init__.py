"""Built-in metric and feature-extractor plugins."""
from lpbench import hookimpl


@hookimpl
def register_metrics(register):
    from .emd import EMD

    register(EMD)

    # mixtures with known modes (issue 4)
    from .modes import HighQuality, ModesCovered

    register(ModesCovered)
    register(HighQuality)


@hookimpl
def register_feature_extractors(register):
    from .raw import RawFeatures

    register(RawFeatures)
