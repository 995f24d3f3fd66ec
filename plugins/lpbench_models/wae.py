"""Wasserstein autoencoders (Tolstikhin et al. 2018, Algorithms 1 and 2): a deterministic
autoencoder with squared-error cost whose aggregate posterior is pulled to the prior N(0, σ²I) by
a latent adversary (WAE-GAN) or by MMD with the inverse multiquadratics kernel (WAE-MMD)."""

from .autoencoder import Autoencoder, squared_error


class _WAE(Autoencoder):
    def reconstruction(self, z, x):
        """The WAE code's squared-error cost, rec_weight·Σ‖x − x̂‖² per example (batch mean)."""
        return self.hp["rec_weight"] * squared_error(self.dec(z), x)

    def ae_optimizer(self):
        import torch

        return torch.optim.Adam(
            [*self.enc.parameters(), *self.dec.parameters()], lr=self.hp["lr"], betas=(self.hp["beta1"], 0.999)
        )

    def __init__(self, config):
        super().__init__(config)
        # The prior's σ is a per-dataset hyperparameter here, so PAG must read it per instance.
        self.prior_sigma = float(self.hp["prior_var"]) ** 0.5

    def sample_prior(self, n, generator):
        import torch

        return self.prior_sigma * torch.randn(n, self.latent_dim, generator=generator)

    def _prior_like(self, z):
        import torch

        return self.prior_sigma * torch.randn_like(z)


class WAEGAN(_WAE):
    name = "wae_gan"
    description = "Wasserstein AE with a latent adversary (WAE-GAN) and N(0, σ²I) prior"
    defaults = {
        "lr": 1e-3,
        "beta1": 0.9,  # Adam's β1 for the autoencoder (β2 = 0.999)
        "adversary_lr": 5e-4,
        "lam": 1.0,
        "prior_var": 1.0,
        "rec_weight": 1.0,  # weight of Σ‖x − x̂‖²
        "adversary_hidden": [512, 512, 512, 512],
    }

    def build(self):
        from lpbench import nets

        self.adv = nets.mlp([self.latent_dim, *self.hp["adversary_hidden"], 1])

    def networks(self):
        return {**super().networks(), "adversary": self.adv}

    def make_optimizers(self):
        import torch

        return {
            "ae": self.ae_optimizer(),
            "adversary": torch.optim.Adam(
                self.adv.parameters(), lr=self.hp["adversary_lr"], betas=(self.hp["beta1"], 0.999)
            ),
        }

    def train_step(self, x, opts):
        import torch
        import torch.nn.functional as F

        z = self.enc(x)
        # Adversary: prior draws are "real" (1), codes are "fake" (0).
        p, q = self.adv(self._prior_like(z)), self.adv(z.detach())
        d_loss = F.binary_cross_entropy_with_logits(p, torch.ones_like(p)) + F.binary_cross_entropy_with_logits(
            q, torch.zeros_like(q)
        )
        opts["adversary"].zero_grad(set_to_none=True)
        d_loss.backward()
        opts["adversary"].step()
        # Autoencoder: reconstruction + λ·(−log D(z)), the non-saturating form of the penalty.
        rec = self.reconstruction(z, x)
        s = self.adv(z)
        penalty = F.binary_cross_entropy_with_logits(s, torch.ones_like(s))
        loss = rec + self.hp["lam"] * penalty
        opts["ae"].zero_grad(set_to_none=True)
        loss.backward()
        opts["ae"].step()
        return {"loss": loss, "rec": rec, "penalty": penalty, "adversary": d_loss}


class WAEMMD(_WAE):
    name = "wae_mmd"
    description = "Wasserstein AE with an inverse-multiquadratics MMD penalty (WAE-MMD) and N(0, σ²I) prior"
    defaults = {
        "lr": 1e-3,
        "beta1": 0.9,  # Adam's β1 (β2 = 0.999)
        "lam": 10.0,
        "prior_var": 1.0,
        "rec_weight": 1.0,  # weight of Σ‖x − x̂‖²
        "kernel_scales": [1.0],  # IMQ kernels summed over C = s·2dσ² for each s
    }

    def make_optimizers(self):
        return {"ae": self.ae_optimizer()}

    def train_step(self, x, opts):
        z = self.enc(x)
        rec = self.reconstruction(z, x)
        base = 2.0 * self.latent_dim * self.hp["prior_var"]
        prior = self._prior_like(z)
        mmd = sum(imq_mmd(z, prior, c=s * base) for s in self.hp["kernel_scales"])
        loss = rec + self.hp["lam"] * mmd
        opts["ae"].zero_grad(set_to_none=True)
        loss.backward()
        opts["ae"].step()
        return {"loss": loss, "rec": rec, "mmd": mmd}


def imq_mmd(x, y, c: float):
    """Unbiased MMD² estimate between samples x and y with k(a, b) = C / (C + ‖a − b‖²)
    (Tolstikhin et al. 2018 §4, C = 2·d·σ²)."""
    import torch

    n = len(x)
    if n < 2:
        raise ValueError("MMD needs at least 2 codes per batch")

    def k(a, b):
        return c / (c + torch.cdist(a, b).pow(2))

    off = 1.0 - torch.eye(n, device=x.device, dtype=x.dtype)
    kxx = (k(x, x) * off).sum() / (n * (n - 1))
    kyy = (k(y, y) * off).sum() / (n * (n - 1))
    kxy = k(x, y).mean()
    return kxx + kyy - 2 * kxy
