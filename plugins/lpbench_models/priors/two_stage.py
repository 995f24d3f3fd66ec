"""Dai & Wipf (2019) second stage: a VAE on the first stage's latent codes, with a learnable
Gaussian decoder variance γ (their §4); codes are drawn as z = g(u), u ~ N(0, I)."""

from __future__ import annotations

import math

import torch
from torch import nn


class _Net(nn.Module):
    def __init__(self, dim: int, hidden: int, depth: int):
        super().__init__()
        from lpbench import nets

        self.enc = nets.mlp([dim, *[hidden] * depth, 2 * dim])
        self.dec = nets.mlp([dim, *[hidden] * depth, dim])
        # log γ of the decoder N(g(u), γ²I), γ a standard deviation as in Dai & Wipf's code
        # (daib13/TwoStageVAE, loggamma); learned, initialized at γ = 1.
        self.log_gamma = nn.Parameter(torch.zeros(()))


class SecondStageVAE:
    def __init__(self, dim: int, hidden: int = 1024, depth: int = 3):
        self.dim = dim
        self.net = _Net(dim, hidden, depth)

    def to(self, device):
        self.net.to(device)
        return self

    def parameters(self):
        return self.net.parameters()

    def loss(self, z):
        """Negative ELBO of codes z per example (batch mean), its reconstruction and KL terms, and the
        squared error of the reconstruction."""
        mu, logvar = self.net.enc(z).chunk(2, dim=1)
        u = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
        out = self.net.dec(u)
        lg = self.net.log_gamma
        sse = (out - z).pow(2).sum(1).mean()
        rec = sse / (2 * (2 * lg).exp()) + self.dim * (lg + 0.5 * math.log(2 * math.pi))
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1).mean()
        return rec + kl, rec, kl, sse

    def sample(self, n: int, generator):
        """z = g(u) + γ·ε, u, ε ~ N(0, I): a draw from the second stage's p(z), as Dai & Wipf's
        code generates (γ → 0 as the second stage fits, so z approaches g(u))."""
        u = torch.randn(n, self.dim, generator=generator)
        eps = torch.randn(n, self.dim, generator=generator)
        dev = self.net.log_gamma.device
        with torch.no_grad():
            return (self.net.dec(u.to(dev)) + self.net.log_gamma.exp() * eps.to(dev)).cpu()

    def fit(self, codes, steps: int, batch_size: int, generator, lr: float = 1e-4, on_step=None):
        """Ex-post fit on fixed codes (models that need resume drive ``loss`` from their own loop)."""
        codes = codes.detach()
        opt = torch.optim.Adam(self.net.parameters(), lr=lr)
        self.net.train()
        bs = min(batch_size, len(codes))
        for step in range(steps):
            idx = torch.randint(len(codes), (bs,), generator=generator).to(codes.device)
            loss = self.loss(codes[idx])[0]
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if on_step is not None:
                on_step(step, loss)
        self.net.eval()
        return self

    def state_dict(self):
        return self.net.state_dict()

    def load_state_dict(self, state):
        self.net.load_state_dict(state)
        self.net.eval()
