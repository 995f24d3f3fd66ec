"""Generator reversal (PGAN paper, Algorithm 1): find z with G(z) ≈ x by gradient descent on z.

Shared by the pgan model (which learns the induced prior of the reversed codes) and the pag
metric (which scores it), so both see exactly the same codes.
"""
from __future__ import annotations


def reverse(decode, x, latent_dim: int, *, steps: int = 1000, lr: float = 0.05, init_std: float = 1e-4,
            batch_size: int | None = None, generator=None, optimizer: str = "sgd"):
    """Codes z [N, d] and per-sample reconstruction errors mean((G(z) − x)²) [N], on the CPU.

    One leaf tensor holds the codes of a whole chunk and the loss is the sum of per-sample means,
    so every code gets exactly the gradient it would get alone: the result does not depend on
    ``batch_size`` (chunks only bound memory). ``decode`` must be deterministic — put networks
    with batch norm in eval mode. Initial codes come from N(0, init_std² I) (handbook §3), drawn for
    all N up front from ``generator``.
    """
    import torch

    if optimizer not in ("sgd", "adam"):
        raise ValueError(f"optimizer must be 'sgd' (the paper's plain gradient descent) or 'adam', not {optimizer!r}")
    n = len(x)
    z0 = torch.randn(n, latent_dim, generator=generator) * init_std
    batch_size = batch_size or n
    codes, errors = [], []
    for i in range(0, n, batch_size):
        xb = x[i : i + batch_size]
        z = z0[i : i + batch_size].to(xb.device).clone().requires_grad_(True)
        opt = torch.optim.SGD([z], lr=lr) if optimizer == "sgd" else torch.optim.Adam([z], lr=lr)
        for _ in range(steps):
            per_sample = (decode(z) - xb).pow(2).flatten(1).mean(1)
            opt.zero_grad(set_to_none=True)
            per_sample.sum().backward()
            opt.step()
        with torch.no_grad():
            errors.append((decode(z) - xb).pow(2).flatten(1).mean(1).cpu())
        codes.append(z.detach().cpu())
    return torch.cat(codes), torch.cat(errors)
