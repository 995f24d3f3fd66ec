"""``normal``: the nominal N(0, σ²I) every model here is trained against — the baseline a learned
prior must beat. Nothing is fitted."""

from lpbench import Prior


class NormalPrior(Prior):
    name = "normal"
    description = "The nominal prior N(0, σ²I) (σ = the model's prior_sigma); nothing is fitted"
    defaults = {}

    def fit(self, codes, ctx):
        if codes.shape[1] != self.latent_dim:
            raise ValueError(f"normal prior: codes have dimension {codes.shape[1]}, expected {self.latent_dim}")

    def sample(self, n, generator):
        import torch

        return self.sigma * torch.randn(n, self.latent_dim, generator=generator)

    def log_prob(self, z):
        import math

        z = z.float()
        d = z.shape[1]
        return -0.5 * (z / self.sigma).pow(2).sum(1) - d * math.log(self.sigma) - 0.5 * d * math.log(2 * math.pi)

    def state_dict(self):
        return {"sigma": self.sigma}

    def load_state_dict(self, state):
        self.sigma = float(state["sigma"])
