"""Agreement between two sets of latent codes: PAG, Fréchet distance, MMD.

One shared place for the closed forms, used by the prior axis (aggregate posterior of held-out
codes vs samples of a prior) and available to metric plugins through ``lpbench.latent``.
"""

from __future__ import annotations


def _np(x):
    import numpy as np

    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=np.float64)


def pag(codes, sigma: float = 1.0) -> dict:
    """Prior agreement (PGAN paper §2.2, Eq. 2): KL(N(0, diag ν²) ‖ N(0, σ²I)) = ½ Σᵢ (νᵢ²/σ² − 1 − ln(νᵢ²/σ²)).

    ``pag``: the paper's Eq. 2, ν the raw singular values of the N×d code matrix ("the νᵢ then
    correspond to the singular values diag(Σ)"). They grow with √N, so it depends on N (true
    N(0, I) codes, d = 16: ≈ 3975 at N = 500) and, at small N, mostly measures the codes' scale.
    ``pag_normalized``: lpbench's size-normalized variant, νᵢ² = sᵢ²/N (the eigenvalues of ZᵀZ/N;
    0 for codes that match the prior, whatever N). σ: the model's own prior's standard deviation
    (moment-matched for a non-Gaussian prior: 1/√3 for U(−1, 1)). Needs N ≥ d.
    """
    import numpy as np

    z = _np(codes)
    n, d = z.shape
    if n < d:
        raise ValueError(f"PAG needs at least as many codes as latent dimensions; got {n} codes of dimension {d}")
    if not sigma > 0:
        raise ValueError(f"PAG needs a prior standard deviation σ > 0; got {sigma}")
    s = np.linalg.svd(z, compute_uv=False)

    def kl(nu2):
        r = np.maximum(nu2 / sigma**2, 1e-300)  # a rank-deficient code matrix gives +inf-like, not NaN
        return float(0.5 * np.sum(r - 1.0 - np.log(r)))

    return {"pag": kl(s**2), "pag_normalized": kl(s**2 / n)}


def spread_from_pag(pag: float, pag_normalized: float, n: int, d: int, sigma: float = 1.0) -> dict:
    """The codes' total variance Σλᵢ and log-determinant Σ ln λᵢ (λᵢ = sᵢ²/N, the eigenvalues of
    ZᵀZ/N), recovered exactly from the two PAG conventions of the same N×d codes — which a record
    holds, while the codes are not kept. With rᵢ = λᵢ/σ², 2·pag_normalized = Σr − d − Σ ln r and
    2·pag = NΣr − d − Σ ln r − d ln N, so Σ ln r = (2(pag − N·pag_normalized) + d ln N)/(N − 1) − d
    and Σr = 2·pag_normalized + d + Σ ln r. N(0, σ²I) codes give dσ² and d ln σ². It tells whether
    a PAG gap is the codes' scale (Eq. 2 at small N is ≈ N/2 · Σr) or their shape."""
    import math

    if n < 2 or d < 1 or not sigma > 0:
        raise ValueError(f"spread_from_pag needs N ≥ 2 codes, d ≥ 1 and σ > 0; got N={n}, d={d}, σ={sigma}")
    log_r = (2 * (pag - n * pag_normalized) + d * math.log(n)) / (n - 1) - d
    sum_r = 2 * pag_normalized + d + log_r
    return {"total_variance": sum_r * sigma**2, "log_det": log_r + d * math.log(sigma**2)}


def frechet_distance(a, b) -> float:
    """Fréchet distance between Gaussians fitted to code sets a [N, d] and b [M, d] (the FID
    formula, applied in latent space), computed by torch-fidelity's own FID routines."""
    import torch
    from torch_fidelity.metric_fid import fid_features_to_statistics, fid_statistics_to_metric

    sa = fid_features_to_statistics(torch.from_numpy(_np(a)))
    sb = fid_features_to_statistics(torch.from_numpy(_np(b)))
    return float(fid_statistics_to_metric(sa, sb, verbose=False)["frechet_inception_distance"])


def mmd(a, b, max_points: int = 2000, seed: int = 0) -> float:
    """Unbiased MMD² with a Gaussian kernel whose bandwidth is the median pairwise distance of the
    pooled codes (Gretton et al. 2012, JMLR, §8 "median heuristic"). Kernels from scikit-learn.
    Sets above ``max_points`` are subsampled (seeded) to bound the quadratic cost."""
    import numpy as np
    from sklearn.metrics.pairwise import euclidean_distances, rbf_kernel

    rng = np.random.default_rng(seed)
    a, b = _np(a), _np(b)
    if len(a) > max_points:
        a = a[rng.choice(len(a), max_points, replace=False)]
    if len(b) > max_points:
        b = b[rng.choice(len(b), max_points, replace=False)]
    m, n = len(a), len(b)
    if m < 2 or n < 2:
        raise ValueError(f"MMD needs at least 2 codes in each set; got {m} and {n}")
    pooled = np.concatenate([a, b])
    dist = euclidean_distances(pooled, pooled)
    h = float(np.median(dist[np.triu_indices(len(pooled), 1)]))
    gamma = 1.0 / (2.0 * max(h, 1e-12) ** 2)
    kaa, kbb, kab = rbf_kernel(a, a, gamma=gamma), rbf_kernel(b, b, gamma=gamma), rbf_kernel(a, b, gamma=gamma)
    return float(
        (kaa.sum() - np.trace(kaa)) / (m * (m - 1)) + (kbb.sum() - np.trace(kbb)) / (n * (n - 1)) - 2.0 * kab.mean()
    )


def agreement(heldout_codes, prior_codes, sigma: float = 1.0, seed: int = 0) -> dict:
    """The latent columns of the prior axis: PAG of the held-out codes against the model's nominal
    N(0, σ²I), and the Fréchet distance and MMD between the held-out codes and the prior's samples."""
    out = {}
    try:
        out.update({f"latent_{k}": v for k, v in pag(heldout_codes, sigma).items()})
    except ValueError:
        pass  # fewer held-out codes than dimensions: no PAG, the other two still apply
    out["latent_fd"] = frechet_distance(heldout_codes, prior_codes)
    out["latent_mmd"] = mmd(heldout_codes, prior_codes, seed=seed)
    return out
