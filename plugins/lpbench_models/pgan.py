"""PGAN (Kilcher et al., "Flexible prior distributions for deep generative models", §3-4.4):
train a GAN, reverse the training set through its generator (Algorithm 1, the same
``lpbench.reverse`` the pag metric uses), fit a secondary MLP GAN h: z' → z to the reversed codes,
then continue training the GAN for a few steps on z = h(z'), and sample G(h(z')).

Budget (one global step counter, so checkpoints resume in any stage):
  steps [0, T1)          the GAN, T1 = T − T_c, T = budget.steps(n_train) generator steps
  reversal at T1         not a step; its codes are part of the checkpointed state
  steps [T1, T1 + A)     the secondary GAN, A = budget.aux_steps(n_train, prior_batch)
  steps [T1 + A, T + A)  the GAN continued on h(z'), T_c = round(continue_fraction · T)
The generator thus gets exactly as many updates as the plain ``gan``; the secondary GAN is the
auxiliary stage the budget's ``aux_epochs`` pays for.
"""
from __future__ import annotations

from .gan import GAN


class _Codes:
    """The reversed training codes and their per-sample errors, tracked like a module."""

    def __init__(self):
        self.codes = None
        self.errors = None

    def state_dict(self):
        import torch

        empty = torch.zeros(0)
        return {"codes": self.codes if self.codes is not None else empty,
                "errors": self.errors if self.errors is not None else empty}

    def load_state_dict(self, state):
        self.codes = state["codes"] if len(state["codes"]) else None
        self.errors = state["errors"] if len(state["errors"]) else None


class PGAN(GAN):
    name = "pgan"
    description = "GAN + generator reversal + secondary GAN learning the data-induced prior (Kilcher et al.)"
    defaults = {
        **GAN.defaults,
        "reversal_steps": 1000,  # gradient steps of Algorithm 1
        "reversal_lr": 0.05,
        "reversal_init_std": 1e-4,
        "reversal_optimizer": "sgd",  # sgd (the paper's gradient descent) | adam
        "reversal_batch": 1024,  # chunk size: bounds memory only, the codes do not depend on it
        "prior_hidden": 256,  # width of the secondary GAN's hidden layers
        "prior_lr": 3e-4,  # secondary GAN: RMSProp step size
        "prior_batch": 100,  # secondary GAN: mini-batch size
        "continue_fraction": 0.1,  # share of the generator's budget spent on z = h(z')
    }

    def __init__(self, config):
        super().__init__(config)
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
        start = ctx.track(generator=self.G, discriminator=self.D, opt_g=opt_g, opt_d=opt_d,
                          prior_generator=self.H, prior_discriminator=self.DH, opt_h=opt_h, opt_dh=opt_dh,
                          reversed_codes=self.reversed, lr_g=scheds["g"], lr_d=scheds["d"])
        self.use_h = False
        if start < t1:
            self.train_gan(data, budget, ctx, opt_g, opt_d, start, t1, scheds=scheds)
        if self.reversed.codes is None:
            self.reverse_training_set(data, ctx)
            ctx.checkpoint(t1)  # the reversal is costly: never redo it on resume
        if start < t1 + aux:
            self.train_prior(ctx, opt_h, opt_dh, max(start, t1) - t1, aux, t1)
        self.use_h = True
        self.train_gan(data, budget, ctx, opt_g, opt_d, max(start - aux, t1), total, offset=aux, scheds=scheds)
        self.G.eval(), self.D.eval(), self.H.eval(), self.DH.eval()

    def reverse_training_set(self, data, ctx):
        """Algorithm 1 on every training point, batched; errors are kept for inspection."""
        import torch
        from lpbench import reverse

        self.G.eval()
        for p in self.G.parameters():
            p.requires_grad_(False)
        try:
            codes, errors = reverse(
                self.G, data.as_float(data.x), self.latent_dim, steps=self.hp["reversal_steps"],
                lr=self.hp["reversal_lr"], init_std=self.hp["reversal_init_std"],
                batch_size=self.hp["reversal_batch"], optimizer=self.hp["reversal_optimizer"],
                generator=torch.Generator().manual_seed(ctx.seed * 1_000_003 + 17),
            )
        finally:
            for p in self.G.parameters():
                p.requires_grad_(True)
        self.reversed.codes, self.reversed.errors = codes, errors
        ctx.logger.info("pgan: reversed %d training points, mean reconstruction error %.4g",
                        len(codes), float(errors.mean()))

    def train_prior(self, ctx, opt_h, opt_dh, start, stop, offset):
        """The secondary (non-saturating) GAN: h(z') against the reversed codes."""
        import torch
        import torch.nn.functional as F
        from lpbench import DataSplit

        codes = DataSplit(self.reversed.codes.to(self.device), None, "points", "codes", "train")
        batches = codes.batches(self.hp["prior_batch"], ctx.seed, start)
        self.H.train(), self.DH.train()
        for step in range(start, stop):
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
        self.H.eval(), self.DH.eval()

    def state_dict(self):
        return {**super().state_dict(), "reversed_codes": self.reversed.state_dict()}

    def load_state_dict(self, state):
        super().load_state_dict(state)
        self.reversed.load_state_dict(state["reversed_codes"])
        self.use_h = True
