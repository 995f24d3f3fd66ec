"""What the prior axis is asked to do: ``--models`` (composite ids allowed) × ``--priors`` →
the base models to train and one PriorSpec per prior to fit on each; where each prior's files live."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import LpbenchError

PRIORS_DIR = "priors"
CODES_FILE = "codes.pt"
PRIOR_FILE = "prior.pt"
NATIVE = "native"


@dataclass(frozen=True)
class PriorSpec:
    """One prior to fit on one model: ``label`` names its folder and its leaderboard row."""

    model: str
    prior: str
    label: str
    settings: dict = field(default_factory=dict, hash=False, compare=False)
    composite: str | None = None


def expand(registry, plugins, names, priors):
    """--models names (composite ids allowed) and --priors names → (base model names, PriorSpecs).

    A composite id (registry ``composites``, e.g. ``rae_gmm: {base: rae, prior: gmm}``) stands for
    its base model with its prior; ``--priors`` apply to every model named directly.
    """
    models_known = plugins.all("model")
    comps = registry.composites
    for p in priors:
        plugins.get("prior", p)
    bases, specs = [], []
    for name in names:
        if name in comps:
            if name in models_known:
                raise LpbenchError(
                    f"'{name}' is both a registered model (plugin '{models_known[name].plugin}') and a "
                    f"composite in {registry.path} (composites.{name}); remove one of them"
                )
            c = comps[name]
            if c["base"] in comps:
                raise LpbenchError(f"composites.{name}.base '{c['base']}' is itself a composite; name a model")
            plugins.get("model", c["base"])
            plugins.get("prior", c["prior"])
            extra = c.get("settings") or {}
            registry.prior_settings(c["prior"], plugins, extra, f"composites.{name}.settings")
            label = c["prior"] if not extra else name
            bases.append(c["base"])
            specs.append(PriorSpec(c["base"], c["prior"], label, dict(extra), name))
        else:
            if name not in models_known:
                plugins.get("model", name)  # the standard error: did-you-mean, plugins that failed to load
            bases.append(name)
            specs.extend(PriorSpec(name, p, p) for p in priors)
    bases = list(dict.fromkeys(bases))
    seen, unique = set(), []
    for s in specs:
        if (s.model, s.label) not in seen:
            seen.add((s.model, s.label))
            unique.append(s)
    for s in unique:
        registry.prior_settings(s.prior, plugins, s.settings)
    return bases, unique


def prior_dir(model_dir, label: str) -> Path:
    return Path(model_dir) / PRIORS_DIR / label
