"""Masked and weighted resampling of pre-sampled latent codes (masked/weighted-prior GAN paper,
§3, Definitions 3 and 4). Pure functions of a score vector, so they are tested directly."""

from __future__ import annotations


def unit_scores(scores, link: str = "minmax", floor: float = 0.01):
    """Map discriminator scores into (0, 1] so that weights can be proportional to them.

    ``"probability"``: the scores are logits of a standard (non-saturating) GAN discriminator;
    D's probability σ(s) is the paper's score (its §3.1 assumes s ∈ [0, 1]), and w ∝ σ(s).
    ``"identity"``: the scores already lie in [0, 1] (Table 1's sigmoid-output critic): w ∝ s.
    ``"minmax"``: a WGAN critic is unbounded and defined only up to an additive constant (and its
    scale drifts with the weight clipping), so any fixed squashing like a sigmoid would make the
    weights depend on that arbitrary offset. Min-max scaling within the pre-sample is invariant to
    both: the best-scored code gets 1, the worst gets ``floor`` (> 0 keeps every code drawable,
    as Definition 2 requires w > 0 for an increasing w), linearly in between.
    """
    import torch

    s = scores.detach().flatten().float()
    if link == "probability":
        return torch.sigmoid(s)
    if link == "identity":
        if (s < 0).any() or (s > 1).any() or not torch.isfinite(s).all():
            raise ValueError("score link 'identity' needs scores in [0, 1] (a sigmoid-output critic)")
        return s
    if link != "minmax":
        raise ValueError(f"score link must be 'probability', 'identity' or 'minmax', not {link!r}")
    if not 0 < floor <= 1:
        raise ValueError(f"floor must lie in (0, 1], got {floor}")
    lo, hi = s.min(), s.max()
    if hi - lo <= 0:  # all equal: no information, draw uniformly
        return torch.ones_like(s)
    return floor + (1 - floor) * (s - lo) / (hi - lo)


def masked_indices(scores, rate: float, m: int, generator=None):
    """Indices of a batch of m drawn uniformly (with replacement: the masked prior is a pmf,
    Definition 3) from the ⌈rate·n⌉ highest-scored of the n pre-sampled codes."""
    import math

    import torch

    if not 0 < rate <= 1:
        raise ValueError(f"masking rate r must lie in (0, 1], got {rate}")
    s = scores.detach().flatten()
    k = max(1, math.ceil(rate * len(s) - 1e-9))
    kept = torch.topk(s, k).indices
    pick = torch.randint(k, (m,), generator=generator, device=kept.device)
    return kept[pick]


def weighted_indices(weights, m: int, generator=None):
    """Indices of a batch of m drawn with probability ∝ weights (Definition 4, normalized)."""
    import torch

    w = weights.detach().flatten().double()
    if (w < 0).any() or not torch.isfinite(w).all() or w.sum() <= 0:
        raise ValueError("weights must be finite, non-negative and not all zero")
    return torch.multinomial(w.cpu(), m, replacement=True, generator=generator).to(weights.device)
