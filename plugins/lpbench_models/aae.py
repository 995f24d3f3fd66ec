"""Adversarial autoencoders with a fixed or a learned prior (Wang, Ko & Peng, "Learning priors for
adversarial autoencoders", §2).

Networks: encoder enc and decoder dec (the dataset's standardized architecture), image
discriminator D_I (the standardized discriminator; its last hidden layer is the feature space of
the learned similarity metric, Larsen et al. 2016), latent discriminator D_C and, for the learned
prior, a code generator CG: noise (+ a one-hot condition s) → prior codes z_c.

Every budget step alternates the two phases of the paper's Fig. 1 once, on one real batch:
  prior improvement  D_I: x vs dec(z_c); CG + dec minimize the adversarial loss of dec(z_c)
                     (+ the InfoGAN term −log Q(s | D_I features of dec(z_c))); enc fixed
  AAE                D_C: z_c vs enc(x); enc + dec minimize the reconstruction error in D_I's
                     feature space + the adversarial loss of enc(x) under D_C; CG fixed
``aae`` is the same model with CG the identity on N(0, I) codes (the paper's baseline).

The learned prior's code generator is residual by default, z_c = z + f(z, s) with f's output layer
zero at initialization: at step 0 aae_learned_prior samples exactly aae's prior, so what follows is
the learned prior's own effect (the paper's §3 design). A plain MLP at PyTorch's default init
(``code_generator: mlp``) maps N(0, I) to codes of total variance ≈ 0.03 — a near point mass the
image-space GAN game never spreads again (docs/models.md, "The code generator's start").
"""

from __future__ import annotations

from lpbench import Model

from .module_set import ModuleSet

CONDITIONS = ("none", "supervised", "unsupervised")
CODE_GENERATORS = ("residual", "mlp")


class AAE(ModuleSet, Model):
    name = "aae"
    family = "autoencoder"
    description = "Adversarial autoencoder, N(0, I) prior, learned-similarity reconstruction (Wang et al. baseline)"
    defaults = {
        "lr": 2e-4,  # Adam, all networks
        "beta1": 0.5,
        "beta2": 0.999,
        "code_hidden": 256,  # width of CG's and D_C's hidden layers
        "adv_weight": 1.0,  # weight of the latent adversarial term in the AAE phase
        "condition": "none",  # none | supervised (labels) | unsupervised (categorical code)
        "categories": 10,  # unsupervised condition: number of categories
        "info_weight": 1.0,  # weight of the mutual-information term (InfoGAN λ)
        "lr_schedule": {"type": "none"},  # lpbench.schedules: all four optimizers alike
    }
    learned_prior = False

    def __init__(self, config):
        super().__init__(config)
        hp = self.hp
        if hp["condition"] not in CONDITIONS:
            raise ValueError(f"{self.name}: condition must be one of {', '.join(CONDITIONS)}, got {hp['condition']!r}")
        if hp["condition"] != "none" and not self.learned_prior:
            raise ValueError(f"{self.name}: a condition feeds the code generator; use aae_learned_prior")
        if hp["condition"] == "supervised" and not config.num_classes:
            raise ValueError(f"{self.name}: condition 'supervised' needs a labelled dataset")
        self.n_cond = {"none": 0, "supervised": config.num_classes or 0, "unsupervised": hp["categories"]}[
            hp["condition"]
        ]
        if self.learned_prior and hp["code_generator"] not in CODE_GENERATORS:
            raise ValueError(
                f"{self.name}: code_generator must be one of {', '.join(CODE_GENERATORS)}, got {hp['code_generator']!r}"
            )
        self._build()

    def _build(self):
        from lpbench import nets

        c, d, w = self.config, self.latent_dim, self.hp["code_hidden"]
        self.enc = nets.encoder(c.architecture, c.data_shape, d)
        self.dec = nets.decoder(c.architecture, d, c.data_shape)
        self.DI = nets.discriminator(c.architecture, c.data_shape, 1)
        self.DC = nets.mlp([d, w, w, 1], "lrelu")
        self.CG = nets.mlp([d + self.n_cond, w, w, d], "relu") if self.learned_prior else None
        if self.CG is not None and self.residual:
            import torch

            torch.nn.init.zeros_(self.CG[-1].weight)  # f ≡ 0: CG starts as the identity on z
            torch.nn.init.zeros_(self.CG[-1].bias)
        feat = _feature_dim(self.DI)
        self.Q = nets.mlp([feat, w, self.n_cond], "lrelu") if self.n_cond else None
        self.device = "cpu"

    def modules(self) -> dict:
        m = {"encoder": self.enc, "decoder": self.dec, "image_discriminator": self.DI, "code_discriminator": self.DC}
        if self.CG is not None:
            m["code_generator"] = self.CG
        if self.Q is not None:
            m["info_head"] = self.Q
        return m

    # --------------------------------------------------------------------------------- prior

    def prior_codes(self, n, generator=None, labels=None):
        """z_c = CG(z, s) (or z itself for the fixed prior) and the condition indices s."""
        import torch

        z = torch.randn(n, self.latent_dim, generator=generator).to(self.device)
        if self.CG is None:
            return z, None
        s, inputs = None, z
        if self.n_cond:
            s = labels if labels is not None else torch.randint(self.n_cond, (n,), generator=generator).to(self.device)
            inputs = torch.cat([z, torch.nn.functional.one_hot(s, self.n_cond).float()], 1)
        out = self.CG(inputs)
        return (z + out if self.residual else out), s

    @property
    def residual(self) -> bool:
        return self.learned_prior and self.hp["code_generator"] == "residual"

    # ------------------------------------------------------------------------------ training

    def fit(self, data, budget, ctx):
        import torch
        import torch.nn.functional as F

        self.to(ctx.device)
        adam = lambda params: torch.optim.Adam(params, lr=self.hp["lr"], betas=(self.hp["beta1"], self.hp["beta2"]))  # noqa: E731
        prior_params = [*self.dec.parameters()]
        for m in (self.CG, self.Q):
            if m is not None:
                prior_params += list(m.parameters())
        opt_prior = adam(prior_params)
        opt_di = adam(self.DI.parameters())
        opt_dc = adam(self.DC.parameters())
        opt_ae = adam([*self.enc.parameters(), *self.dec.parameters()])
        from lpbench import schedule_optimizers

        opts = {"prior": opt_prior, "di": opt_di, "dc": opt_dc, "ae": opt_ae}
        scheds = schedule_optimizers(opts, {k: self.hp["lr_schedule"] for k in opts}, ctx.total_steps, ctx.notes)
        start = ctx.track(
            **self.modules(),
            opt_prior=opt_prior,
            opt_di=opt_di,
            opt_dc=opt_dc,
            opt_ae=opt_ae,
            **{f"lr_{k}": v for k, v in scheds.items()},
        )
        supervised = self.hp["condition"] == "supervised"
        if supervised and data.y is None:
            raise ValueError(f"{self.name}: condition 'supervised' needs labels, and this split has none")
        for m in self.modules().values():
            m.train()
        batches = data.labelled_batches(budget.batch_size, ctx.seed, start)
        for step in range(start, ctx.total_steps):
            x, y = next(batches)
            n = len(x)
            # prior-improvement phase (encoder fixed)
            zc, s = self.prior_codes(n)
            fake = self.dec(zc)
            di_loss = F.softplus(-self.DI(x)).mean() + F.softplus(self.DI(fake.detach())).mean()
            opt_di.zero_grad(set_to_none=True)
            di_loss.backward()
            opt_di.step()
            score, feat = _score_and_features(self.DI, fake)
            g_loss = F.softplus(-score).mean()
            info = torch.zeros((), device=x.device)
            if self.Q is not None:
                info = F.cross_entropy(self.Q(feat), s)
            opt_prior.zero_grad(set_to_none=True)
            (g_loss + self.hp["info_weight"] * info).backward()
            opt_prior.step()
            # AAE phase (code generator fixed)
            with torch.no_grad():
                target, _ = self.prior_codes(n, labels=y if supervised else None)
            z = self.enc(x)
            dc_loss = F.softplus(-self.DC(target)).mean() + F.softplus(self.DC(z.detach())).mean()
            opt_dc.zero_grad(set_to_none=True)
            dc_loss.backward()
            opt_dc.step()
            _, f_rec = _score_and_features(self.DI, self.dec(z))
            with torch.no_grad():
                _, f_x = _score_and_features(self.DI, x)
            rec = (f_rec - f_x).pow(2).sum(1).mean()
            adv = F.softplus(-self.DC(z)).mean()
            opt_ae.zero_grad(set_to_none=True)
            (rec + self.hp["adv_weight"] * adv).backward()
            opt_ae.step()
            for sched in scheds.values():
                sched.step()
            ctx.end_step(step, rec=rec, adv=adv, di_loss=di_loss, dc_loss=dc_loss, g_loss=g_loss, info=info)
        for m in self.modules().values():
            m.eval()

    # ---------------------------------------------------------------------------- capabilities

    def encode(self, x):
        return self.enc(x.to(self.device))

    def decode(self, z):
        return self.dec(z.to(self.device))

    def sample_prior(self, n, generator):
        import torch

        with torch.no_grad():
            return self.prior_codes(n, generator)[0]

    def sample(self, n, generator):
        import torch

        with torch.no_grad():
            return self.decode(self.sample_prior(n, generator)).cpu()


class AAELearnedPrior(AAE):
    name = "aae_learned_prior"
    description = "Adversarial autoencoder whose prior is learned by a code generator (Wang, Ko & Peng)"
    defaults = {**AAE.defaults, "code_generator": "residual"}  # residual | mlp (module docstring)
    predates = {"code_generator": "mlp"}  # runs recorded before the setting had the plain MLP
    learned_prior = True


def _score_and_features(D, x):
    """D's scalar score and its last hidden layer (the learned similarity's feature space)."""
    if hasattr(D, "head"):  # the conv discriminator exposes its trunk
        return D(x, return_features=True)
    h = D[:-1](x)
    return D[-1](h), h


def _feature_dim(D) -> int:
    return (D.head if hasattr(D, "head") else D[-1]).in_features
