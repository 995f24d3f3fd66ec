"""Prior Agreement score (PGAN paper §2.2, Eq. 2): how far the codes that reproduce real data sit
from the model's prior N(0, σ²I).

Generator reversal (lpbench.reverse: Algorithm 1, the component the pgan model uses) maps N
reference points to codes Z [N, d] through the model's decoder; ν are the singular values of Z,
and PAG = KL(N(0, diag ν²) ‖ N(0, σ²I)) = ½ Σᵢ (νᵢ²/σ² − 1 − ln(νᵢ²/σ²)).

- ``pag``: Eq. 2 as the paper defines it, ν the raw singular values (it grows with N);
- ``pag_normalized``: lpbench's size-normalized variant, νᵢ² = sᵢ²/N (0 for codes that match the
  prior whatever N), reported beside it;
- σ: the model's own prior (``Model.prior_sigma``; 1/√3, moment-matched, for U(−1, 1));
- ``pag_learned`` / ``pag_learned_normalized``: for a model whose prior is a learned map of fixed
  noise (``decode_noise``; pgan samples G(h(z′))), the same score of codes reversed through that
  map into the noise, against the noise's N(0, σ²I) — the prior the model actually samples from.
"""

from __future__ import annotations

import lpbench
from lpbench import DataError, Metric


def pag_of_codes(z, sigma: float) -> tuple[float, float]:
    """(PAG of Eq. 2, size-normalized PAG) of a code matrix z [N, d] (N ≥ d). The closed form lives
    in one place, lpbench.latent.pag, shared with the prior axis's latent agreement."""
    out = lpbench.latent.pag(z, sigma)
    return out["pag"], out["pag_normalized"]


class PAG(Metric):
    name = "pag"
    description = (
        "Prior Agreement (PGAN paper Eq. 2): KL(N(0, diag ν²) ‖ N(0, σ²I)) of reversed reference codes, "
        "ν the singular values (pag_normalized: ν² = s²/N); σ from the model's prior; pag_learned "
        "through a learned prior map (pgan: G∘h)"
    )
    higher_is_better = False
    needs = ("model",)
    model_capabilities = ("decode",)
    defaults = {
        "n_points": 1024,
        "steps": 1000,
        "lr": 0.05,
        "init_std": 1e-4,
        "tol": 1e-4,
        "window": 100,
        "optimizer": "sgd",
        "batch_size": 0,
    }

    def compute(self, ev):
        model = ev.model
        d = int(model.latent_dim)
        n = min(int(self.settings["n_points"]), len(ev.reference))
        if n < d:
            raise DataError(f"pag needs at least d={d} reference points to reverse (N ≥ d); got {n}")
        x = ev.reference[:n].to(ev.device)
        report = getattr(ev, "progress", None)
        out = self._score("pag", model.decode, x, d, float(model.prior_sigma), ev.generator(offset=31), report)
        out.update({"pag_n": n, "pag_d": d})
        if model.has("decode_noise"):
            out.update(
                self._score(
                    "pag_learned", model.decode_noise, x, d, float(model.noise_sigma), ev.generator(offset=32), report
                )
            )
        return out

    def _score(self, name, decode, x, d, sigma, generator, report=None) -> dict:
        import torch

        s = self.settings
        with torch.enable_grad():
            rev = lpbench.reverse(
                decode,
                x,
                d,
                steps=int(s["steps"]),
                lr=float(s["lr"]),
                init_std=float(s["init_std"]),
                tol=float(s["tol"]),
                window=int(s["window"]),
                batch_size=int(s["batch_size"]) or None,
                generator=generator,
                optimizer=s["optimizer"],
                progress=(lambda done, total, info: report(done, total, f"{name}: {info}")) if report else None,
            )
        raw, normalized = pag_of_codes(rev.codes.numpy(), sigma)
        return {
            name: raw,
            f"{name}_normalized": normalized,
            f"{name}_sigma": sigma,
            f"{name}_reversal_mse": float(rev.errors.mean()),
            f"{name}_reversal_converged": float(rev.converged.float().mean()),
            f"{name}_reversal_steps": float(rev.steps.float().mean()),
        }
