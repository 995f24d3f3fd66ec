"""Built-in model plugins. Registered through the same hook third-party plugins implement."""

from lpbench import hookimpl


@hookimpl
def register_models(register):
    from .glf import GLF, RegularizedGLF, VAEFlowPrior
    from .rae import RAE
    from .two_stage_vae import TwoStageVAE
    from .vae import VAE
    from .wae import WAEGAN, WAEMMD

    # rae_gmm is rae with the gmm prior: a composite in registry.yaml (the prior axis), not a class
    for cls in (VAE, RAE, WAEGAN, WAEMMD, TwoStageVAE, GLF, RegularizedGLF, VAEFlowPrior):
        register(cls)

    # GANs and learned/reshaped priors (issue 4)
    from .aae import AAE, AAELearnedPrior
    from .gan import GAN, MaskedGAN, WeightedGAN
    from .pgan import PGAN

    for cls in (GAN, MaskedGAN, WeightedGAN, PGAN, AAE, AAELearnedPrior):
        register(cls)


@hookimpl
def register_priors(register):
    from .priors.code_gan import CodeGANPrior
    from .priors.flow import FlowPrior
    from .priors.gmm import GMMPrior
    from .priors.kde import KDEPrior
    from .priors.normal import NormalPrior
    from .priors.two_stage import TwoStagePrior

    for cls in (NormalPrior, GMMPrior, KDEPrior, FlowPrior, TwoStagePrior, CodeGANPrior):
        register(cls)
