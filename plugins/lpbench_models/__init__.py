"""Built-in model plugins. Registered through the same hook third-party plugins implement."""
from lpbench import hookimpl


@hookimpl
def register_models(register):
    from .vae import VAE

    register(VAE)

    # GANs and learned/reshaped priors (issue 4)
    from .aae import AAE, AAELearnedPrior
    from .gan import GAN, MaskedGAN, WeightedGAN
    from .pgan import PGAN

    for cls in (GAN, MaskedGAN, WeightedGAN, PGAN, AAE, AAELearnedPrior):
        register(cls)


@hookimpl
def register_priors(register):
    from .latent_priors import CodeGANPrior, GMMPrior, KDEPrior, NormalPrior

    for cls in (NormalPrior, GMMPrior, KDEPrior, CodeGANPrior):
        register(cls)
