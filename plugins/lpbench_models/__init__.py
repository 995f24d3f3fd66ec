"""Built-in model plugins. Registered through the same hook third-party plugins implement."""
from lpbench import hookimpl


@hookimpl
def register_models(register):
    from .glf import GLF, RegularizedGLF, VAEFlowPrior
    from .rae import RAEGMM
    from .two_stage_vae import TwoStageVAE
    from .vae import VAE
    from .wae import WAEGAN, WAEMMD

    # GANs and learned/reshaped priors
    from .aae import AAE, AAELearnedPrior
    from .gan import GAN, MaskedGAN, WeightedGAN
    from .pgan import PGAN

    for cls in (VAE, RAEGMM, WAEGAN, WAEMMD, TwoStageVAE, GLF, RegularizedGLF, VAEFlowPrior,
                GAN, MaskedGAN, WeightedGAN, PGAN, AAE, AAELearnedPrior):
        register(cls)
