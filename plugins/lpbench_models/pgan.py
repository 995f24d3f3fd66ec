"""PGAN (Kilcher et al., "Flexible prior distributions for deep generative models", §3-4.4):
train a GAN, reverse the training set through its generator (Algorithm 1, the same
``lpbench.reverse`` the pag metric uses), fit a secondary MLP GAN h: z' → z to the reversed codes,
then continue training the GAN for a few steps on z = h(z'), and sample G(h(z')).

Budget (one global step counter, so checkpoints resume in any stage):
  steps [0, T1)          the GAN, T1 = T − T_c, T = budget.steps(n_train) generator steps
  reversal at T1         not a step; its codes are part of the checkpointed state
  steps [T1, T1 + A)     the secondary GAN, A = budget.aux_steps(n_train, prior_batch) at most: it
                         stops earlier once converged (``train_prior``: the Fréchet distance between
                         Gaussian fits to h(z′) and to the reversed codes, checked every
                         ``prior_check_every`` steps, averaged over the last ``prior_window`` checks
                         is not ``prior_min_improvement`` below its average over the window before —
                         the paper's "until no quantitative improvement", App. E; ``stalled``)
  steps [T1 + A, T + A)  the GAN continued on h(z'), T_c = round(continue_fraction · T)
The generator thus gets exactly as many updates as the plain ``gan``; the secondary GAN is the
auxiliary stage the budget's ``aux_epochs`` pays for.
"""

from __future__ import annotations

from .gan import GAN


class _Codes:
    """The reversed training codes, their per-sample errors, reversal steps and convergence flags,
    and the secondary GAN's progress (checks and stopping step), tracked like a module."""

    FIELDS = ("codes", "errors", "steps", "converged")

    def __init__(self):
        self.codes = self.errors = self.steps = self.converged = None
        self.prior_checks: list = []  # [(step, Fréchet distance)] of the secondary GAN's checks
        self.prior_stopped = None  # secondary-GAN steps trained when it stopped (None: not yet)

    def state_dict(self):
        import torch

        out = {k: getattr(self, k) if getattr(self, k) is not None else torch.zeros(0) for k in self.FIELDS}
        out["prior_checks"] = torch.tensor(self.prior_checks, dtype=torch.float64).reshape(-1, 2)
        out["prior_stopped"] = torch.tensor(-1 if self.prior_stopped is None else self.prior_stopped)
        return out

    def load_state_dict(self, state):
        for k in self.FIELDS:
            v = state.get(k)
            setattr(self, k, v if v is not None and len(v) else None)
        self.prior_checks = [(int(a), float(b)) for a, b in state.get("prior_checks", [])]
        stopped = int(state.get("prior_stopped", -1))
        self.prior_stopped = None if stopped < 0 else stopped


class PGAN(GAN):
    name = "pgan"
    description = "GAN + generator reversal + secondary GAN learning the data-induced prior (Kilcher et al.)"
    defaults = {
        **GAN.defaults,
        "reversal_steps": 1000,  # gradient steps of Algorithm 1 at most (each code stops at reversal_tol)
        "reversal_lr": 0.05,
        "reversal_init_std": 1e-4,
        "reversal_tol": 1e-4,  # a code has converged when its loss fell by less than this fraction...
        "reversal_window": 100,  # ...over this many steps
        "reversal_optimizer": "sgd",  # sgd (the paper's gradient descent) | adam
        "reversal_batch": 1024,  # chunk size: bounds memory only, the codes do not depend on it
        "reversal_max_n": 0,  # reverse at most this many training points, a seeded subset (0: all, the paper)
        "prior_hidden": 256,  # width of the secondary GAN's hidden layers
        "prior_lr": 3e-4,  # secondary GAN: RMSProp step size
        "prior_batch": 100,  # secondary GAN: mini-batch size
        "prior_check_every": 100,  # secondary GAN: steps between convergence checks
        "prior_window": 10,  # secondary GAN: checks averaged on each side of the stopping test
        "prior_min_improvement": 0.01,  # secondary GAN: relative drop of the windowed mean that counts
        "continue_fraction": 0.1,  # share of the generator's budget spent on z = h(z')
    }

    def __init__(self, config):
        super().__init__(config)
        if self.hp["reversal_max_n"] < 0:
            raise ValueError(
                f"pgan: reversal_max_n must be ≥ 0 (0: every training point), got {self.hp['reversal_max_n']!r}"
            )
        if not 0 < self.hp["continue_fraction"] < 1:
            raise ValueError(f"pgan: continue_fraction must lie in (0, 1), got {self.hp['continue_fraction']!r}")
        self.use_h = False

    def _build(self):
        from lpbench import nets

        super()._build()
        d, w = self.latent_dim, self.hp["prior_hidden"]
        # "Four layers of fully connected units in both the generator and discriminator" (App. E)
        self.H = nets.mlp([d, w, w, w, d], "relu")
        self.DH = nets.mlp([d, w, w, w, 1], "lrelu")
        self.reversed = _Codes()

    def modules(self):
        return {**super().modules(), "prior_generator": self.H, "prior_discriminator": self.DH}

    def noise(self, n, generator=None):
        import torch

        if not self.use_h:
            return self.base_prior(n, generator)
        zp = torch.randn(n, self.latent_dim, generator=generator).to(self.device)
        with torch.no_grad():
            return self.H(zp)

    def stages(self, n_train: int, budget, total: int):
        t_cont = max(1, round(self.hp["continue_fraction"] * total)) if total > 1 else 0
        aux = budget.aux_steps(n_train, self.hp["prior_batch"])
        return total - t_cont, aux, total

    def fit(self, data, budget, ctx):
        import torch

        self.to(ctx.device)
        t1, aux, total = self.stages(len(data), budget, ctx.total_steps)
        ctx.total_steps = total + aux
        opt_g = self._optimizer(self.G.parameters())
        opt_d = self._optimizer(self.D.parameters())
        opt_h = torch.optim.RMSprop(self.H.parameters(), lr=self.hp["prior_lr"])
        opt_dh = torch.optim.RMSprop(self.DH.parameters(), lr=self.hp["prior_lr"])
        scheds = self.schedulers(opt_g, opt_d, total, ctx)  # G's schedule spans both of its stages
        start = ctx.track(
            generator=self.G,
            discriminator=self.D,
            opt_g=opt_g,
            opt_d=opt_d,
            prior_generator=self.H,
            prior_discriminator=self.DH,
            opt_h=opt_h,
            opt_dh=opt_dh,
            reversed_codes=self.reversed,
            lr_g=scheds["g"],
            lr_d=scheds["d"],
        )
        self.use_h = False
        if start < t1:
            self.train_gan(data, budget, ctx, opt_g, opt_d, start, t1, scheds=scheds)
        if self.reversed.codes is None:
            self.reverse_training_set(data, ctx)
            ctx.checkpoint(t1)  # the reversal is costly: never redo it on resume
        if self.reversed.prior_stopped is None:
            if start < t1 + aux:
                self.train_prior(ctx, opt_h, opt_dh, max(start, t1) - t1, aux, t1)
                ctx.checkpoint(t1 + aux)  # the secondary GAN is done (converged or out of steps)
            else:  # resumed from the checkpoint its last step wrote: it ran out of steps
                self.reversed.prior_stopped = aux
        self.use_h = True
        self.train_gan(data, budget, ctx, opt_g, opt_d, max(start - aux, t1), total, offset=aux, scheds=scheds)
        self.G.eval(), self.D.eval(), self.H.eval(), self.DH.eval()
        ctx.notes["pgan"] = self.summary(aux, ctx.seed)

    def decode_noise(self, u):
        """G(h(z′)): what pgan samples from; the pag metric reverses it into z′ (pag_learned)."""
        return self.G(self.H(u.to(self.device)))

    def _probe(self, n, seed):
        """Fixed z′ for the secondary GAN's checks and summary (its own seeded stream)."""
        import torch

        return torch.randn(n, self.latent_dim, generator=torch.Generator().manual_seed(seed * 1_000_003 + 29))

    def summary(self, aux, seed) -> dict:
        """What run.json records of pgan's stages: the reversal's error and convergence, the
        secondary GAN's steps and convergence, and the spread it should match — the principal
        standard deviations (√ of the covariance's eigenvalues, largest first) of h(z′) against
        those of the reversed training codes."""
        import torch

        r = self.reversed
        if r.codes is None:
            return {}
        with torch.no_grad():
            h = self.H(self._probe(len(r.codes), seed).to(self.device)).cpu()
        checks = r.prior_checks
        return {
            "reversal": {
                "n": len(r.codes),
                "mean_mse": float(r.errors.mean()),
                "converged_fraction": float(r.converged.float().mean()) if r.converged is not None else None,
                "mean_steps": float(r.steps.float().mean()) if r.steps is not None else None,
            },
            "secondary_gan": {
                "steps": r.prior_stopped,
                "allowance": int(aux),
                "converged": bool(r.prior_stopped is not None and r.prior_stopped < aux),
                "criterion": (
                    f"Fréchet distance h(z′) vs reversed codes, checked every "
                    f"{self.hp['prior_check_every']} steps: stop when its mean over the last "
                    f"{self.hp['prior_window']} checks is not {self.hp['prior_min_improvement']:.0%} "
                    f"below its mean over the {self.hp['prior_window']} before"
                ),
                "final_frechet": checks[-1][1] if checks else None,
                "checks": [list(c) for c in checks],
            },
            "spread": {"h_principal_std": principal_stds(h), "codes_principal_std": principal_stds(r.codes)},
        }

    def reverse_training_set(self, data, ctx):
        """Algorithm 1 on every training point (or a seeded subset of ``reversal_max_n``), batched;
        errors are kept for inspection."""
        import torch

        from lpbench import reverse

        x = data.as_float(data.x)
        cap = int(self.hp["reversal_max_n"])
        if 0 < cap < len(x):
            pick = torch.randperm(len(x), generator=torch.Generator().manual_seed(ctx.seed * 1_000_003 + 19))[:cap]
            x = x[pick.to(x.device)]
        self.G.eval()
        for p in self.G.parameters():
            p.requires_grad_(False)
        try:
            rev = reverse(
                self.G,
                x,
                self.latent_dim,
                steps=self.hp["reversal_steps"],
                lr=self.hp["reversal_lr"],
                init_std=self.hp["reversal_init_std"],
                tol=self.hp["reversal_tol"],
                window=self.hp["reversal_window"],
                batch_size=self.hp["reversal_batch"],
                optimizer=self.hp["reversal_optimizer"],
                generator=torch.Generator().manual_seed(ctx.seed * 1_000_003 + 17),
            )
        finally:
            for p in self.G.parameters():
                p.requires_grad_(True)
        r = self.reversed
        r.codes, r.errors, r.steps, r.converged = rev.codes, rev.errors, rev.steps, rev.converged
        ctx.logger.info(
            "pgan: reversed %d training points, mean reconstruction error %.4g, %.0f%% converged",
            len(r.codes),
            float(r.errors.mean()),
            100 * float(r.converged.float().mean()),
        )

    def train_prior(self, ctx, opt_h, opt_dh, start, stop, offset):
        """The secondary (non-saturating) GAN: h(z') against the reversed codes, until converged
        (see the module docstring) or out of its ``stop`` steps."""
        import torch
        import torch.nn.functional as F

        from lpbench import DataSplit

        codes = DataSplit(self.reversed.codes.to(self.device), None, "points", "codes", "train")
        batches = codes.batches(self.hp["prior_batch"], ctx.seed, start)
        probe = self._probe(len(self.reversed.codes), ctx.seed)
        every = int(self.hp["prior_check_every"])
        self.H.train(), self.DH.train()
        for step in range(start, stop):
            if step and step % every == 0 and self._converged(step, probe):
                self.reversed.prior_stopped = step
                break
            real = next(batches)
            zp = torch.randn(len(real), self.latent_dim, device=self.device)
            fake = self.H(zp)
            d_loss = F.softplus(-self.DH(real)).mean() + F.softplus(self.DH(fake.detach())).mean()
            opt_dh.zero_grad(set_to_none=True)
            d_loss.backward()
            opt_dh.step()
            g_loss = F.softplus(-self.DH(fake)).mean()
            opt_h.zero_grad(set_to_none=True)
            g_loss.backward()
            opt_h.step()
            ctx.end_step(step + offset, prior_d_loss=d_loss, prior_g_loss=g_loss)
        else:
            self.reversed.prior_stopped = stop
        self.H.eval(), self.DH.eval()

    def _converged(self, step, probe) -> bool:
        """Record the Fréchet distance between Gaussian fits to h(probe) and to the reversed codes;
        True when it has ``stalled`` over the recorded checks."""
        import torch

        from lpbench import latent

        self.H.eval()
        with torch.no_grad():
            fd = latent.frechet_distance(self.H(probe.to(self.device)).cpu(), self.reversed.codes)
        self.H.train()
        self.reversed.prior_checks.append((step, fd))
        values = [v for _, v in self.reversed.prior_checks]
        return stalled(values, int(self.hp["prior_window"]), float(self.hp["prior_min_improvement"]))

    def state_dict(self):
        return {**super().state_dict(), "reversed_codes": self.reversed.state_dict()}

    def load_state_dict(self, state):
        super().load_state_dict(state)
        self.reversed.load_state_dict(state["reversed_codes"])
        self.use_h = True


def stalled(values, window: int, min_improvement: float) -> bool:
    """True when the mean of the last ``window`` values is not ``min_improvement`` (relative) below
    the mean of the ``window`` values before them. Means over windows, not the best single check:
    the secondary GAN's Fréchet distance swings by ±2 from check to check while its trend falls by
    ≈ 0.2 per check (studies/learned_prior_pag, the runs' check curves), so a "no new best in 5
    checks" test stopped 9 of 10 runs at a swing (Fréchet 6–11) while one that went on reached 0.2.
    Windows of 5 checks still stopped 2 of 4 runs on a plateau (Fréchet 7–8 at checks 16 and 20)
    that the runs which went on crossed (one sat at 5–6 for checks 17–27, then fell to 0.2); windows
    of 10 fire on none of the 14 recorded curves before they flatten out."""
    if len(values) < 2 * window:
        return False
    recent = sum(values[-window:]) / window
    before = sum(values[-2 * window : -window]) / window
    return recent > (1 - min_improvement) * before


def principal_stds(z) -> list:
    """Standard deviations of codes z [N, d] along their principal axes, largest first."""
    import numpy as np

    z = np.asarray(z.detach().cpu() if hasattr(z, "detach") else z, dtype=np.float64)
    ev = np.linalg.eigvalsh(np.cov(z, rowvar=False).reshape(z.shape[1], z.shape[1]))
    return [float(np.sqrt(max(v, 0.0))) for v in ev[::-1]]
