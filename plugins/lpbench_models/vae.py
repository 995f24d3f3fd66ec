"""VAE (Kingma & Welling 2014): Gaussian posterior, reparameterization, ELBO."""

from .autoencoder import Autoencoder, gaussian_kl


class VAE(Autoencoder):
    name = "vae"
    description = "Variational autoencoder: Gaussian posterior q(z|x), N(0, I) prior, ELBO"
    stochastic_encoder = True
    defaults = {
        "lr": 1e-3,  # Adam learning rate; registry.yaml names the source
        "beta": 1.0,  # weight of the KL term (1 = the ELBO)
        "likelihood": "bernoulli",  # decoder likelihood: bernoulli | gaussian
        "decoder_sigma": 1.0,  # σ of a gaussian likelihood (ignored for bernoulli)
    }

    def build(self):
        if self.hp["likelihood"] not in ("bernoulli", "gaussian"):
            raise ValueError(f"vae: likelihood must be 'bernoulli' or 'gaussian', not {self.hp['likelihood']!r}")

    def loss(self, x):
        """Negative ELBO per example (averaged over the batch) and its two terms."""
        import torch
        import torch.nn.functional as F

        mu, logvar = self.posterior(x)
        z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
        if self.hp["likelihood"] == "bernoulli" and self.config.data_kind == "image":
            rec = F.binary_cross_entropy_with_logits(self.dec.logits(z), x, reduction="sum") / len(x)
        else:
            rec = ((self.dec(z) - x) ** 2).sum() / (2 * self.hp["decoder_sigma"] ** 2 * len(x))
        kl = gaussian_kl(mu, logvar)
        return rec + self.hp["beta"] * kl, rec, kl

    def make_optimizers(self):
        import torch

        return {"ae": torch.optim.Adam([*self.enc.parameters(), *self.dec.parameters()], lr=self.hp["lr"])}

    def train_step(self, x, opts):
        loss, rec, kl = self.loss(x)
        opts["ae"].zero_grad(set_to_none=True)
        loss.backward()
        opts["ae"].step()
        return {"loss": loss, "rec": rec, "kl": kl}
