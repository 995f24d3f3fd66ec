"""``code_gan``: PGAN's secondary GAN (Kilcher et al., §3 and App. E) as an ex-post prior — a
generator h: z' → z, z' ~ N(0, I), trained adversarially against the training codes. (The pgan
model trains its own secondary GAN as part of its run; this prior fits one on any model's codes.)"""

from lpbench import Prior


class CodeGANPrior(Prior):
    """PGAN's secondary GAN (Kilcher et al., §3 and App. E) as an ex-post prior: a generator
    h: z' → z, z' ~ N(0, I), trained adversarially against the training codes. Both nets are 4
    fully connected layers; non-saturating GAN loss; RMSProp."""

    name = "code_gan"
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
