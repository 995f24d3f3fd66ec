"""A trained model's codes of the training and held-out splits: ``encode(x)`` where the model has
an encoder, generator reversal (lpbench.reverse, PGAN Alg. 1, the registry's ``prior_axis``
settings) where it has not. Computed once per model run and saved to ``priors/codes.pt``, so every
prior, now and in any later invocation, sees the very same codes."""

from __future__ import annotations

import logging
import time

from .. import store
from .specs import CODES_FILE, PRIORS_DIR

REVERSAL_SETTINGS = (
    "reversal_steps",
    "reversal_lr",
    "reversal_optimizer",
    "reversal_init_std",
    "reversal_tol",
    "reversal_window",
)
log = logging.getLogger("lpbench.priors")


def load_or_compute(run) -> dict:
    """{"train": [N, d], "heldout": [M, d], "source", "seconds", ...} of a ModelRun."""
    path = run.folder / PRIORS_DIR / CODES_FILE
    if path.exists():
        try:
            return store.read_torch(path, what="codes file")
        except store.Malformed as e:
            log.warning("ignoring %s; recomputing the codes", e)
    run.need_decoder()
    t0 = time.perf_counter()
    train, test = run.split("train"), run.split("test")
    out: dict = {}
    if run.model.has("encode"):
        out["source"] = "encoder"
        out["train"] = encode(run, train)
        out["heldout"] = encode(run, test)
    else:
        out["source"] = "reversal"
        axis = run.registry.prior_axis()
        for name, data, offset in (("train", train, 1), ("heldout", test, 2)):
            rev = reverse(run, data, axis, offset)
            out[name] = rev.codes
            out[f"{name}_reconstruction_mse"] = float(rev.errors.mean())
            out[f"{name}_reversal_converged"] = float(rev.converged.float().mean())
            out[f"{name}_reversal_mean_steps"] = float(rev.steps.float().mean())
        out["reversal"] = {k: axis.get(k) for k in REVERSAL_SETTINGS}
    out["seconds"] = time.perf_counter() - t0
    if run.persist_codes:
        store.atomic_write_torch(path, out, what="codes file")
    return out


def encode(run, data, chunk: int = 512):
    import torch

    zs = []
    with torch.no_grad():
        for i in range(0, len(data), chunk):
            x = data.as_float(data.x[i : i + chunk]).to(run.device)
            zs.append(run.model.encode(x).detach().float().cpu())
    return torch.cat(zs)


def reverse(run, data, axis: dict, offset: int):
    import torch

    from ..reversal import reverse

    x = data.as_float(data.x).to(run.device)
    # each split its own stream, fixed by the run's seed: the same codes on every rerun
    g = torch.Generator().manual_seed(run.seed * 1_000_003 + 70_000 + offset)
    return reverse(
        run.model.decode,
        x,
        run.model.latent_dim,
        steps=int(axis.get("reversal_steps", 1000)),
        lr=float(axis.get("reversal_lr", 0.05)),
        init_std=float(axis.get("reversal_init_std", 1e-4)),
        tol=float(axis.get("reversal_tol", 1e-4)),
        window=int(axis.get("reversal_window", 100)),
        generator=g,
        optimizer=axis.get("reversal_optimizer", "sgd"),
        batch_size=1024,
    )
