"""One completed model run, loaded once for the prior axis: the trained model on its device, its
data splits, the metrics that score its samples, and decoding codes into samples. The codes
(codes.py), the ceiling (ceiling.py) and every prior (prior_run.py) work from it."""

from __future__ import annotations

from pathlib import Path

from ..errors import LpbenchError


class ModelRun:
    def __init__(self, folder, opts, registry, plugins, persist_codes: bool = True):
        from ..runner import load_model, resolve_device

        self.folder = Path(folder)
        self.opts, self.registry, self.plugins = opts, registry, plugins
        self.model, self.rec = load_model(folder, registry, plugins)
        self.model.name = self.rec["model"]
        self.device = resolve_device(opts.device)
        if hasattr(self.model, "to"):
            self.model.to(self.device)
        self.seed = int(self.rec["seed"])
        self.resolved = registry.resolve(
            self.rec["model"], self.rec["dataset"], self.rec["budget"], plugins, getattr(opts, "overrides", None)
        )
        self.budget = self.resolved.budget
        self.kind = plugins.get("dataset", self.rec["dataset"]).kind
        self._codes: dict | None = None
        # saved only when priors will use them: the ceiling alone re-encodes cheaply and leaves
        # the model's folder as the run left it (plus run.json fields)
        self.persist_codes = persist_codes

    # -------------------------------------------------------------------------- capabilities

    def can_reconstruct(self) -> bool:
        """Autoencoders: the ceiling needs nothing but one encode/decode pass."""
        return self.model.has("encode") and self.model.has("decode")

    def need_decoder(self) -> None:
        if not self.model.has("decode"):
            raise LpbenchError(
                f"model '{self.rec['model']}' has no decode(z): a latent prior cannot be decoded into samples"
            )

    # ---------------------------------------------------------------------------------- data

    def split(self, split):
        from ..runner import load_split

        return load_split(self.plugins, self.resolved, split, self.seed, self.opts.data_root)

    def reference(self):
        return self.split(self.resolved.evaluation["reference_split"])

    def n_eval(self) -> int:
        return min(self.budget.eval_samples, len(self.reference()))

    def codes(self) -> dict:
        """The training and held-out codes (codes.py), computed or read once per process."""
        if self._codes is None:
            from .codes import load_or_compute

            self._codes = load_or_compute(self)
        return self._codes

    def decode(self, z, chunk: int = 512):
        import torch

        xs = []
        with torch.no_grad():
            for i in range(0, len(z), chunk):
                xs.append(self.model.decode(z[i : i + chunk].to(self.device)).detach().float().cpu())
        x = torch.cat(xs)
        if self.kind == "image":
            x = x.clamp(0, 1)  # float rounding of a sigmoid can step past 1 by an ulp
        return x

    # ------------------------------------------------------------------------------- scoring

    def metrics(self) -> dict:
        """The dataset's (or --metrics) metrics that score samples; those needing the model (PAG
        on generator reversal) describe the model, not a prior's samples, and are left out."""
        from ..evaluation import build_metrics

        names = self.opts.metrics or self.resolved.evaluation["metrics"]
        return build_metrics(self.plugins, names, self.resolved.metric_settings, explicit=False)[0]

    def evaluate(self, metrics, samples, out_dir):
        from ..evaluation import score_samples

        return score_samples(
            self.plugins,
            samples,
            metrics,
            dataset=self.rec["dataset"],
            seed=self.seed,
            evaluation=self.resolved.evaluation,
            data_settings=self.resolved.data_settings,
            data_root=self.opts.data_root,
            reference_data=self.reference(),
            extractor_options=getattr(self.opts, "extractor_options", None),
            device=self.device,
            out_dir=out_dir,
        )

    def higher_is_better(self, provenance) -> dict:
        """Value name → higher is better, through the metric that produced each value."""
        by_metric = {n: e.cls.higher_is_better for n, e in self.plugins.all("metric").items()}
        return {k: by_metric.get(p.get("metric", k), False) for k, p in (provenance or {}).items()}

    def latent(self, z) -> dict:
        """Agreement of prior samples ``z`` with the held-out codes (lpbench.latent)."""
        from ..latent import agreement

        return agreement(
            self.codes()["heldout"], z.detach().float().cpu(), sigma=self.model.prior_sigma, seed=self.seed
        )
