"""Shared machinery of the autoencoder family: nets from the standardized architecture, the
training loop's bookkeeping (resume, curves, checkpoints) and the latent capabilities.

A subclass declares its extra networks and optimizers and one ``train_step``; everything a run
needs to be resumable lives in what ``tracked()`` returns. No torch at module level: this module is
imported while plugins register.
"""

from lpbench import Model

# Settings every autoencoder has (registry.yaml names each model's values and their sources):
# its learning-rate schedule, and how its paper shapes the dataset's budget — the GLF paper trains
# its baselines at their own batch sizes and epoch counts (App. B.2-B.4).
FAMILY_DEFAULTS = {
    "lr_schedule": {"type": "none"},  # lpbench.schedules: none | step | multistep, in fractions of the steps
    "batch_size": 0,  # 0: the budget's batch size
    "epochs_scale": 1.0,  # × the budget's epochs
    "aux_epochs_scale": 1.0,  # × the budget's aux_epochs (a second stage)
}


class Autoencoder(Model):
    family = "autoencoder"
    # True: the encoder outputs (mean, log-variance) of a Gaussian posterior and ``encode`` returns
    # the means; False: a deterministic encoder.
    stochastic_encoder = False

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        cls.defaults = {**FAMILY_DEFAULTS, **cls.defaults}

    def __init__(self, config):
        super().__init__(config)
        from lpbench import nets

        c = config
        out = (2 if self.stochastic_encoder else 1) * c.latent_dim
        self.enc = nets.encoder(c.architecture, c.data_shape, out)
        self.dec = nets.decoder(c.architecture, c.latent_dim, c.data_shape)
        self.device = "cpu"
        self.build()

    # ------------------------------------------------------------------ what subclasses define

    def build(self):
        """Create the model's other networks (adversary, flow, second stage)."""

    def networks(self) -> dict:
        """name → nn.Module: everything saved for sampling and moved to the device."""
        return {"encoder": self.enc, "decoder": self.dec}

    def make_optimizers(self) -> dict:  # pragma: no cover - abstract
        raise NotImplementedError

    def train_step(self, x, opts: dict) -> dict:  # pragma: no cover - abstract
        """One optimizer step on batch x; returns {curve name: scalar tensor} (no host sync)."""
        raise NotImplementedError

    def extra_state(self) -> dict:
        """Non-module state saved with the model (an ex-post prior's parameters)."""
        return {}

    def load_extra_state(self, state: dict) -> None:
        pass

    # --------------------------------------------------------------------------- training

    def train_budget(self, budget):
        from dataclasses import replace

        hp = self.hp
        return replace(
            budget,
            batch_size=int(hp["batch_size"]) or budget.batch_size,
            epochs=budget.epochs * hp["epochs_scale"],
            aux_epochs=budget.aux_epochs * hp["aux_epochs_scale"],
        )

    def fit(self, data, budget, ctx):
        from lpbench import schedule_optimizers

        self.to(ctx.device)
        opts = self.make_optimizers()
        scheds = schedule_optimizers(opts, {k: self.hp["lr_schedule"] for k in opts}, ctx.total_steps, ctx.notes)
        start = ctx.track(
            **self.networks(), **{f"opt_{k}": o for k, o in opts.items()}, **{f"lr_{k}": s for k, s in scheds.items()}
        )
        self.train(True)
        batches = data.batches(budget.batch_size, ctx.seed, start)
        for step in range(start, ctx.total_steps):
            values = self.train_step(next(batches), opts)
            for s in scheds.values():
                s.step()
            ctx.end_step(step, **values)
        self.train(False)
        self.after_training(data, budget, ctx)

    def after_training(self, data, budget, ctx) -> None:
        """Ex-post stage (e.g. fitting a GMM prior on the training codes)."""

    # -------------------------------------------------------------------------- utilities

    def train(self, mode: bool = True):
        for net in self.networks().values():
            net.train(mode)

    def to(self, device):
        self.device = device
        for net in self.networks().values():
            net.to(device)
        return self

    def posterior(self, x):
        """(mean, log-variance) of q(z|x) for a stochastic encoder."""
        mu, logvar = self.enc(x).chunk(2, dim=1)
        return mu, logvar

    def encode_all(self, data, batch_size: int = 512):
        """Deterministic codes of a whole split (eval mode, no grad), on the model's device."""
        import torch

        was = self.enc.training
        self.enc.eval()
        with torch.no_grad():
            out = torch.cat(
                [
                    self.encode(data.batch(torch.arange(i, min(i + batch_size, len(data)))))
                    for i in range(0, len(data), batch_size)
                ]
            )
        self.enc.train(was)
        return out

    # ------------------------------------------------------------------------ capabilities

    def encode(self, x):
        """Deterministic codes: the encoder's output, or the posterior means."""
        h = self.enc(x.to(self.device))
        return h.chunk(2, dim=1)[0] if self.stochastic_encoder else h

    def decode(self, z):
        return self.dec(z.to(self.device))

    def sample_prior(self, n, generator):
        import torch

        return self.prior_sigma * torch.randn(n, self.latent_dim, generator=generator)

    def sample(self, n, generator):
        return self.decode(self.sample_prior(n, generator)).cpu()

    def state_dict(self):
        state = {k: net.state_dict() for k, net in self.networks().items()}
        extra = self.extra_state()
        if extra:
            state["prior"] = extra
        return state

    def load_state_dict(self, state):
        for k, net in self.networks().items():
            net.load_state_dict(state[k])
        if "prior" in state:
            self.load_extra_state(state["prior"])
        self.train(False)


def gaussian_kl(mu, logvar):
    """KL(N(mu, diag e^logvar) ‖ N(0, I)) summed over dims, averaged over the batch."""
    return 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum() / len(mu)


def squared_error(out, x):
    """Per-example sum of squared errors, averaged over the batch."""
    return (out - x).pow(2).sum() / len(x)
