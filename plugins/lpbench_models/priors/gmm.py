"""Gaussian-mixture prior on the codes (Ghosh et al. 2020, RAE+GMM; GLF paper App. B.5), fitted by
scikit-learn's GaussianMixture."""

from __future__ import annotations

import numpy as np
import torch

_FIELDS = ("weights_", "means_", "covariances_", "precisions_cholesky_")


class GMMPrior:
    def __init__(
        self,
        n_components: int = 10,
        covariance_type: str = "full",
        max_iter: int = 100,
        n_init: int = 1,
        reg_covar: float = 1e-6,
    ):
        self.settings = dict(
            n_components=n_components,
            covariance_type=covariance_type,
            max_iter=max_iter,
            n_init=n_init,
            reg_covar=reg_covar,
        )
        self.gmm = None

    def fit(self, codes, seed: int):
        """EM from a k-means initialization seeded by ``seed``: the same codes and seed give the same
        mixture."""
        from sklearn.mixture import GaussianMixture

        z = _numpy(codes)
        if len(z) < self.settings["n_components"]:
            raise ValueError(
                f"a {self.settings['n_components']}-component GMM needs at least that many codes, got {len(z)}"
            )
        self.gmm = GaussianMixture(random_state=int(seed) % 2**32, **self.settings).fit(z)
        return self

    def _check(self):
        if self.gmm is None:
            raise RuntimeError("the GMM prior has not been fitted")

    def sample(self, n: int, generator):
        """n codes; scikit-learn returns them grouped by component, so they are shuffled here (a
        caller taking the first k would otherwise see only a few components)."""
        self._check()
        seed = int(torch.randint(2**31 - 1, (1,), generator=generator))
        self.gmm.random_state = seed
        z, _ = self.gmm.sample(n)
        perm = torch.randperm(n, generator=generator)
        return torch.from_numpy(z).float()[perm]

    def log_prob(self, z):
        self._check()
        return torch.from_numpy(self.gmm.score_samples(_numpy(z))).float()

    def state_dict(self):
        self._check()
        state = {k: torch.from_numpy(np.asarray(getattr(self.gmm, k))) for k in _FIELDS}
        state["settings"] = dict(self.settings)
        return state

    def load_state_dict(self, state):
        from sklearn.mixture import GaussianMixture

        self.settings = dict(state["settings"])
        gmm = GaussianMixture(**self.settings)
        for k in _FIELDS:
            setattr(gmm, k, state[k].numpy().astype(np.float64))
        gmm.converged_, gmm.n_iter_, gmm.lower_bound_ = True, 0, float("nan")
        gmm.n_features_in_ = gmm.means_.shape[1]
        self.gmm = gmm


def _numpy(z):
    if torch.is_tensor(z):
        z = z.detach().cpu().numpy()
    return np.asarray(z, dtype=np.float64)
