"""VAE (Kingma & Welling 2014): Gaussian posterior, reparameterization, ELBO."""
from lpbench import Model


class VAE(Model):
    name = "vae"
    family = "autoencoder"
    description = "Variational autoencoder: Gaussian posterior q(z|x), N(0, I) prior, ELBO"
    defaults = {
        "lr": 1e-3,  # Adam learning rate; registry.yaml names the source
        "beta": 1.0,  # weight of the KL term (1 = the ELBO)
        "likelihood": "bernoulli",  # decoder likelihood: bernoulli | gaussian
        "decoder_sigma": 1.0,  # σ of a gaussian likelihood (ignored for bernoulli)
    }

    def __init__(self, config):
        super().__init__(config)
        if self.hp["likelihood"] not in ("bernoulli", "gaussian"):
            raise ValueError(f"vae: likelihood must be 'bernoulli' or 'gaussian', not {self.hp['likelihood']!r}")
        self._build()

    def _build(self):
        from lpbench import nets

        c = self.config
        self.enc = nets.encoder(c.architecture, c.data_shape, 2 * c.latent_dim)
        self.dec = nets.decoder(c.architecture, c.latent_dim, c.data_shape)
        self.device = "cpu"

    # -- training
    def loss(self, x):
        """Negative ELBO per example (averaged over the batch) and its two terms."""
        import torch
        import torch.nn.functional as F

        mu, logvar = self.enc(x).chunk(2, dim=1)
        z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
        if self.hp["likelihood"] == "bernoulli" and self.config.data_kind == "image":
            logits = self.dec.logits(z)
            rec = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / len(x)
        else:
            out = self.dec(z)
            rec = ((out - x) ** 2).sum() / (2 * self.hp["decoder_sigma"] ** 2 * len(x))
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum() / len(x)
        return rec + self.hp["beta"] * kl, rec, kl

    def fit(self, data, budget, ctx):
        import torch

        self.to(ctx.device)
        opt = torch.optim.Adam([*self.enc.parameters(), *self.dec.parameters()], lr=self.hp["lr"])
        start = ctx.track(encoder=self.enc, decoder=self.dec, optimizer=opt)
        self.enc.train(), self.dec.train()
        batches = data.batches(budget.batch_size, ctx.seed, start)
        for step in range(start, ctx.total_steps):
            loss, rec, kl = self.loss(next(batches))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            ctx.end_step(step, loss=loss, rec=rec, kl=kl)
        self.enc.eval(), self.dec.eval()

    # -- capabilities
    def to(self, device):
        self.device = device
        self.enc.to(device), self.dec.to(device)
        return self

    def encode(self, x):
        """Posterior means."""
        return self.enc(x.to(self.device)).chunk(2, dim=1)[0]

    def decode(self, z):
        return self.dec(z.to(self.device))

    def sample_prior(self, n, generator):
        import torch

        return torch.randn(n, self.latent_dim, generator=generator)

    def sample(self, n, generator):
        return self.decode(self.sample_prior(n, generator)).cpu()

    def state_dict(self):
        return {"encoder": self.enc.state_dict(), "decoder": self.dec.state_dict()}

    def load_state_dict(self, state):
        self.enc.load_state_dict(state["encoder"])
        self.dec.load_state_dict(state["decoder"])
        self.enc.eval(), self.dec.eval()
