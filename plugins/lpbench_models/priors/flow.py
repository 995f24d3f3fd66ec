"""``flow``: the GLF latent flow (Xiao et al. 2019; the network is latent_flow.py) as a prior.
glf, glf_regularized and vae_flow_prior train it jointly with their autoencoder (``build`` it with
the model's other nets, train ``flow``); as an ex-post prior it is fitted by maximum likelihood
on fixed codes — GLF's flow without the joint training. z = flow⁻¹(ε), ε ~ N(0, I)."""

from __future__ import annotations

from lpbench import Prior


class FlowPrior(Prior):
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

    def __init__(self, latent_dim: int, settings: dict | None = None, sigma: float = 1.0):
        super().__init__(latent_dim, settings, sigma)
        self.flow = None  # the LatentFlow, once built

    def build(self, perm_seed: int = 0) -> FlowPrior:
        """Create the network now. Its initial weights are drawn from torch's global RNG, so when
        it is built is part of a run's randomness: a model builds it with its other nets, the
        prior axis when it fits."""
        from .latent_flow import LatentFlow

        s = self.settings
        self.flow = LatentFlow(
            self.latent_dim,
            int(s["hidden"]),
            int(s["blocks"]),
            float(s["clamp"]),
            perm_seed=perm_seed,
            init_std=float(s["init_std"]),
        )
        return self

    def fit(self, codes, ctx):
        from .latent_flow import optimizer

        self.build()
        net = self.flow.to(ctx.device)
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
        """z = flow⁻¹(ε) in eval mode (BatchNorm's running statistics), whatever mode the flow is in."""
        import torch

        eps = torch.randn(n, self.latent_dim, generator=generator)
        p = next(self.flow.parameters())
        was = self.flow.training
        self.flow.eval()
        with torch.no_grad():
            out = self.flow.inverse(eps.to(p.device)).cpu()
        self.flow.train(was)
        return out

    def log_prob(self, z):
        import torch

        with torch.no_grad():
            return -self.flow.nll(z.float())

    def state_dict(self):
        return self.flow.state_dict()

    def load_state_dict(self, state):
        if self.flow is None:
            self.build()
        self.flow.load_state_dict(state)
        self.flow.eval()
