"""The GLF latent flow (Xiao et al. 2019, §3.1, §4.1): blocks of two affine coupling layers
(Dinh et al. 2017), each coupling followed by a fixed random permutation; the scale and shift of a
coupling come from separate 3-layer fully connected nets of the untouched half.

Direction: ``forward`` maps codes z to noise ε (the density direction, used for the NLL),
``inverse`` maps ε to z (sampling).
"""
from __future__ import annotations

import math

import torch
from torch import nn


def _fc3(d_in: int, hidden: int, d_out: int) -> nn.Sequential:
    net = nn.Sequential(nn.Linear(d_in, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                        nn.Linear(hidden, d_out))
    # Zero last layer: every coupling starts as the identity, so training starts from z = ε.
    nn.init.zeros_(net[-1].weight)
    nn.init.zeros_(net[-1].bias)
    return net


class AffineCoupling(nn.Module):
    """y1 = x1, y2 = x2 ⊙ exp(s(x1)) + t(x1); log|det J| = Σ s(x1)."""

    def __init__(self, dim: int, hidden: int, clamp: float):
        super().__init__()
        self.d1 = dim // 2
        self.s = _fc3(self.d1, hidden, dim - self.d1)
        self.t = _fc3(self.d1, hidden, dim - self.d1)
        self.clamp = clamp

    def _scale(self, x1):
        # Soft clamp of the log-scale (as FrEIA's RNVP couplings used by the GLF code do): keeps a
        # single layer from producing exp(±huge) while staying smooth and invertible.
        return self.clamp * torch.tanh(self.s(x1) / self.clamp) if self.clamp > 0 else self.s(x1)

    def forward(self, x):
        x1, x2 = x[:, : self.d1], x[:, self.d1 :]
        s = self._scale(x1)
        return torch.cat([x1, x2 * s.exp() + self.t(x1)], dim=1), s.sum(dim=1)

    def inverse(self, y):
        y1, y2 = y[:, : self.d1], y[:, self.d1 :]
        s = self._scale(y1)
        return torch.cat([y1, (y2 - self.t(y1)) * (-s).exp()], dim=1)


class LatentFlow(nn.Module):
    """``blocks`` × (coupling, permutation, coupling, permutation). The permutations are drawn once
    from ``perm_seed`` and stored as buffers, so they travel with the state dict."""

    def __init__(self, dim: int, hidden: int = 64, blocks: int = 4, clamp: float = 5.0, perm_seed: int = 0):
        super().__init__()
        if dim < 2:
            raise ValueError(f"an affine coupling flow needs at least 2 latent dimensions, got {dim}")
        self.dim = dim
        self.couplings = nn.ModuleList(AffineCoupling(dim, hidden, clamp) for _ in range(2 * blocks))
        g = torch.Generator().manual_seed(perm_seed)
        for i in range(2 * blocks):
            perm = torch.randperm(dim, generator=g)
            self.register_buffer(f"perm{i}", perm)
            self.register_buffer(f"inv{i}", torch.argsort(perm))

    def forward(self, z):
        """z → (ε, log|det ∂ε/∂z|) per example."""
        logdet = z.new_zeros(len(z))
        for i, c in enumerate(self.couplings):
            z, ld = c(z)
            z = z[:, getattr(self, f"perm{i}")]
            logdet = logdet + ld
        return z, logdet

    def inverse(self, eps):
        for i in reversed(range(len(self.couplings))):
            eps = self.couplings[i].inverse(eps[:, getattr(self, f"inv{i}")])
        return eps

    def nll(self, z):
        """-log p(z) per example under ε = flow(z) ~ N(0, I) (change of variables)."""
        eps, logdet = self(z)
        return 0.5 * eps.pow(2).sum(1) + 0.5 * self.dim * math.log(2 * math.pi) - logdet


class FlowPrior:
    """The latent flow as a prior component: sample z = flow⁻¹(ε), ε ~ N(0, I)."""

    def __init__(self, dim: int, hidden: int = 64, blocks: int = 4, clamp: float = 5.0, perm_seed: int = 0):
        self.flow = LatentFlow(dim, hidden, blocks, clamp, perm_seed)
        self.dim = dim

    def to(self, device):
        self.flow.to(device)
        return self

    def log_prob(self, z):
        return -self.flow.nll(z)

    def sample(self, n: int, generator):
        eps = torch.randn(n, self.dim, generator=generator)
        p = next(self.flow.parameters())
        with torch.no_grad():
            return self.flow.inverse(eps.to(p.device)).cpu()

    def fit(self, codes, steps: int, batch_size: int, generator, lr: float = 1e-3, weight_decay: float = 2e-5,
            on_step=None):
        """Ex-post fit by maximum likelihood on fixed codes (GLF §3.3 notes the two-stage variant
        performs like the joint one). ``on_step(step, nll)`` lets a caller log curves."""
        codes = codes.detach()
        opt = torch.optim.Adam(self.flow.parameters(), lr=lr, weight_decay=weight_decay)
        self.flow.train()
        n = len(codes)
        bs = min(batch_size, n)
        for step in range(steps):
            idx = torch.randint(n, (bs,), generator=generator).to(codes.device)
            loss = self.flow.nll(codes[idx]).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if on_step is not None:
                on_step(step, loss)
        self.flow.eval()
        return self

    def state_dict(self):
        return self.flow.state_dict()

    def load_state_dict(self, state):
        self.flow.load_state_dict(state)
        self.flow.eval()
