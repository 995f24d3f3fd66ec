"""Generative Latent Flow (Xiao, Yan & Amit 2019) and its two counterparts from that paper.

- glf: deterministic AE + latent flow trained in one stage on β·SSE + NLL(flow(stopgrad(z)))
  (eq. 2); the stop-gradient keeps the NLL from shrinking the codes (§3.3).
- glf_regularized: the same without the stop-gradient (§3.3, §4.2.1: unstable, the NLL is driven
  down by shrinking z).
- vae_flow_prior: a Gaussian-posterior VAE whose prior is the flow, trained jointly (§3.4, eq. 4):
  β·SSE + NLL(flow(z)) − H(q(z|x)).

β weighs the per-example SUM of squared errors over pixels (batch mean), so a decoder
N(x̂, (2β)⁻¹I) gives exactly this objective up to a constant: β is the inverse variance the paper
speaks of (§3.2) on any image size, as in the authors' code (MSELoss(reduction="sum") / batch).
For glf the two terms touch disjoint parameters, so β only rescales the autoencoder's gradient.
The flow (priors/flow.py) and its optimizer follow the authors' code: BatchNorm in the coupling
nets, clamp 2, N(0, 0.05²) initialization, Adam betas (0.8, 0.9), eps 1e-6, weight decay 2e-5.
Sampling: z = flow⁻¹(ε), ε ~ N(0, I), then the decoder.
"""

from .autoencoder import Autoencoder, squared_error


class GLF(Autoencoder):
    name = "glf"
    description = "Generative latent flow: AE + latent flow, NLL gradient stopped at the codes"
    stop_gradient = True
    defaults = {
        "lr": 1e-3,
        "flow_lr": 1e-3,
        "flow_weight_decay": 2e-5,
        "flow_betas": [0.8, 0.9],
        "flow_eps": 1e-6,
        "beta": 1.0,
        "flow_hidden": 64,
        "flow_blocks": 4,
        "flow_clamp": 2.0,
        "flow_init_std": 0.05,
    }

    def build(self):
        from .priors.flow import FlowPrior

        hp = self.hp
        flow = {k: hp[f"flow_{k}"] for k in ("hidden", "blocks", "clamp", "init_std")}
        self.prior = FlowPrior(self.latent_dim, flow).build(perm_seed=0)

    def networks(self):
        return {**super().networks(), "flow": self.prior.flow}

    def make_optimizers(self):
        import torch

        from .priors.latent_flow import optimizer

        hp = self.hp
        return {
            "ae": torch.optim.Adam([*self.enc.parameters(), *self.dec.parameters()], lr=hp["lr"]),
            "flow": optimizer(
                self.prior.flow, hp["flow_lr"], hp["flow_weight_decay"], hp["flow_betas"], hp["flow_eps"]
            ),
        }

    def codes(self, x):
        """(codes fed to the decoder and the flow, extra loss terms and curve values)."""
        z = self.enc(x)
        return z, 0.0, {"z_std": z.detach().std()}

    def train_step(self, x, opts):
        z, extra, curves = self.codes(x)
        rec = squared_error(self.dec(z), x)
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
