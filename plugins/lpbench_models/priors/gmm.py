"""``gmm``: a Gaussian mixture on the codes (Ghosh et al. 2020, RAE+GMM; GLF paper App. B.5), fitted
by scikit-learn's GaussianMixture; rae_gmm is rae with this prior."""

from __future__ import annotations

from lpbench import Prior

from .numpy_codes import as_float64, seed_from

# the fitted mixture, as tensors: what a saved prior holds besides its settings
_FIELDS = ("weights_", "means_", "covariances_", "precisions_cholesky_")


class GMMPrior(Prior):
    name = "gmm"
    description = "Gaussian mixture fitted by EM on the codes (scikit-learn GaussianMixture), samples shuffled"
    defaults = {
        "n_components": 10,
        "covariance_type": "full",
        "max_iter": 100,
        "reg_covar": 1e-6,
        "n_init": 1,
    }

    def __init__(self, latent_dim: int, settings: dict | None = None, sigma: float = 1.0):
        super().__init__(latent_dim, settings, sigma)
        self.gmm = None  # the fitted scikit-learn GaussianMixture

    def _mixture_settings(self) -> dict:
        s = self.settings
        return dict(
            n_components=int(s["n_components"]),
            covariance_type=s["covariance_type"],
            max_iter=int(s["max_iter"]),
            n_init=int(s["n_init"]),
            reg_covar=float(s["reg_covar"]),
        )

    def fit(self, codes, ctx):
        """EM from a k-means initialization seeded by the run's seed: the same codes and seed give
        the same mixture."""
        from sklearn.mixture import GaussianMixture

        k = int(self.settings["n_components"])
        if len(codes) < k:
            raise ValueError(f"gmm prior: {len(codes)} codes cannot fit {k} components; lower n_components")
        settings = self._mixture_settings()
        self.gmm = GaussianMixture(random_state=int(ctx.seed) % 2**32, **settings).fit(as_float64(codes))

    def _check(self):
        if self.gmm is None:
            raise RuntimeError("the GMM prior has not been fitted")

    def sample(self, n, generator):
        """n codes; scikit-learn returns them grouped by component, so they are shuffled here (a
        caller taking the first k would otherwise see only a few components)."""
        import torch

        self._check()
        self.gmm.random_state = seed_from(generator)
        z, _ = self.gmm.sample(n)
        perm = torch.randperm(n, generator=generator)
        return torch.from_numpy(z).float()[perm]

    def log_prob(self, z):
        import torch

        self._check()
        return torch.from_numpy(self.gmm.score_samples(as_float64(z))).float()

    def state_dict(self):
        import numpy as np
        import torch

        self._check()
        state = {k: torch.from_numpy(np.asarray(getattr(self.gmm, k))) for k in _FIELDS}
        state["settings"] = self._mixture_settings()
        return state

    def load_state_dict(self, state):
        import numpy as np
        from sklearn.mixture import GaussianMixture

        # the settings it was fitted with, whatever the registry says now
        self.settings = {**self.settings, **state["settings"]}
        gmm = GaussianMixture(**self._mixture_settings())
        for k in _FIELDS:
            setattr(gmm, k, state[k].numpy().astype(np.float64))
        gmm.converged_, gmm.n_iter_, gmm.lower_bound_ = True, 0, float("nan")
        gmm.n_features_in_ = gmm.means_.shape[1]
        self.gmm = gmm
