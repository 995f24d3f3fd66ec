"""Built-in metric and feature-extractor plugins."""

from lpbench import hookimpl


@hookimpl
def register_metrics(register):
    from .emd import EMD
    from .fidelity import FID, IS, KID
    from .pag import PAG
    from .prd import PRD

    for cls in (FID, IS, KID, PRD, EMD, PAG):
        register(cls)

    # mixtures with known modes (issue 4)
    from .modes import HighQuality, ModesCovered

    register(ModesCovered)
    register(HighQuality)


@hookimpl
def register_feature_extractors(register):
    from .extractors.digits_cnn import DigitsCNNFeatures
    from .extractors.inception import InceptionV3Features
    from .extractors.mnist5k_cnn import MNIST5kCNNFeatures
    from .raw import RawFeatures

    for cls in (RawFeatures, InceptionV3Features, DigitsCNNFeatures, MNIST5kCNNFeatures):
        register(cls)
