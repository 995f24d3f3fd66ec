"""Generative Latent Flow (Xiao, Yan & Amit 2019) and its two counterparts from that paper.

- glf: deterministic AE + latent flow trained in one stage on β·MSE + NLL(flow(stopgrad(z)))
  (eq. 2); the stop-gradient keeps the NLL from shrinking the codes (§3.3).
- glf_regularized: the same without the stop-gradient (§3.3, §4.2.1: unstable, the NLL is driven
  down by shrinking z).
- vae_flow_prior: a Gaussian-posterior VAE whose prior is the flow, trained jointly (§3.4, eq. 4):
  β·MSE + NLL(flow(z)) − H(q(z|x)).

β multiplies the per-pixel mean squared error (the paper's eq. 2 weighs the reconstruction by β;
it reads as the inverse decoder variance). For glf the two terms touch disjoint parameters, so β
only rescales gradients that Adam normalizes anyway.
Sampling: z = flow⁻¹(ε), ε ~ N(0, I), then the decoder.
"""
from .autoencoder import Autoencoder


class GLF(Autoencoder):
    name = "glf"
    description = "Generative latent flow: AE + latent flow, NLL gradient stopped at the codes"
    stop_gradient = True
    defaults = {
        "lr": 1e-3,
        "flow_lr": 1e-3,
        "flow_weight_decay": 2e-5,
        "beta": 400.0,
        "flow_hidden": 64,
        "flow_blocks": 4,
        "flow_clamp": 5.0,
    }

    def build(self):
        from .priors.flow import FlowPrior

        hp = self.hp
        self.prior = FlowPrior(self.latent_dim, hp["flow_hidden"], hp["flow_blocks"], hp["flow_clamp"], perm_seed=0)

    def networks(self):
        return {**super().networks(), "flow": self.prior.flow}

    def make_optimizers(self):
        import torch

        return {"ae": torch.optim.Adam([*self.enc.parameters(), *self.dec.parameters()], lr=self.hp["lr"]),
                "flow": torch.optim.Adam(self.prior.flow.parameters(), lr=self.hp["flow_lr"],
                                         weight_decay=self.hp["flow_weight_decay"])}

    def codes(self, x):
        """(codes fed to the decoder and the flow, extra loss terms and curve values)."""
        z = self.enc(x)
        return z, 0.0, {"z_std": z.detach().std()}

    def train_step(self, x, opts):
        z, extra, curves = self.codes(x)
        rec = (self.dec(z) - x).pow(2).mean()
        nll = self.prior.flow.nll(z.detach() if self.stop_gradient else z).mean()
        loss = self.hp["beta"] * rec + nll + extra
        for o in opts.values():
            o.zero_grad(set_to_none=True)
        loss.backward()
        for o in opts.values():
            o.step()
        return {"loss": loss, "rec": rec, "nll": nll, **curves}

    def sample_prior(self, n, generator):
        return self.prior.sample(n, generator)


class RegularizedGLF(GLF):
    name = "glf_regularized"
    description = "GLF without the stop-gradient: the flow's NLL also trains the encoder (unstable)"
    stop_gradient = False


class VAEFlowPrior(GLF):
    name = "vae_flow_prior"
    description = "VAE with the GLF latent flow as its prior, trained jointly (GLF's stochastic counterpart)"
    stochastic_encoder = True
    stop_gradient = False

    def codes(self, x):
        import math

        import torch

        mu, logvar = self.posterior(x)
        z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
        # −H(q(z|x)) = −½ Σ (log 2π e σ²), batch mean: the entropy term of eq. 4.
        neg_entropy = -0.5 * (logvar + math.log(2 * math.pi * math.e)).sum() / len(x)
        return z, neg_entropy, {"neg_entropy": neg_entropy.detach(), "z_std": mu.detach().std()}
