"""Two-stage VAE (Dai & Wipf 2019): a first VAE with a Gaussian decoder N(x̂, γ²I) whose γ is
learned (a standard deviation, log-parameterized and initialized at 1, as in the authors' code
daib13/TwoStageVAE), then a second VAE (also with learned γ) on the first stage's codes; samples
are u ~ N(0, I) → z = second decoder(u) + γ_z·ε → first decoder's mean.

Both stages share one step counter (stage 1: the budget's steps, stage 2: its aux steps over the
training codes), so a run killed in either stage resumes where it was."""

from .autoencoder import Autoencoder, gaussian_kl


class TwoStageVAE(Autoencoder):
    name = "two_stage_vae"
    description = "Two-stage VAE: VAE with learned decoder variance γ + a second VAE on its latents"
    stochastic_encoder = True
    defaults = {
        "lr": 1e-4,
        "second_lr": 1e-4,
        "second_hidden": 1024,
        "second_depth": 3,
        "second_lr_schedule": {"type": "none"},  # over the second stage's (aux) steps
    }

    def build(self):
        import torch
        from torch import nn

        from .priors.two_stage import TwoStagePrior

        self.gamma = nn.ParameterDict({"log_gamma": nn.Parameter(torch.zeros(()))})
        second = {"hidden": self.hp["second_hidden"], "depth": self.hp["second_depth"]}
        self.second = TwoStagePrior(self.latent_dim, second).build()
        self._codes = None

    def networks(self):
        return {**super().networks(), "gamma": self.gamma, "second": self.second.net}

    def make_optimizers(self):
        import torch

        first = [*self.enc.parameters(), *self.dec.parameters(), *self.gamma.parameters()]
        return {
            "first": torch.optim.Adam(first, lr=self.hp["lr"]),
            "second": torch.optim.Adam(self.second.net.parameters(), lr=self.hp["second_lr"]),
        }

    def first_loss(self, x):
        import math

        import torch

        mu, logvar = self.posterior(x)
        z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
        lg = self.gamma["log_gamma"]
        d = x[0].numel()
        sse = (self.dec(z) - x).pow(2).sum() / len(x)
        rec = sse / (2 * (2 * lg).exp()) + d * (lg + 0.5 * math.log(2 * math.pi))
        kl = gaussian_kl(mu, logvar)
        return rec + kl, rec, kl, sse

    def train_step(self, x, opts):
        loss, rec, kl, sse = self.first_loss(x)
        opts["first"].zero_grad(set_to_none=True)
        loss.backward()
        opts["first"].step()
        return {
            "loss": loss,
            "rec": rec,
            "kl": kl,
            "sse": sse.detach(),
            "gamma": self.gamma["log_gamma"].detach().exp(),
        }

    def fit(self, data, budget, ctx):
        from lpbench import DataSplit, schedule_optimizers

        n1 = ctx.total_steps
        n2 = budget.aux_steps(len(data))
        ctx.total_steps = n1 + n2
        self.to(ctx.device)
        opts = self.make_optimizers()
        scheds = {
            **schedule_optimizers({"first": opts["first"]}, {"first": self.hp["lr_schedule"]}, n1, ctx.notes),
            **schedule_optimizers({"second": opts["second"]}, {"second": self.hp["second_lr_schedule"]}, n2, ctx.notes),
        }
        start = ctx.track(
            **self.networks(), **{f"opt_{k}": o for k, o in opts.items()}, **{f"lr_{k}": s for k, s in scheds.items()}
        )
        self.train(True)
        batches = data.batches(budget.batch_size, ctx.seed, start) if start < n1 else None
        codes = None
        for step in range(start, n1 + n2):
            if step < n1:
                values = self.train_step(next(batches), opts)
                scheds["first"].step()
                ctx.end_step(step, **values)
                continue
            if codes is None:
                # The codes the second stage models: q(z|x) of the trained first stage, stored as
                # (mean, log-variance) and freshly sampled each step (deterministic given the weights).
                self.train(False)
                codes = DataSplit(self._posteriors(data), None, "points", data.dataset, "codes")
                self.second.net.train()
                code_batches = codes.batches(budget.batch_size, ctx.seed + 1, step - n1)
            values = self.second_step(next(code_batches), opts)
            scheds["second"].step()
            ctx.end_step(step, **values)
        self.train(False)

    def _posteriors(self, data, batch_size: int = 512):
        import torch

        with torch.no_grad():
            return torch.cat(
                [
                    torch.cat(self.posterior(data.batch(torch.arange(i, min(i + batch_size, len(data))))), 1)
                    for i in range(0, len(data), batch_size)
                ]
            )

    def second_step(self, stats, opts):
        import torch

        mu, logvar = stats.chunk(2, dim=1)
        z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
        loss, rec, kl, sse = self.second.loss(z)
        opts["second"].zero_grad(set_to_none=True)
        loss.backward()
        opts["second"].step()
        return {
            "loss2": loss,
            "rec2": rec,
            "kl2": kl,
            "sse2": sse.detach(),
            "gamma2": self.second.net.log_gamma.detach().exp(),
        }

    def sample_prior(self, n, generator):
        return self.second.sample(n, generator)
