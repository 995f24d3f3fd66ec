"""Generator reversal (PGAN paper, Algorithm 1): find z with G(z) ≈ x by gradient descent on z.

Shared by the pgan model (which learns the induced prior of the reversed codes), the pag metric
(which scores it) and the prior axis, so all see exactly the same codes.

As the paper states it:
- loss ℓ(z, x) = ½‖G(z) − x‖², SUMMED over the output (App. B, Eq. 4). A per-pixel mean would
  shrink every step by 2/m (32× on 8×8 digits) and leave the codes short of the prior's scale
  (audit H1);
- plain gradient descent z ← z − η∇ℓ, η = 0.05, z₀ ~ N(0, (1e-4)² I) (App. E);
- "until converged": Algorithm 1 gives no test, so lpbench stops each code on its own once its
  loss has fallen by less than a fraction ``tol`` (1e-4) over the last ``window`` (100) steps, and
  at ``steps`` at the latest. The test is on the loss, not the step length: in narrow valleys
  plain gradient descent zig-zags, so single steps stay long while the loss no longer falls
  (measured on a smoke-budget digits GAN: step norms ≈ 1e-2 for 3000 steps, while the loss fell
  by < 0.01 % per 50 steps after ≈ 700; with this test its 200 test digits stopped after 359
  steps on average, their code spread within 3 % of that after 3000 steps). Converged codes are
  frozen, so a batch stops as soon as all of its codes have converged.

Batched: each code's update is that of Algorithm 1 on its own example (the batch loss is the sum
of the per-example losses), so neither the batch size nor the other examples change any code.
``optimizer="adam"`` is an lpbench option (Adam with per-code moments and step counts), not the
paper's procedure.
"""

from __future__ import annotations

from typing import NamedTuple

OPTIMIZERS = ("sgd", "adam")


class Reversal(NamedTuple):
    codes: object  # [N, d] float tensor on the CPU
    errors: object  # [N] per-example mean squared error per output value, mean((G(z) − x)²)
    steps: object  # [N] gradient steps each code took
    converged: object  # [N] bool: stopped by the convergence test (False: ran out of steps)


def reverse(
    decode,
    x,
    latent_dim: int,
    *,
    steps: int = 1000,
    lr: float = 0.05,
    init_std: float = 1e-4,
    tol: float = 1e-4,
    window: int = 100,
    batch_size: int | None = None,
    generator=None,
    optimizer: str = "sgd",
    progress=None,
) -> Reversal:
    """Reverse ``decode`` at every row of ``x`` (Algorithm 1, batched). ``decode`` must act on each
    code independently and deterministically — put networks with batch norm in eval mode. Initial
    codes come from N(0, init_std² I), drawn for all N up front from ``generator``, so the result
    does not depend on ``batch_size`` (chunks only bound memory). Each step decodes only the codes
    still active: a converged code costs nothing more. ``progress(done, total, info)``, if given,
    is called at every convergence test (``done``/``total`` in code-steps at most: the cap)."""
    import torch

    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be 'sgd' (the paper's plain gradient descent) or 'adam', not {optimizer!r}")
    if steps < 0 or lr <= 0 or tol < 0 or window < 1:
        raise ValueError(
            f"reversal needs steps ≥ 0, lr > 0, tol ≥ 0 and window ≥ 1; "
            f"got steps={steps}, lr={lr}, tol={tol}, window={window}"
        )
    n = len(x)
    z0 = torch.randn(n, latent_dim, generator=generator) * init_std
    batch_size = batch_size or n or 1
    parts = []
    for i in range(0, n, batch_size):
        report = None
        if progress is not None:

            def report(it, active, i=i, m=min(batch_size, n - i)):  # noqa: E306
                progress(i * steps + it * m, n * steps, f"reversal step {it}/{steps}, {active} of {m} codes active")

        parts.append(
            _reverse_chunk(
                decode, x[i : i + batch_size], z0[i : i + batch_size], steps, lr, tol, window, optimizer, report
            )
        )
    return (
        Reversal(*(torch.cat(p) for p in zip(*parts)))
        if parts
        else Reversal(z0, torch.zeros(0), torch.zeros(0, dtype=torch.long), torch.zeros(0, dtype=torch.bool))
    )


def _loss(decode, z, x):
    """Per-example ½‖G(z) − x‖² summed over the output (PGAN App. B, Eq. 4)."""
    return 0.5 * (decode(z) - x).pow(2).flatten(1).sum(1)


def _reverse_chunk(decode, x, z0, steps, lr, tol, window, optimizer, report=None):
    import torch

    z = z0.to(x.device).clone()
    taken = torch.zeros(len(z), dtype=torch.long, device=z.device)
    active = torch.ones(len(z), dtype=torch.bool, device=z.device)
    ref = torch.full((len(z),), float("inf"), device=z.device)  # each code's loss `window` steps ago
    adam = optimizer == "adam"
    if adam:  # Kingma & Ba 2015, defaults β = (0.9, 0.999), ε = 1e-8; moments per code
        m, v = torch.zeros_like(z), torch.zeros_like(z)
    for it in range(steps):
        idx = active.nonzero().flatten()
        if len(idx) == 0:
            break
        za = z[idx].requires_grad_(True)
        with torch.enable_grad():
            loss = _loss(decode, za, x[idx])
            (grad,) = torch.autograd.grad(loss.sum(), za)
        if it % window == 0:  # every active code has taken `it` steps: the convergence test
            loss = loss.detach()
            done = (ref[idx] - loss <= tol * ref[idx]) if it else torch.zeros_like(loss, dtype=torch.bool)
            ref[idx] = loss
            if report is not None:
                report(it, int(len(idx) - done.sum()))
            if done.any():
                active[idx[done]] = False
                keep = ~done
                idx, za, grad = idx[keep], za[keep], grad[keep]
                if len(idx) == 0:
                    break
        if adam:
            t = (taken[idx] + 1).unsqueeze(1).to(z.dtype)
            m[idx] = 0.9 * m[idx] + 0.1 * grad
            v[idx] = 0.999 * v[idx] + 0.001 * grad.pow(2)
            step = lr * (m[idx] / (1 - 0.9**t)) / ((v[idx] / (1 - 0.999**t)).sqrt() + 1e-8)
        else:
            step = lr * grad
        z[idx] = za.detach() - step
        taken[idx] += 1
    with torch.no_grad():
        err = (decode(z) - x).pow(2).flatten(1).mean(1)
    return z.detach().cpu(), err.cpu(), taken.cpu(), (~active).cpu()
