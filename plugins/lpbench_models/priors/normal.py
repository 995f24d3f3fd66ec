"""Ex-post latent priors (the prior axis): fitted on a trained model's training codes.

normal: the nominal N(0, σ²I) every model here is trained against — the baseline a learned
prior must beat. gmm: a full-covariance Gaussian mixture (scikit-learn), the RAE ex-post density.
kde: a Gaussian kernel density estimate on the codes (scipy, Scott's rule).

No torch import at module level: registration must keep `lpbench list` instant.
"""

from lpbench import Prior


def _seed_from(generator) -> int:
    """An integer seed for numpy/scikit-learn, drawn from the torch generator the caller passed,
    so a prior's samples are determined by that generator alone."""
    import torch

    return int(torch.randint(0, 2**31 - 1, (1,), generator=generator))


def _np(z):
    import numpy as np

    return np.asarray(z.detach().cpu().double().numpy() if hasattr(z, "detach") else z, dtype=np.float64)


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


class GMMPrior(Prior):
    """The RAE+GMM ex-post density as a prior plugin; the mixture itself is the autoencoder
    family's component (priors/gmm.py: scikit-learn GaussianMixture, shuffled samples), so rae_gmm
    and any model × gmm share one implementation."""

    name = "gmm"
    description = "Gaussian mixture fitted by EM on the codes (scikit-learn GaussianMixture), samples shuffled"
    defaults = {
        "n_components": 10,
        "covariance_type": "full",
        "max_iter": 100,
        "reg_covar": 1e-6,
        "n_init": 1,
    }

    def _component(self):
        from .priors.gmm import GMMPrior as Mixture

        s = self.settings
        return Mixture(
            int(s["n_components"]),
            s["covariance_type"],
            max_iter=int(s["max_iter"]),
            n_init=int(s["n_init"]),
            reg_covar=float(s["reg_covar"]),
        )

    @property
    def gmm(self):
        """The fitted scikit-learn GaussianMixture."""
        return self.mixture.gmm

    def fit(self, codes, ctx):
        k = int(self.settings["n_components"])
        if len(codes) < k:
            raise ValueError(f"gmm prior: {len(codes)} codes cannot fit {k} components; lower n_components")
        self.mixture = self._component().fit(codes, seed=ctx.seed)

    def sample(self, n, generator):
        return self.mixture.sample(n, generator)

    def log_prob(self, z):
        return self.mixture.log_prob(z)

    def state_dict(self):
        return self.mixture.state_dict()

    def load_state_dict(self, state):
        self.mixture = self._component()
        self.mixture.load_state_dict(state)


class KDEPrior(Prior):
    name = "kde"
    description = "Gaussian kernel density estimate on the training codes (scipy gaussian_kde, full-covariance kernel)"
    defaults = {"bw_method": "scott"}

    def fit(self, codes, ctx):
        from scipy.stats import gaussian_kde

        z = _np(codes)
        if len(z) <= z.shape[1]:
            raise ValueError(f"kde prior: {len(z)} codes of dimension {z.shape[1]}: the kernel covariance is singular")
        self.kde = gaussian_kde(z.T, bw_method=self.settings["bw_method"])

    def sample(self, n, generator):
        import numpy as np
        import torch

        x = self.kde.resample(n, seed=np.random.default_rng(_seed_from(generator)))
        return torch.from_numpy(x.T.copy()).float()

    def log_prob(self, z):
        import torch

        return torch.from_numpy(self.kde.logpdf(_np(z).T)).float()

    def state_dict(self):
        import torch

        return {"dataset": torch.from_numpy(self.kde.dataset.T.copy()), "factor": float(self.kde.factor)}

    def load_state_dict(self, state):
        from scipy.stats import gaussian_kde

        # the fitted bandwidth factor, not the rule: the same kernel whatever the rule's name
        self.kde = gaussian_kde(state["dataset"].double().numpy().T, bw_method=float(state["factor"]))


class CodeGANPrior(Prior):
    """PGAN's secondary GAN (Kilcher et al., §3 and App. E) as an ex-post prior: a generator
    h: z' → z, z' ~ N(0, I), trained adversarially against the training codes. Both nets are 4
    fully connected layers; non-saturating GAN loss; RMSProp."""

    name = "pgan"
    description = (
        "Secondary GAN on the codes (PGAN paper): z = h(z'), z' ~ N(0, I), 4-FC-layer generator and discriminator"
    )
    trainable = True
    defaults = {"hidden": 256, "lr": 3e-4, "batch_size": 100}

    def _build(self):
        from lpbench import nets

        d, w = self.latent_dim, int(self.settings["hidden"])
        self.H = nets.mlp([d, w, w, w, d], "relu")
        self.DH = nets.mlp([d, w, w, w, 1], "lrelu")

    def fit(self, codes, ctx):
        import torch
        import torch.nn.functional as F

        self._build()
        self.H.to(ctx.device), self.DH.to(ctx.device)
        opt_h = torch.optim.RMSprop(self.H.parameters(), lr=float(self.settings["lr"]))
        opt_d = torch.optim.RMSprop(self.DH.parameters(), lr=float(self.settings["lr"]))
        start = ctx.track(generator=self.H, discriminator=self.DH, opt_h=opt_h, opt_d=opt_d)
        bs = int(self.settings["batch_size"])
        # the budget counts passes over the codes: steps at this prior's own batch size
        ctx.total_steps = ctx.budget.aux_steps(len(codes), bs) if ctx.budget is not None else ctx.total_steps
        batches = ctx.batches(codes, start, batch_size=bs)
        self.H.train(), self.DH.train()
        for step in range(start, ctx.total_steps):
            real = next(batches)
            # z' of step k depends on (seed, k) only, so a fit resumed from a checkpoint continues
            # exactly as an uninterrupted one
            g = torch.Generator().manual_seed((ctx.seed * 1_000_003 + 29) * 1_000_033 + step)
            zp = torch.randn(len(real), self.latent_dim, generator=g).to(ctx.device)
            fake = self.H(zp)
            d_loss = F.softplus(-self.DH(real)).mean() + F.softplus(self.DH(fake.detach())).mean()
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            opt_d.step()
            g_loss = F.softplus(-self.DH(fake)).mean()
            opt_h.zero_grad(set_to_none=True)
            g_loss.backward()
            opt_h.step()
            ctx.end_step(step, d_loss=d_loss, g_loss=g_loss)
        self.H.eval(), self.DH.eval()
        self.H.cpu(), self.DH.cpu()

    def sample(self, n, generator):
        import torch

        zp = torch.randn(n, self.latent_dim, generator=generator)
        with torch.no_grad():
            return self.H(zp)

    def state_dict(self):
        return {"generator": self.H.state_dict(), "discriminator": self.DH.state_dict()}

    def load_state_dict(self, state):
        self._build()
        self.H.load_state_dict(state["generator"])
        self.DH.load_state_dict(state["discriminator"])
        self.H.eval(), self.DH.eval()


class FlowLatentPrior(Prior):
    """The GLF latent flow (Xiao et al. 2019; the autoencoder family's priors/flow.py) fitted ex
    post by maximum likelihood on fixed codes — GLF's flow without the joint training."""

    name = "flow"
    description = "GLF latent flow (affine couplings + fixed permutations) fitted ex post by maximum likelihood"
    trainable = True
    defaults = {
        "hidden": 64,
        "blocks": 4,
        "clamp": 2.0,
        "init_std": 0.05,
        "lr": 1e-3,
        "weight_decay": 2e-5,
        "betas": [0.8, 0.9],
        "eps": 1e-6,
    }

    def _build(self):
        from .priors.flow import FlowPrior

        s = self.settings
        self.flow = FlowPrior(
            self.latent_dim,
            int(s["hidden"]),
            int(s["blocks"]),
            float(s["clamp"]),
            perm_seed=0,
            init_std=float(s["init_std"]),
        )

    def fit(self, codes, ctx):
        from .priors.flow import optimizer

        self._build()
        net = self.flow.flow.to(ctx.device)
        s = self.settings
        opt = optimizer(net, float(s["lr"]), float(s["weight_decay"]), s["betas"], float(s["eps"]))
        start = ctx.track(flow=net, optimizer=opt)
        batches = ctx.batches(codes, start)
        net.train()
        for step in range(start, ctx.total_steps):
            loss = net.nll(next(batches)).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            ctx.end_step(step, nll=loss)
        net.eval()
        net.cpu()

    def sample(self, n, generator):
        return self.flow.sample(n, generator)

    def log_prob(self, z):
        import torch

        with torch.no_grad():
            return self.flow.log_prob(z.float())

    def state_dict(self):
        return self.flow.state_dict()

    def load_state_dict(self, state):
        self._build()
        self.flow.load_state_dict(state)


class TwoStagePrior(Prior):
    """Dai & Wipf's (2019) second stage (the autoencoder family's priors/two_stage.py) as an ex-post
    prior: a VAE with learned decoder variance γ on the codes; z = g(u), u ~ N(0, I)."""

    name = "two_stage"
    description = "Second-stage VAE on the codes (Dai & Wipf 2019), learned decoder variance; z = g(u), u ~ N(0, I)"
    trainable = True
    defaults = {"hidden": 1024, "depth": 3, "lr": 1e-4}

    def _build(self):
        from .priors.two_stage import SecondStageVAE

        self.vae = SecondStageVAE(self.latent_dim, int(self.settings["hidden"]), int(self.settings["depth"]))

    def fit(self, codes, ctx):
        import torch

        self._build()
        net = self.vae.net.to(ctx.device)
        opt = torch.optim.Adam(net.parameters(), lr=float(self.settings["lr"]))
        start = ctx.track(second_stage=net, optimizer=opt)
        batches = ctx.batches(codes, start)
        net.train()
        for step in range(start, ctx.total_steps):
            loss, rec, kl, _ = self.vae.loss(next(batches))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            ctx.end_step(step, loss=loss, rec=rec, kl=kl)
        net.eval()
        net.cpu()

    def sample(self, n, generator):
        return self.vae.sample(n, generator)

    def state_dict(self):
        return self.vae.state_dict()

    def load_state_dict(self, state):
        self._build()
        self.vae.load_state_dict(state)
