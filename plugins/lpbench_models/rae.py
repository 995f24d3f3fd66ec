"""RAE (Ghosh et al. 2020, "From variational to deterministic autoencoders"): a deterministic
autoencoder trained on reconstruction + β·‖z‖²/d with L2 regularization of the decoder's weights
(their RAE-L2 variant), in the authors' code's units (ParthaEth/Regularized_autoencoders-RAE-,
models/rae/loss_functions.py): the per-pixel MEAN squared error, β on the mean over latent
dimensions of z², λ·Σw² on the decoder, so their published β and λ apply as they are. Its own
sampler is the nominal N(0, I); RAE+GMM — the paper's ex-post 10-component full-covariance
Gaussian mixture on the training codes — is the composite ``rae_gmm`` (registry.yaml: rae with
the gmm prior)."""

from .autoencoder import Autoencoder, squared_error

DECAYS = ("all", "deconv_kernels")


def deconv_kernels(module) -> list:
    """The weights of a module's transposed convolutions: where the RAE code puts its l2."""
    import torch

    return [m.weight for m in module.modules() if isinstance(m, torch.nn.ConvTranspose2d)]


class RAE(Autoencoder):
    name = "rae"
    description = "Regularized deterministic AE (RAE-L2); rae_gmm adds the ex-post 10-component GMM prior"
    defaults = {
        "lr": 1e-3,
        "latent_weight": 1e-4,  # β on mean_d(z²)
        "decoder_weight_decay": 1e-7,  # λ on ‖θ_dec‖² (RAE-L2)
        # which decoder parameters λ applies to: all | deconv_kernels (the RAE code's
        # kernel_regularizer sits on its transposed convolutions only; an MLP decoder has none)
        "decoder_decay": "all",
    }
    predates = {"decoder_decay": "all"}  # runs recorded before the setting decayed every parameter

    def __init__(self, config):
        super().__init__(config)
        if self.hp["decoder_decay"] not in DECAYS:
            raise ValueError(
                f"{self.name}: hyperparameter decoder_decay must be one of {', '.join(DECAYS)}, "
                f"got {self.hp['decoder_decay']!r}"
            )

    def make_optimizers(self):
        import torch

        # L2 on the decoder weights as Adam weight decay on the decoder's group only: the gradient
        # of λ‖θ‖² is 2λθ, so weight_decay = 2λ.
        decay = {"weight_decay": 2 * self.hp["decoder_weight_decay"]}
        if self.hp["decoder_decay"] == "all":
            groups = [{"params": self.dec.parameters(), **decay}]
        else:
            kernels = {id(w) for w in deconv_kernels(self.dec)}
            params = list(self.dec.parameters())
            groups = [
                {"params": [p for p in params if id(p) in kernels], **decay},
                {"params": [p for p in params if id(p) not in kernels]},
            ]
        return {"ae": torch.optim.Adam([{"params": self.enc.parameters()}, *groups], lr=self.hp["lr"])}

    def train_step(self, x, opts):
        z = self.enc(x)
        rec = squared_error(self.dec(z), x) / x[0].numel()
        reg = z.pow(2).mean()
        loss = rec + self.hp["latent_weight"] * reg
        opts["ae"].zero_grad(set_to_none=True)
        loss.backward()
        opts["ae"].step()
        return {"loss": loss, "rec": rec, "z_norm": reg}
