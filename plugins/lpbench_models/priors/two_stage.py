"""``two_stage``: Dai & Wipf's (2019) second stage — a VAE on the codes with a learnable Gaussian
decoder variance γ (their §4); codes are drawn as z = g(u), u ~ N(0, I). two_stage_vae trains it
inside its own run (``build`` it with the model's nets, drive ``loss`` from the model's loop); as
an ex-post prior it is fitted on any model's codes."""

from __future__ import annotations

import math

from lpbench import Prior


def _network(dim: int, hidden: int, depth: int):
    """enc, dec and log γ in one module (their order fixes the draws of the initial weights and
    the state dict's keys)."""
    import torch
    from torch import nn

    from lpbench import nets

    net = nn.Module()
    net.enc = nets.mlp([dim, *[hidden] * depth, 2 * dim])
    net.dec = nets.mlp([dim, *[hidden] * depth, dim])
    # log γ of the decoder N(g(u), γ²I), γ a standard deviation as in Dai & Wipf's code
    # (daib13/TwoStageVAE, loggamma); learned, initialized at γ = 1.
    net.log_gamma = nn.Parameter(torch.zeros(()))
    return net


class TwoStagePrior(Prior):
    name = "two_stage"
    description = "Second-stage VAE on the codes (Dai & Wipf 2019), learned decoder variance; z = g(u), u ~ N(0, I)"
    trainable = True
    defaults = {"hidden": 1024, "depth": 3, "lr": 1e-4}

    def __init__(self, latent_dim: int, settings: dict | None = None, sigma: float = 1.0):
        super().__init__(latent_dim, settings, sigma)
        self.net = None  # enc, dec, log_gamma, once built

    def build(self) -> TwoStagePrior:
        """Create the network now (initial weights from torch's global RNG: a model builds it with
        its other nets, the prior axis when it fits)."""
        self.net = _network(self.latent_dim, int(self.settings["hidden"]), int(self.settings["depth"]))
        return self

    def loss(self, z):
        """Negative ELBO of codes z per example (batch mean), its reconstruction and KL terms, and
        the squared error of the reconstruction."""
        import torch

        mu, logvar = self.net.enc(z).chunk(2, dim=1)
        u = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
        out = self.net.dec(u)
        lg = self.net.log_gamma
        sse = (out - z).pow(2).sum(1).mean()
        rec = sse / (2 * (2 * lg).exp()) + self.latent_dim * (lg + 0.5 * math.log(2 * math.pi))
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1).mean()
        return rec + kl, rec, kl, sse

    def fit(self, codes, ctx):
        import torch

        self.build()
        net = self.net.to(ctx.device)
        opt = torch.optim.Adam(net.parameters(), lr=float(self.settings["lr"]))
        start = ctx.track(second_stage=net, optimizer=opt)
        batches = ctx.batches(codes, start)
        net.train()
        for step in range(start, ctx.total_steps):
            loss, rec, kl, _ = self.loss(next(batches))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            ctx.end_step(step, loss=loss, rec=rec, kl=kl)
        net.eval()
        net.cpu()

    def sample(self, n, generator):
        """z = g(u) + γ·ε, u, ε ~ N(0, I): a draw from the second stage's p(z), as Dai & Wipf's
        code generates (γ → 0 as the second stage fits, so z approaches g(u))."""
        import torch

        u = torch.randn(n, self.latent_dim, generator=generator)
        eps = torch.randn(n, self.latent_dim, generator=generator)
        dev = self.net.log_gamma.device
        with torch.no_grad():
            return (self.net.dec(u.to(dev)) + self.net.log_gamma.exp() * eps.to(dev)).cpu()

    def state_dict(self):
        return self.net.state_dict()

    def load_state_dict(self, state):
        if self.net is None:
            self.build()
        self.net.load_state_dict(state)
        self.net.eval()
