"""``kde``: a Gaussian kernel density estimate on the training codes (scipy's gaussian_kde, Scott's
rule, full-covariance kernel)."""

from lpbench import Prior

from .numpy_codes import as_float64, seed_from


class KDEPrior(Prior):
    name = "kde"
    description = "Gaussian kernel density estimate on the training codes (scipy gaussian_kde, full-covariance kernel)"
    defaults = {"bw_method": "scott"}

    def fit(self, codes, ctx):
        from scipy.stats import gaussian_kde

        z = as_float64(codes)
        if len(z) <= z.shape[1]:
            raise ValueError(f"kde prior: {len(z)} codes of dimension {z.shape[1]}: the kernel covariance is singular")
        self.kde = gaussian_kde(z.T, bw_method=self.settings["bw_method"])

    def sample(self, n, generator):
        import numpy as np
        import torch

        x = self.kde.resample(n, seed=np.random.default_rng(seed_from(generator)))
        return torch.from_numpy(x.T.copy()).float()

    def log_prob(self, z):
        import torch

        return torch.from_numpy(self.kde.logpdf(as_float64(z).T)).float()

    def state_dict(self):
        import torch

        return {"dataset": torch.from_numpy(self.kde.dataset.T.copy()), "factor": float(self.kde.factor)}

    def load_state_dict(self, state):
        from scipy.stats import gaussian_kde

        # the fitted bandwidth factor, not the rule: the same kernel whatever the rule's name
        self.kde = gaussian_kde(state["dataset"].double().numpy().T, bw_method=float(state["factor"]))
