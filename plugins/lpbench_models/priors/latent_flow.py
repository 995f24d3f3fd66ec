"""The network of the ``flow`` prior (flow.py): the GLF latent flow (Xiao et al. 2019, §3.1, §4.1,
Fig. 1b), built as the authors' released code builds it (a public copy of their training scripts,
nalzok/flow-comparison train_glf.py, on FrEIA's RNVP coupling blocks; read, not copied):

- ``blocks`` RealNVP coupling blocks (Dinh et al. 2017). A block transforms both halves in turn:
  first x1 from x2, then x2 from the new x1, each with its own scale net s and shift net t.
- s and t: Linear → ReLU → BatchNorm → Linear → ReLU → BatchNorm → Linear, k hidden units
  ("3 fully connected layers each with k hidden units", §4.1; BatchNorm as in the code).
- Soft clamp of the log-scale: clamp · (2/π) · atan(s / clamp), clamp = 2 in the GLF code.
- A fixed random permutation after each block (not after each coupling).
- Every parameter, BatchNorm's included, drawn from N(0, 0.05²) (``init_std``), as the code does.

Direction: ``forward`` maps codes z to noise ε (the density direction, used for the NLL),
``inverse`` maps ε to z (sampling). BatchNorm normalizes with the batch in train mode and with its
running statistics in eval mode; in either mode the scale and shift nets see the same inputs in
both directions, so ``inverse`` undoes ``forward`` exactly.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def _subnet(d_in: int, hidden: int, d_out: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(d_in, hidden),
        nn.ReLU(),
        nn.BatchNorm1d(hidden),
        nn.Linear(hidden, hidden),
        nn.ReLU(),
        nn.BatchNorm1d(hidden),
        nn.Linear(hidden, d_out),
    )


class CouplingBlock(nn.Module):
    """y1 = x1 ⊙ e(s2(x2)) + t2(x2);  y2 = x2 ⊙ e(s1(y1)) + t1(y1);
    log|det J| = Σ log e(s2(x2)) + Σ log e(s1(y1)), with log e(s) = clamp·(2/π)·atan(s/clamp)."""

    def __init__(self, dim: int, hidden: int, clamp: float):
        super().__init__()
        self.d1 = dim // 2
        d2 = dim - self.d1
        self.s1, self.t1 = _subnet(self.d1, hidden, d2), _subnet(self.d1, hidden, d2)
        self.s2, self.t2 = _subnet(d2, hidden, self.d1), _subnet(d2, hidden, self.d1)
        self.clamp = clamp

    def _log_scale(self, s):
        # Bounded in (−clamp, clamp): one coupling can scale by at most e^clamp, and stays smooth.
        return self.clamp * (2 / math.pi) * torch.atan(s / self.clamp) if self.clamp > 0 else s

    def forward(self, x):
        x1, x2 = x[:, : self.d1], x[:, self.d1 :]
        a = self._log_scale(self.s2(x2))
        y1 = x1 * a.exp() + self.t2(x2)
        b = self._log_scale(self.s1(y1))
        y2 = x2 * b.exp() + self.t1(y1)
        return torch.cat([y1, y2], dim=1), a.sum(dim=1) + b.sum(dim=1)

    def inverse(self, y):
        y1, y2 = y[:, : self.d1], y[:, self.d1 :]
        x2 = (y2 - self.t1(y1)) * (-self._log_scale(self.s1(y1))).exp()
        x1 = (y1 - self.t2(x2)) * (-self._log_scale(self.s2(x2))).exp()
        return torch.cat([x1, x2], dim=1)


class LatentFlow(nn.Module):
    """``blocks`` × (coupling block, permutation). Permutation k is drawn from seed
    ``perm_seed + k`` and stored as a buffer, so it travels with the state dict."""

    def __init__(
        self,
        dim: int,
        hidden: int = 64,
        blocks: int = 4,
        clamp: float = 2.0,
        perm_seed: int = 0,
        init_std: float = 0.05,
    ):
        super().__init__()
        if dim < 2:
            raise ValueError(f"an affine coupling flow needs at least 2 latent dimensions, got {dim}")
        self.dim = dim
        self.blocks = nn.ModuleList(CouplingBlock(dim, hidden, clamp) for _ in range(blocks))
        for k in range(blocks):
            perm = torch.randperm(dim, generator=torch.Generator().manual_seed(perm_seed + k))
            self.register_buffer(f"perm{k}", perm)
            self.register_buffer(f"inv{k}", torch.argsort(perm))
        if init_std > 0:
            # the GLF code redraws every trainable flow parameter from N(0, init_std²)
            with torch.no_grad():
                for p in self.parameters():
                    p.normal_(0.0, init_std)

    def forward(self, z):
        """z → (ε, log|det ∂ε/∂z|) per example."""
        logdet = z.new_zeros(len(z))
        for k, block in enumerate(self.blocks):
            z, ld = block(z)
            z = z[:, getattr(self, f"perm{k}")]
            logdet = logdet + ld
        return z, logdet

    def inverse(self, eps):
        for k in reversed(range(len(self.blocks))):
            eps = self.blocks[k].inverse(eps[:, getattr(self, f"inv{k}")])
        return eps

    def nll(self, z):
        """-log p(z) per example under ε = flow(z) ~ N(0, I) (change of variables)."""
        eps, logdet = self(z)
        return 0.5 * eps.pow(2).sum(1) + 0.5 * self.dim * math.log(2 * math.pi) - logdet


def optimizer(flow: nn.Module, lr: float, weight_decay: float, betas, eps: float):
    """The flow's Adam (GLF code: betas (0.8, 0.9), eps 1e-6, weight decay 2e-5)."""
    return torch.optim.Adam(flow.parameters(), lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay)
