"""GANs on the standardized architecture: the baseline ``gan`` and the masked/weighted-prior GANs
(Goerttler & Kloft, "Learning a multimodal prior distribution for GANs", §3).

One training step of the generator is one budget step; the ``critic_steps`` discriminator
updates before it (each on its own real batch) belong to that step.
"""

from __future__ import annotations

import math

from lpbench import Model

from .module_set import ModuleSet

LOSSES = ("ns", "wgan", "wgan_gp")
LINKS = ("probability", "identity", "minmax")  # prior_resampling.unit_scores


class GAN(ModuleSet, Model):
    name = "gan"
    family = "gan"
    description = "GAN with a fixed prior: non-saturating, WGAN (weight clipping) or WGAN-GP loss"
    defaults = {
        "loss": "ns",  # ns | wgan (weight clipping) | wgan_gp
        "optimizer": "adam",  # adam | rmsprop
        "lr": 2e-4,
        "beta1": 0.5,  # Adam only
        "beta2": 0.999,  # Adam only
        "critic_steps": 1,  # discriminator updates per generator update
        "clip": 0.01,  # wgan: critic weights clipped to [-clip, clip]
        "gp_weight": 10.0,  # wgan_gp: gradient-penalty weight
        "spectral_norm": False,  # spectral normalization on every discriminator layer
        "critic_output": "linear",  # linear | sigmoid (masked/weighted paper Table 1: a WGAN critic ending in a sigmoid)
        "prior": "normal",  # latent prior: normal N(0, I) | uniform U(-1, 1)^d
        "generation": "prior",  # prior (plain) | masked (keep the top `rate` of `presample` codes by D)
        "rate": 0.5,  # masking rate r: fraction of pre-sampled codes kept
        "presample": 1000,  # pre-sample size n (n ≥ batch size m)
        "score_link": "auto",  # scores → weights: auto | probability | identity | minmax
        "score_floor": 0.01,  # minmax: weight of the worst-scored pre-sampled code
        "lr_schedule": {"type": "none"},  # lpbench.schedules, over the generator steps; G and D alike
    }
    # How training batches of latent codes are drawn: "prior" (plain), "masked" or "weighted".
    train_resampling = "prior"

    def __init__(self, config):
        super().__init__(config)
        hp = self.hp
        checks = {
            "loss": (hp["loss"] in LOSSES, f"one of {', '.join(LOSSES)}"),
            "optimizer": (hp["optimizer"] in ("adam", "rmsprop"), "adam or rmsprop"),
            "prior": (hp["prior"] in ("normal", "uniform"), "normal or uniform"),
            "generation": (hp["generation"] in ("prior", "masked"), "prior or masked"),
            "score_link": (hp["score_link"] in ("auto",) + LINKS, "auto, " + ", ".join(LINKS)),
            "critic_output": (hp["critic_output"] in ("linear", "sigmoid"), "linear or sigmoid"),
            "rate": (0 < hp["rate"] <= 1, "a number in (0, 1]"),
            "critic_steps": (hp["critic_steps"] >= 1, "an integer ≥ 1"),
            "presample": (hp["presample"] >= 1, "an integer ≥ 1"),
            "score_floor": (0 < hp["score_floor"] <= 1, "a number in (0, 1]"),
        }
        for key, (ok, expected) in checks.items():
            if not ok:
                raise ValueError(f"{self.name}: hyperparameter {key} must be {expected}, got {hp[key]!r}")
        if hp["critic_output"] == "sigmoid" and hp["loss"] == "ns":
            raise ValueError(
                f"{self.name}: critic_output 'sigmoid' is the WGAN critic of the masked/weighted paper's "
                "Table 1 (loss wgan or wgan_gp); the ns loss applies D's sigmoid itself"
            )
        self._build()

    # ------------------------------------------------------------------------------ networks

    def _build(self):
        from lpbench import nets

        c = self.config
        self.G = nets.decoder(c.architecture, c.latent_dim, c.data_shape)
        self.D = nets.discriminator(c.architecture, c.data_shape, 1, spectral_norm=self.hp["spectral_norm"])
        self.device = "cpu"

    def modules(self) -> dict:
        return {"generator": self.G, "discriminator": self.D}

    def _optimizer(self, params, lr=None):
        import torch

        lr = self.hp["lr"] if lr is None else lr
        if self.hp["optimizer"] == "rmsprop":
            return torch.optim.RMSprop(params, lr=lr)
        return torch.optim.Adam(params, lr=lr, betas=(self.hp["beta1"], self.hp["beta2"]))

    # --------------------------------------------------------------------------------- prior

    def base_prior(self, n: int, generator=None, device=None):
        """Codes from the fixed prior p_z the generator is fed."""
        import torch

        shape = (n, self.latent_dim)
        if self.hp["prior"] == "uniform":
            z = torch.rand(shape, generator=generator) * 2 - 1
        else:
            z = torch.randn(shape, generator=generator)
        return z.to(device or self.device)

    def noise(self, n: int, generator=None):
        """Generator input for training: the base prior (pgan's continued stage overrides it)."""
        return self.base_prior(n, generator)

    @property
    def prior_sigma(self) -> float:
        """PAG's σ: the prior's standard deviation, moment-matched for U(−1, 1) (variance 1/3)."""
        return 3**-0.5 if self.hp["prior"] == "uniform" else 1.0

    def critic(self, x):
        """D's score: logits (ns), the critic's value (WGAN), or, with ``critic_output: sigmoid``,
        the masked/weighted paper's Table 1 critic, whose last layer is a sigmoid (s ∈ (0, 1))."""
        out = self.D(x)
        return out.sigmoid() if self.hp["critic_output"] == "sigmoid" else out

    def link(self) -> str:
        """How scores become weights (prior_resampling.unit_scores): D's probability σ(logit) for
        ns, the sigmoid critic's own output for Table 1's critic (w ∝ s, §3.1), min-max within the
        pre-sample for an unbounded WGAN critic."""
        if self.hp["score_link"] != "auto":
            return self.hp["score_link"]
        if self.hp["loss"] == "ns":
            return "probability"
        return "identity" if self.hp["critic_output"] == "sigmoid" else "minmax"

    def scores(self, z):
        """s(z) = D(G(z)) for each code (no gradients), the paper's score (§3.1).

        Scored with G and D in eval mode (restored afterwards): batch norm then uses its running
        statistics, so a code's score is a function of the code alone, as s(z) is in the paper,
        not of the other pre-sampled codes, and the scoring pass leaves the running statistics
        untouched (audit M4). The MLPs of eight Gaussians have no batch norm: no change there."""
        import torch

        modes = (self.G.training, self.D.training)
        self.G.eval(), self.D.eval()
        try:
            with torch.no_grad():
                return self.critic(self.G(z)).flatten()
        finally:
            self.G.train(modes[0]), self.D.train(modes[1])

    def train_latents(self, m: int):
        """A training batch of m generator inputs: plain, masked or weighted (paper §3)."""
        from .prior_resampling import masked_indices, unit_scores, weighted_indices

        if self.train_resampling == "prior":
            return self.noise(m)
        z = self.noise(max(self.hp["presample"], m))
        s = self.scores(z)
        if self.train_resampling == "masked":
            idx = masked_indices(s, self.hp["rate"], m)
        else:
            idx = weighted_indices(unit_scores(s, self.link(), self.hp["score_floor"]), m)
        return z[idx]

    # ------------------------------------------------------------------------------ training

    def d_loss(self, real, fake):
        import torch
        import torch.nn.functional as F

        d_real, d_fake = self.critic(real), self.critic(fake)
        if self.hp["loss"] == "ns":
            return F.softplus(-d_real).mean() + F.softplus(d_fake).mean()
        loss = d_fake.mean() - d_real.mean()
        if self.hp["loss"] == "wgan_gp":  # Gulrajani et al. 2017, Algorithm 1
            eps = torch.rand(len(real), *([1] * (real.dim() - 1)), device=real.device)
            mix = (eps * real + (1 - eps) * fake).requires_grad_(True)
            (grad,) = torch.autograd.grad(self.critic(mix).sum(), mix, create_graph=True)
            loss = loss + self.hp["gp_weight"] * (grad.flatten(1).norm(dim=1) - 1).pow(2).mean()
        return loss

    def g_loss(self, fake):
        import torch.nn.functional as F

        d_fake = self.critic(fake)
        return F.softplus(-d_fake).mean() if self.hp["loss"] == "ns" else -d_fake.mean()

    def gan_step(self, batches, opt_g, opt_d, batch_size: int):
        """One generator update preceded by ``critic_steps`` discriminator updates."""
        import torch

        for _ in range(self.hp["critic_steps"]):
            real = next(batches)
            with torch.no_grad():
                fake = self.G(self.train_latents(len(real)))
            d_loss = self.d_loss(real, fake)
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            opt_d.step()
            if self.hp["loss"] == "wgan":  # Arjovsky et al. 2017, Algorithm 1
                with torch.no_grad():
                    for p in self.D.parameters():
                        p.clamp_(-self.hp["clip"], self.hp["clip"])
        g_loss = self.g_loss(self.G(self.train_latents(batch_size)))
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()
        return d_loss, g_loss

    def schedulers(self, opt_g, opt_d, generator_steps, ctx) -> dict:
        from lpbench import schedule_optimizers

        return schedule_optimizers(
            {"g": opt_g, "d": opt_d},
            {"g": self.hp["lr_schedule"], "d": self.hp["lr_schedule"]},
            generator_steps,
            ctx.notes,
        )

    def fit(self, data, budget, ctx):
        self.to(ctx.device)
        opt_g = self._optimizer(self.G.parameters())
        opt_d = self._optimizer(self.D.parameters())
        scheds = self.schedulers(opt_g, opt_d, ctx.total_steps, ctx)
        start = ctx.track(
            generator=self.G, discriminator=self.D, opt_g=opt_g, opt_d=opt_d, lr_g=scheds["g"], lr_d=scheds["d"]
        )
        self.train_gan(data, budget, ctx, opt_g, opt_d, start, ctx.total_steps, scheds=scheds)

    def train_gan(self, data, budget, ctx, opt_g, opt_d, start, stop, offset=0, scheds=None):
        """Generator steps [start, stop) of the budget; real batches are indexed by the critic
        step, so a resumed run sees the same batches. ``offset`` shifts the logged step (pgan).
        ``scheds`` step once per generator step."""
        self.G.train(), self.D.train()
        k = self.hp["critic_steps"]
        batches = data.batches(budget.batch_size, ctx.seed, start * k)
        bs = min(budget.batch_size, len(data))
        for step in range(start, stop):
            d_loss, g_loss = self.gan_step(batches, opt_g, opt_d, bs)
            for s in (scheds or {}).values():
                s.step()
            ctx.end_step(step + offset, d_loss=d_loss, g_loss=g_loss)
        self.G.eval(), self.D.eval()

    # ---------------------------------------------------------------------------- sampling

    def sample_prior(self, n, generator):
        """Generator inputs for sampling: the plain prior, or the masked prior (the top ``rate``
        of ⌈n / rate⌉ codes by D's score, without replacement so no sample repeats)."""
        import torch

        if self.hp["generation"] == "prior":
            return self.noise(n, generator)
        pool = self.noise(math.ceil(n / self.hp["rate"]), generator)
        s = torch.cat([self.scores(c) for c in pool.split(4096)])
        keep = torch.topk(s, n).indices
        return pool[keep[torch.randperm(n, generator=generator).to(keep.device)]]

    def decode(self, z):
        return self.G(z.to(self.device))

    def sample(self, n, generator):
        import torch

        with torch.no_grad():
            z = self.sample_prior(n, generator)
            return torch.cat([self.decode(c) for c in z.split(4096)]).cpu()


class MaskedGAN(GAN):
    name = "masked_gan"
    description = "GAN whose training prior is masked to the top-r pre-sampled codes by D(G(z)) (Goerttler & Kloft §3)"
    train_resampling = "masked"


class WeightedGAN(GAN):
    name = "weighted_gan"
    description = "GAN whose training prior is resampled with weights ∝ D(G(z)) (Goerttler & Kloft §3)"
    train_resampling = "weighted"
