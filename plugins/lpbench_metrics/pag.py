"""Prior Agreement score (PGAN paper §2.2, Eq. 2): how far the codes that reproduce real data sit
from the model's prior N(0, σ²I).

Generator reversal (lpbench.reverse — the component the pgan model uses) maps N reference points
to codes Z [N, d] through the model's decoder; ν are the singular values of Z, and
PAG = KL(N(0, diag ν²) ‖ N(0, σ²I)) = ½ Σᵢ (νᵢ²/σ² − 1 − ln(νᵢ²/σ²)).
Raw singular values grow with √N, so the headline value uses νᵢ² = sᵢ²/N (the eigenvalues of
ZᵀZ/N; handbook §3); ``pag_raw`` keeps the paper's convention νᵢ = sᵢ.
"""
from __future__ import annotations

import lpbench
from lpbench import DataError, Metric


def pag_of_codes(z, sigma: float) -> tuple[float, float]:
    """(normalized PAG, raw PAG) of a code matrix z [N, d] (N ≥ d). The closed form lives in one
    place, lpbench.latent.pag, shared with the prior axis's latent agreement."""
    out = lpbench.latent.pag(z, sigma)
    return out["pag"], out["pag_raw"]


class PAG(Metric):
    name = "pag"
    description = ("Prior Agreement (PGAN paper): KL(N(0, diag ν²) ‖ N(0, σ²I)) of reversed reference codes, "
                   "ν² = s²/N (pag_raw: ν = s); with N, d, σ and the mean reversal error")
    higher_is_better = False
    needs = ("model",)
    model_capabilities = ("decode",)
    defaults = {"n_points": 1024, "steps": 400, "lr": 0.05, "init_std": 1e-4, "optimizer": "sgd", "batch_size": 0}

    def compute(self, ev):
        import torch

        model = ev.model
        s = self.settings
        d = int(model.latent_dim)
        n = min(int(s["n_points"]), len(ev.reference))
        if n < d:
            raise DataError(f"pag needs at least d={d} reference points to reverse (N ≥ d); got {n}")
        x = ev.reference[:n].to(ev.device)
        with torch.enable_grad():
            z, err = lpbench.reverse(
                model.decode, x, d, steps=int(s["steps"]), lr=float(s["lr"]), init_std=float(s["init_std"]),
                batch_size=int(s["batch_size"]) or None, generator=ev.generator(offset=31), optimizer=s["optimizer"],
            )
        sigma = float(model.prior_sigma)
        pag, raw = pag_of_codes(z.numpy(), sigma)
        return {"pag": pag, "pag_raw": raw, "pag_n": n, "pag_d": d, "pag_sigma": sigma,
                "pag_reversal_mse": float(err.mean())}
