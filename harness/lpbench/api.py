"""Base classes plugin authors subclass. No torch import at module level: listing stays instant."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:  # context.py imports this module; the names are for annotations only
    from .context import PriorContext, RunContext


class _Plugin:
    """Common metadata of everything a plugin registers."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    # Hyperparameters/settings with their default values; registry.yaml may override any of
    # them and may not introduce others (a typo there is an error, not a silent no-op).
    defaults: ClassVar[dict] = {}


# ----------------------------------------------------------------------------------- datasets


@dataclass
class DataSplit:
    """One split of a dataset held in memory.

    Images: x is uint8 [N, C, H, W]; points: x is float32 [N, D]. y holds integer labels or None.
    Move it to the device once (``to``) and draw batches from there.
    """

    x: Any
    y: Any = None
    kind: str = "image"  # "image" | "points"
    dataset: str = ""
    split: str = ""

    def __len__(self) -> int:
        return int(self.x.shape[0])

    @property
    def item_shape(self) -> tuple:
        return tuple(self.x.shape[1:])

    def to(self, device) -> DataSplit:
        y = None if self.y is None else self.y.to(device)
        return DataSplit(self.x.to(device), y, self.kind, self.dataset, self.split)

    def as_float(self, x):
        """uint8 images → float in [0, 1]; points pass through as float32."""
        return x.float().div_(255.0) if self.kind == "image" else x.float()

    def batch(self, idx):
        return self.as_float(self.x[idx])

    def batch_indices(self, batch_size: int, seed: int, start: int = 0) -> Iterator:
        """Endless index batches: epoch e is a permutation drawn from (seed, e), and step k is
        always the same batch, so a run resumed at step k sees exactly what it would have."""
        import torch

        n = len(self)
        batch_size = min(batch_size, n)
        per_epoch = n // batch_size
        epoch, offset = divmod(start, per_epoch)
        while True:
            g = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
            perm = torch.randperm(n, generator=g).to(self.x.device)
            for i in range(offset, per_epoch):
                yield perm[i * batch_size : (i + 1) * batch_size]
            epoch, offset = epoch + 1, 0

    def batches(self, batch_size: int, seed: int, start: int = 0) -> Iterator:
        """Endless shuffled float batches (see ``batch_indices``)."""
        for idx in self.batch_indices(batch_size, seed, start):
            yield self.batch(idx)

    def labelled_batches(self, batch_size: int, seed: int, start: int = 0) -> Iterator:
        """Like ``batches`` but yields (x, y); y is None for unlabelled data."""
        for idx in self.batch_indices(batch_size, seed, start):
            yield self.batch(idx), (None if self.y is None else self.y[idx])


class Dataset(_Plugin):
    """A dataset plugin. ``settings`` are the registry's ``data`` entry merged over ``defaults``."""

    kind: ClassVar[str] = "image"
    shape: ClassVar[tuple] = ()  # per-item shape: (C, H, W) for images, (D,) for points
    num_classes: ClassVar[int | None] = None  # number of label classes, None if unlabelled
    # True when the data are drawn from the run's seed (synthetic mixtures): reference features
    # are then cached per seed.
    seeded: ClassVar[bool] = False

    def __init__(self, settings: dict | None = None, data_root=None):
        self.settings = {**self.defaults, **(settings or {})}
        self.data_root = data_root

    def load(self, split: str, seed: int = 0) -> DataSplit:  # pragma: no cover - abstract
        """Return the split ("train" or "test") as a DataSplit on the CPU."""
        raise NotImplementedError


# ------------------------------------------------------------------------------------ budgets


PRECISIONS = ("fp32", "bf16")


@dataclass(frozen=True)
class Budget:
    """How much training every model on a dataset gets.

    Counted in epochs of the main network (autoencoder or generator) over the training split;
    auxiliary stages (a second-stage VAE, PGAN's secondary GAN, an ex-post flow) get
    ``aux_epochs`` passes over the training codes on top, timed separately.
    """

    name: str
    epochs: float
    batch_size: int
    eval_samples: int
    aux_epochs: float = 0.0
    max_wall_s: float | None = None
    checkpoint_every: int = 1000
    log_every: int = 10
    # Training arithmetic: "fp32", or "bf16" = mixed precision (torch.autocast to bfloat16 around
    # fit, on CPU and CUDA). bf16 keeps fp32's exponent range, so no loss scaling is needed and
    # no model has to change; fp16 would need a GradScaler in every optimizer step.
    precision: str = "fp32"

    def steps(self, n_train: int, batch_size: int | None = None) -> int:
        """Optimizer steps of the main network: epochs × batches per epoch (at least 1)."""
        bs = min(batch_size or self.batch_size, n_train)
        return max(1, math.ceil(self.epochs * (n_train // bs)))

    def aux_steps(self, n_train: int, batch_size: int | None = None) -> int:
        bs = min(batch_size or self.batch_size, n_train)
        return max(0, math.ceil(self.aux_epochs * (n_train // bs)))


# ------------------------------------------------------------------------------------- models


@dataclass
class ModelConfig:
    """Everything a model is built from, resolved from registry.yaml and --set overrides."""

    hparams: dict
    architecture: dict
    latent_dim: int
    data_kind: str  # "image" | "points"
    data_shape: tuple  # per-item shape: (C, H, W) or (D,)
    num_classes: int | None = None


class Model(_Plugin):
    """A generative model plugin.

    Required: ``fit`` and ``sample``. Optional capabilities, detected by overriding: ``encode``,
    ``decode``, ``sample_prior`` (latent codes). Latent-space metrics and figures use them on
    every model that has them. ``state_dict``/``load_state_dict`` save and restore the model
    for sampling; ``ctx.save_checkpoint`` holds the full training state for resume.
    """

    family: ClassVar[str] = ""  # "autoencoder", "gan", ...
    # Standard deviation of the latent prior N(0, σ²I) the model is trained against (PAG's σ); a
    # model with a non-Gaussian fixed prior gives its moment-matched σ (1/√3 for U(−1, 1)).
    prior_sigma: ClassVar[float] = 1.0
    # σ of the fixed noise a learned prior map is fed (decode_noise's input; pgan: z′ ~ N(0, I)).
    noise_sigma: ClassVar[float] = 1.0
    # Hyperparameters added after runs were recorded, each with the value that gives the behaviour
    # from before it existed: a stored run without one is compared as if it held that value, so a
    # new default that changes training is not mistaken for the stored run's experiment.
    predates: ClassVar[dict] = {}

    def __init__(self, config: ModelConfig):
        self.config = config
        self.hp = dict(config.hparams)
        self.latent_dim = config.latent_dim

    # -- required
    def fit(self, data: DataSplit, budget: Budget, ctx: RunContext) -> None:  # pragma: no cover
        raise NotImplementedError

    def sample(self, n: int, generator):  # pragma: no cover
        """n samples in data space: images float [n, C, H, W] in [0, 1]; points float [n, D]."""
        raise NotImplementedError

    def train_budget(self, budget: Budget) -> Budget:
        """The budget this model trains under: the dataset's, unless the model's paper trains it
        at another batch size or for more epochs (the GLF paper's baselines, App. B.2-B.4). The
        runner records the result in run.json (``train_budget``)."""
        return budget

    # -- optional capabilities
    def encode(self, x):  # pragma: no cover
        raise NotImplementedError

    def decode(self, z):  # pragma: no cover
        raise NotImplementedError

    def sample_prior(self, n: int, generator):  # pragma: no cover
        """n codes from the model's (possibly learned) prior, in latent space."""
        raise NotImplementedError

    def decode_noise(self, u):  # pragma: no cover
        """For a model whose prior is a learned map h of fixed noise u (pgan: z = h(z′)): the
        decoder through it, decode(h(u)). PAG reverses it into u to score the prior the model
        actually samples from (PGAN paper §4.4; audit M6)."""
        raise NotImplementedError

    def state_dict(self) -> dict:  # pragma: no cover
        raise NotImplementedError

    def load_state_dict(self, state: dict) -> None:  # pragma: no cover
        raise NotImplementedError

    @classmethod
    def capabilities(cls) -> list[str]:
        return [
            m for m in ("encode", "decode", "sample_prior", "decode_noise") if getattr(cls, m) is not getattr(Model, m)
        ]

    def has(self, capability: str) -> bool:
        return capability in self.capabilities()


# ------------------------------------------------------------------------------------- priors


class Prior(_Plugin):
    """A latent prior fitted ex post on a trained model's training codes (the prior axis).

    ``fit(codes, ctx)`` receives the codes as a float tensor [N, d] on the CPU: encoded training
    data for models with an encoder, reversed codes (``lpbench.reverse``) for the others. ``ctx``
    is a ``PriorContext``: ``seed``, ``device``, ``total_steps`` (the budget's ``aux_epochs``
    passes over the codes, for trainable priors), ``batch_size``, ``batches(codes)`` and the
    same ``track``/``end_step`` bookkeeping a model's training loop uses. ``sample(n, generator)``
    returns n codes [n, d] on the CPU, deterministic given the generator. ``log_prob(z)`` (the
    log-density of each code) is optional. ``settings`` are the registry's ``priors.<name>``
    entry merged over ``defaults``.
    """

    trainable: ClassVar[bool] = False  # True: fit runs an optimizer for ctx.total_steps steps

    def __init__(self, latent_dim: int, settings: dict | None = None, sigma: float = 1.0):
        self.latent_dim = int(latent_dim)
        self.settings = {**self.defaults, **(settings or {})}
        self.sigma = float(sigma)  # the model's nominal prior N(0, σ²I) (Model.prior_sigma)

    def fit(self, codes, ctx: PriorContext) -> None:  # pragma: no cover
        raise NotImplementedError

    def sample(self, n: int, generator):  # pragma: no cover
        raise NotImplementedError

    def log_prob(self, z):  # pragma: no cover
        raise NotImplementedError

    def state_dict(self) -> dict:  # pragma: no cover
        raise NotImplementedError

    def load_state_dict(self, state: dict) -> None:  # pragma: no cover
        raise NotImplementedError

    def has_log_prob(self) -> bool:
        return type(self).log_prob is not Prior.log_prob


# ------------------------------------------------------------------------------------ metrics


class FeatureExtractor(_Plugin):
    """Maps samples to feature arrays. ``extract`` returns {feature-set name: float array [N, F]}."""

    kinds: ClassVar[tuple] = ("image",)
    # Which feature set each metric reads ({metric name: feature-set name}); metrics not listed
    # read "features". Extractors that feed fid/is/kid list those explicitly.
    metric_layers: ClassVar[dict] = {}

    def __init__(self, options: dict | None = None):
        # Machine-specific options from the command line (e.g. {"inception_weights": PATH});
        # an extractor ignores the keys it does not know.
        self.options = dict(options or {})

    def layer_for(self, metric: str) -> str:
        return self.metric_layers.get(metric, "features")

    def weights_id(self) -> str:
        """A hash of the weights (or a version string for weight-free extractors): part of the
        reference-feature cache key so changed weights never reuse stale features."""
        return "none"

    def extract(self, x, device="cpu") -> dict:  # pragma: no cover
        raise NotImplementedError

    # -- optional: an extractor that `lpbench train-evaluator` can rebuild from a dataset
    # Whether it can; its training settings with their defaults (registry.yaml `extractors.<name>`
    # may override them and may not add others).
    trainable: ClassVar[bool] = False
    train_defaults: ClassVar[dict] = {}

    @classmethod
    def default_weights_path(cls) -> Path:  # pragma: no cover
        """Where its packaged weights live (what `train-evaluator --packaged` overwrites)."""
        raise NotImplementedError

    @classmethod
    def train(cls, train: DataSplit, test: DataSplit, settings: dict, out, log=None) -> dict:  # pragma: no cover
        """Train on ``train``, write the weights to ``out`` and return a JSON-able record of what
        was trained (settings, held-out score on ``test``, weights hash)."""
        raise NotImplementedError


class Metric(_Plugin):
    """A metric plugin.

    ``needs`` names what ``compute`` reads from the Evaluation: "samples" (raw generated and
    reference samples), "features" (from the dataset's feature extractor, computed once per
    evaluation for all metrics), "model" (a trained model with the capabilities in
    ``model_capabilities``). ``compute`` returns {value name: float}; the first key is the
    metric's headline value, the others are companions (e.g. pag_normalized).
    """

    higher_is_better: ClassVar[bool] = False
    needs: ClassVar[tuple] = ("features",)
    model_capabilities: ClassVar[tuple] = ()
    kinds: ClassVar[tuple] = ("image", "points")
    min_samples: ClassVar[int] = 2

    def __init__(self, settings: dict | None = None):
        unknown = sorted(set(settings or {}) - set(self.defaults))
        if unknown:  # a typo in registry.yaml's metrics section is an error, not a silent no-op
            from .errors import LpbenchError

            raise LpbenchError(
                f"metric '{self.name}' has no setting {', '.join(map(repr, unknown))} "
                f"(its settings: {', '.join(self.defaults) or 'none'})"
            )
        self.settings = {**self.defaults, **(settings or {})}

    def compute(self, ev: Evaluation) -> dict:  # pragma: no cover
        raise NotImplementedError


@dataclass
class Evaluation:
    """What metrics read. Feature sets are computed on first request and shared by all metrics."""

    dataset: str
    kind: str
    samples: Any  # generated, data space, float
    reference: Any  # reference split, data space, float
    extractor: FeatureExtractor | None = None
    model: Model | None = None
    seed: int = 0
    device: str = "cpu"
    reference_split: str = "test"
    out_dir: Any = None  # where metrics may save figures (run folder), or None
    reference_features_loader: Any = None  # callable → cached reference features, or None
    # More real samples of the reference split, disjoint from ``reference`` (at least as many;
    # real-vs-real floors take blocks of len(reference)), or None when the split has no more.
    held_out_reference: Any = None
    # The dataset plugin instance with the run's settings (e.g. eight_gaussians' centers() and
    # std for the modes/hq metrics), or None when the caller has none.
    data: Any = None
    # progress(done, total, info) a long metric may call to report its own progress (pag reports
    # its reversal's steps), shown on stderr with an ETA; None when nobody listens
    progress: Any = None
    _features: dict = field(default_factory=dict)
    stats: dict = field(default_factory=lambda: {"extractions": 0})

    def features(self, which: str = "generated") -> dict:
        """{feature-set name: np.ndarray [N, F]} for "generated" or "reference"."""
        if which not in ("generated", "reference"):
            raise ValueError(f"which must be 'generated' or 'reference', not {which!r}")
        if which not in self._features:
            if self.extractor is None:
                raise ValueError(f"dataset '{self.dataset}' has no feature extractor configured")
            if which == "reference" and self.reference_features_loader is not None:
                self._features[which] = self.reference_features_loader()
            else:
                x = self.samples if which == "generated" else self.reference
                self._features[which] = self.extractor.extract(x, device=self.device)
                self.stats["extractions"] += 1
        return self._features[which]

    def generator(self, offset: int = 0):
        """A fresh CPU torch.Generator seeded from the run's seed (metrics must be seeded)."""
        import torch

        return torch.Generator().manual_seed(self.seed * 1000003 + offset)

    def provenance(self, metric: Metric) -> dict:
        uses_features = "features" in metric.needs
        return {
            "extractor": self.extractor.name if (uses_features and self.extractor) else "samples",
            "n_generated": int(len(self.samples)),
            "n_reference": int(len(self.reference)),
            "reference_split": self.reference_split,
        }
