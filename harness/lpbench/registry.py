"""registry.yaml: loading, validation, and resolution of one run's settings."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from .api import PRECISIONS, Budget, ModelConfig
from .errors import RegistryError, UnknownNameError

ENV_VAR = "LPBENCH_REGISTRY"
PACKAGED = Path(__file__).with_name("registry.yaml")

_BUDGET = {
    "type": "object",
    "additionalProperties": False,
    "required": ["epochs", "batch_size", "eval_samples"],
    "properties": {
        "description": {"type": "string"},
        "epochs": {"type": "number", "exclusiveMinimum": 0},
        "aux_epochs": {"type": "number", "minimum": 0},
        "batch_size": {"type": "integer", "minimum": 1},
        "eval_samples": {"type": "integer", "minimum": 2},
        "max_wall_s": {"type": ["number", "null"], "exclusiveMinimum": 0},
        "checkpoint_every": {"type": "integer", "minimum": 1},
        "log_every": {"type": "integer", "minimum": 1},
        "precision": {"enum": list(PRECISIONS)},
        "expected_s": {"type": "object"},
    },
}
_NAME_LIST = {"type": "array", "items": {"type": "string"}}
SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["datasets", "models"],
    "properties": {
        "version": {"type": "integer"},
        "architectures": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["type"],
                "properties": {"type": {"enum": ["conv", "mlp"]}},
            },
        },
        "datasets": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "required": ["architecture", "latent_dim", "evaluation", "budgets", "default_budget"],
                "properties": {
                    "description": {"type": "string"},
                    "data": {"type": "object"},
                    "architecture": {"type": "string"},
                    "latent_dim": {"type": "integer", "minimum": 1},
                    "default_budget": {"type": "string"},
                    "budgets": {"type": "object", "minProperties": 1, "additionalProperties": _BUDGET},
                    "evaluation": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["metrics", "primary"],
                        "properties": {
                            "metrics": _NAME_LIST,
                            "primary": {"type": "string"},
                            "feature_extractor": {"type": "string"},
                            "reference_split": {"enum": ["train", "test"]},
                        },
                    },
                },
            },
        },
        "models": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "description": {"type": "string"},
                    "hparams": {"type": "object"},
                    "datasets": {"type": "object", "additionalProperties": {"type": "object"}},
                    # models.<m>.budgets.<budget>: that budget's hparams, on every dataset with it
                    "budgets": {"type": "object", "additionalProperties": {"type": "object"}},
                },
            },
        },
        "metrics": {"type": "object", "additionalProperties": {"type": "object"}},
        # the prior axis (lpbench/prior_axis/): settings per prior plugin, composite model ids
        # (a base model with an ex-post prior), and how codes are obtained for models without encoder
        "priors": {"type": "object", "additionalProperties": {"type": "object"}},
        "composites": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "required": ["base", "prior"],
                "properties": {
                    "description": {"type": "string"},
                    "base": {"type": "string"},
                    "prior": {"type": "string"},
                    "settings": {"type": "object"},
                },
            },
        },
        "prior_axis": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "reversal_steps": {"type": "integer", "minimum": 1},
                "reversal_lr": {"type": "number", "exclusiveMinimum": 0},
                "reversal_optimizer": {"enum": ["sgd", "adam"]},
                "reversal_init_std": {"type": "number", "minimum": 0},
                "reversal_tol": {"type": "number", "minimum": 0},
                "reversal_window": {"type": "integer", "minimum": 1},
            },
        },
        # settings of trainable feature extractors (lpbench train-evaluator)
        "extractors": {"type": "object", "additionalProperties": {"type": "object"}},
    },
}


def default_path() -> Path:
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else PACKAGED.resolve()


@dataclass
class ResolvedRun:
    """Every setting one run uses; recorded whole in run.json's "config"."""

    model: str
    dataset: str
    budget: Budget
    model_config: ModelConfig
    data_settings: dict
    evaluation: dict
    metric_settings: dict

    def as_dict(self) -> dict:
        from dataclasses import asdict

        return {
            "model": self.model,
            "dataset": self.dataset,
            "budget": asdict(self.budget),
            "hparams": self.model_config.hparams,
            "architecture": self.model_config.architecture,
            "latent_dim": self.model_config.latent_dim,
            "data": self.data_settings,
            "evaluation": self.evaluation,
            "metric_settings": self.metric_settings,
        }


class Registry:
    def __init__(self, data: dict, path: Path | str = "registry.yaml"):
        self.path = str(path)
        self.data = data
        self._validate()

    @property
    def recorded_path(self) -> str:
        """The registry's name in a run record: the packaged one by name, since its absolute
        path says only where lpbench happens to be installed; any other as it was given."""
        return "lpbench/registry.yaml (packaged)" if self.path == str(PACKAGED.resolve()) else self.path

    @property
    def sha256(self) -> str:
        """A digest of the registry's content (canonical JSON of the parsed YAML), so that two
        records can be compared for the registry they came from wherever each was made."""
        import hashlib
        import json

        return hashlib.sha256(json.dumps(self.data, sort_keys=True, default=str).encode()).hexdigest()

    @classmethod
    def load(cls, path: Path | str | None = None) -> Registry:
        from . import store

        path = Path(path) if path else default_path()
        try:
            text = store.read_text(path, what="registry (YAML)", limit=MAX_REGISTRY_BYTES)
        except store.Malformed as e:
            raise RegistryError(path, "(file)", str(e).removeprefix(f"{path} ")) from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as e:
            raise RegistryError(path, "(file)", f"is not valid YAML: {e}") from None
        except RecursionError:
            raise RegistryError(path, "(file)", "is nested too deeply to be a registry") from None
        if not isinstance(data, dict):
            raise RegistryError(path, "(top level)", "expected a mapping with 'datasets' and 'models'")
        _check_tree(data, path)
        return cls(data, path)

    # ---------------------------------------------------------------------------- validation

    def _validate(self) -> None:
        import jsonschema

        validator = jsonschema.Draft202012Validator(SCHEMA)
        errors = sorted(validator.iter_errors(self.data), key=lambda e: list(e.absolute_path))
        if errors:
            e = errors[0]
            key = ".".join(str(p) for p in e.absolute_path) or "(top level)"
            raise RegistryError(self.path, key, f"expected {_expectation(e)}; {e.message}")
        archs = self.data.get("architectures", {})
        for name, ds in self.data["datasets"].items():
            if ds["architecture"] not in archs:
                raise RegistryError(
                    self.path,
                    f"datasets.{name}.architecture",
                    f"'{ds['architecture']}' is not defined under 'architectures' ({', '.join(archs)})",
                )
            if ds["default_budget"] not in ds["budgets"]:
                raise RegistryError(
                    self.path,
                    f"datasets.{name}.default_budget",
                    f"'{ds['default_budget']}' is not one of its budgets ({', '.join(ds['budgets'])})",
                )
            ev = ds["evaluation"]
            if ev["primary"] not in ev["metrics"]:
                raise RegistryError(
                    self.path,
                    f"datasets.{name}.evaluation.primary",
                    f"'{ev['primary']}' must be one of evaluation.metrics ({', '.join(ev['metrics'])})",
                )
        budgets = sorted({b for ds in self.data["datasets"].values() for b in ds["budgets"]})
        for name, entry in self.data["models"].items():
            for b in entry.get("budgets") or {}:
                if b not in budgets:
                    raise RegistryError(
                        self.path,
                        f"models.{name}.budgets.{b}",
                        f"no dataset has a budget named '{b}' (budgets: {', '.join(budgets)})",
                    )

    # ------------------------------------------------------------------------------- lookups

    @property
    def datasets(self) -> dict:
        return self.data["datasets"]

    @property
    def models(self) -> dict:
        return self.data["models"]

    def dataset(self, name: str) -> dict:
        if name not in self.datasets:
            raise UnknownNameError("dataset", name, self.datasets)
        return self.datasets[name]

    def budget_names(self, dataset: str) -> list[str]:
        return list(self.dataset(dataset)["budgets"])

    def budget(self, dataset: str, name: str | None) -> Budget:
        ds = self.dataset(dataset)
        name = name or ds["default_budget"]
        if name not in ds["budgets"]:
            raise UnknownNameError(f"budget (for {dataset})", name, ds["budgets"])
        b = {k: v for k, v in ds["budgets"][name].items() if k not in ("description", "expected_s")}
        return Budget(name=name, **b)

    def primary_metric(self, dataset: str) -> str:
        return self.dataset(dataset)["evaluation"]["primary"]

    def data_settings(self, dataset: str, plugins, overrides: dict | None = None) -> dict:
        """The dataset class's defaults with the registry's ``data`` entry merged over them, then
        ``overrides["data"]`` (from --set data.<key>)."""
        cls = plugins.get("dataset", dataset)
        settings = _merge_checked(
            dict(cls.defaults),
            self.dataset(dataset).get("data", {}),
            f"datasets.{dataset}.data",
            self.path,
            cls.defaults,
            positive=True,
        )
        return _merge_checked(
            settings, (overrides or {}).get("data", {}), "--set data", "command line", cls.defaults, positive=True
        )

    def metric_settings(self, plugins, budget: str | None = None, overrides: dict | None = None) -> dict:
        """Settings per metric (the registry's ``metrics``). A key that names no installed metric
        is an error, not settings copied into every run.json. A metric's ``budgets.<budget>``
        entry overrides its settings for that budget (``budget`` None: the base settings), and
        ``overrides`` ({metric: {key: value}}, from --set <metric>.<key>) override both,
        type-checked against the metric's defaults."""
        self._check_names("metrics", "metric", plugins)
        out = {}
        for m, v in self.data.get("metrics", {}).items():
            v = dict(v or {})
            per_budget = v.pop(BUDGETS_KEY, None) or {}
            if not isinstance(per_budget, dict) or not all(isinstance(b, dict) for b in per_budget.values()):
                raise RegistryError(
                    self.path, f"metrics.{m}.{BUDGETS_KEY}", "expected a mapping budget → {setting: value}"
                )
            if budget is not None and per_budget.get(budget):
                v = _merge_checked(
                    v,
                    per_budget[budget],
                    f"metrics.{m}.{BUDGETS_KEY}.{budget}",
                    self.path,
                    plugins.get("metric", m).defaults,
                )
            out[m] = v
        for m, values in (overrides or {}).items():
            defaults = plugins.get("metric", m).defaults
            out[m] = _merge_checked({**defaults, **out.get(m, {})}, values, f"--set {m}", "command line", defaults)
        return out

    def _check_names(self, section: str, kind: str, plugins) -> None:
        """Every key of ``section`` (metrics, priors) names an installed plugin of ``kind``: settings
        under a misspelt or renamed name would otherwise be read by nobody."""
        import difflib

        from .plugins import RENAMED

        known = sorted(plugins.all(kind))
        for name in self.data.get(section, {}):
            if name in known:
                continue
            if (kind, name) in RENAMED:
                hint = f" It is now called '{RENAMED[(kind, name)][0]}'."
            else:
                close = difflib.get_close_matches(name, known, n=1)
                hint = f" Did you mean '{close[0]}'?" if close else ""
            raise RegistryError(
                self.path,
                f"{section}.{name}",
                f"no installed {kind} is named '{name}'.{hint} Known {kind}s: {', '.join(known)}",
            )

    # ------------------------------------------------------------------------------ priors

    @property
    def composites(self) -> dict:
        return self.data.get("composites", {})

    def prior_axis(self) -> dict:
        return dict(self.data.get("prior_axis", {}))

    def prior_settings(self, prior: str, plugins, extra: dict | None = None, where: str = "") -> dict:
        """The prior class's defaults ← registry ``priors.<name>`` ← ``extra`` (a composite's settings).
        A ``priors`` key that names no installed prior is an error, not settings nobody reads."""
        self._check_names("priors", "prior", plugins)
        cls = plugins.get("prior", prior)
        out = _merge_checked(
            dict(cls.defaults), self.data.get("priors", {}).get(prior, {}), f"priors.{prior}", self.path, cls.defaults
        )
        return _merge_checked(out, extra or {}, where or f"priors.{prior}", self.path, cls.defaults)

    # ---------------------------------------------------------------------------- resolution

    def resolve(self, model: str, dataset: str, budget: str | None, plugins, overrides=None) -> ResolvedRun:
        """Merge class defaults ← registry ← per-dataset registry ← per-budget registry ← --set for
        one run."""
        overrides = overrides or {}
        ds = self.dataset(dataset)
        model_cls = plugins.get("model", model)
        dataset_cls = plugins.get("dataset", dataset)
        b = self.budget(dataset, budget)

        entry = self.models.get(model, {})
        hparams = dict(model_cls.defaults)
        for where, values in (
            (f"models.{model}.hparams", entry.get("hparams", {})),
            (f"models.{model}.datasets.{dataset}", entry.get("datasets", {}).get(dataset, {})),
            (f"models.{model}.budgets.{b.name}", (entry.get("budgets") or {}).get(b.name, {})),
            # wildcards first, so that an explicit --set <model>.<hparam> wins over '*.<hparam>'
            (f"--set (wildcard) {model}", wildcard_values(overrides, model, model_cls.defaults)),
            (f"--set {model}", overrides.get(model, {})),
        ):
            source = "command line" if where.startswith("--set") else self.path
            hparams = _merge_checked(hparams, values, where, source, model_cls.defaults)

        data_settings = self.data_settings(dataset, plugins, overrides)

        if overrides.get("budget"):
            from dataclasses import asdict

            fields = asdict(b)
            # Type-check against the field's declared type, not the registry's spelling of the
            # value: "epochs: 1" must still accept --set budget.epochs=0.5, and only a field
            # declared optional (max_wall_s) may be null.
            kinds = {k: str(Budget.__annotations__.get(k, "")) for k in fields}
            types = {
                k: float(fields[k] or 0)
                if "float" in t
                else fields[k]
                if fields[k] is not None
                else 0
                if "int" in t
                else ""
                for k, t in kinds.items()
            }
            merged = _merge_checked(
                fields,
                overrides["budget"],
                "--set budget",
                "command line",
                types,
                nullable={k for k, t in kinds.items() if "None" in t},
            )
            b = Budget(**merged)
            _validate_budget(b, "command line")

        latent_dim = overrides.get("latent_dim", ds["latent_dim"])
        arch = dict(self.data["architectures"][ds["architecture"]], name=ds["architecture"])
        if overrides.get("architecture"):  # --set architecture.<key>: only keys the architecture has
            arch = _merge_checked(
                arch,
                overrides["architecture"],
                "--set architecture",
                "command line",
                {k: v for k, v in arch.items() if k != "name"},
            )
        evaluation = {"reference_split": "test", "feature_extractor": "raw", **ds["evaluation"]}
        # every metric's settings, not only the defaults': --metrics may name any of them
        metric_settings = self.metric_settings(plugins, b.name, overrides.get(METRICS_KEY))

        config = ModelConfig(
            hparams=hparams,
            architecture=arch,
            latent_dim=int(latent_dim),
            data_kind=dataset_cls.kind,
            data_shape=tuple(dataset_cls.shape),
            num_classes=dataset_cls.num_classes,
        )
        return ResolvedRun(model, dataset, b, config, data_settings, evaluation, metric_settings)


# The packaged registry is ~40 kB and ~4 000 values once its aliases are expanded; these bounds
# are far above any real registry and far below what an alias bomb expands to (lpbench choice).
MAX_REGISTRY_BYTES = 4 << 20
MAX_REGISTRY_VALUES = 200_000


def _check_tree(data, path) -> None:
    """Refuse a registry whose aliases expand beyond MAX_REGISTRY_VALUES values (a "billion
    laughs" document is small on disk and shared in memory, but every copy of it — into each
    run.json — is expanded), that refers to itself, or that holds a NaN or infinite number
    (NaN passes every schema bound: no comparison with it is false)."""
    import math

    sizes: dict = {}  # id → expanded size of a node already counted
    total = 0

    def visit(node, key, active):
        nonlocal total
        if isinstance(node, float) and not math.isfinite(node):
            raise RegistryError(path, key or "(top level)", f"expected a finite number, got {node}")
        if not isinstance(node, (dict, list)):
            total += 1
        elif id(node) in active:
            raise RegistryError(path, key or "(top level)", "refers to itself through an alias")
        elif id(node) in sizes:
            total += sizes[id(node)]
        else:
            before = total
            items = node.items() if isinstance(node, dict) else enumerate(node)
            for k, v in items:
                visit(v, f"{key}.{k}" if key else str(k), active | {id(node)})
            total += 1
            sizes[id(node)] = total - before
        if total > MAX_REGISTRY_VALUES:
            raise RegistryError(
                path,
                key or "(top level)",
                f"expands to more than {MAX_REGISTRY_VALUES} values through YAML aliases; a registry is far smaller",
            )

    visit(data, "", frozenset())


def _expectation(err) -> str:
    s = err.schema if isinstance(err.schema, dict) else {}
    if err.validator == "additionalProperties":
        allowed = ", ".join(sorted(s.get("properties", {}))) or "no other keys"
        return f"only these keys: {allowed}"
    if err.validator == "required":
        return f"the keys {', '.join(s.get('required', []))}"
    if "enum" in s:
        return "one of " + ", ".join(map(str, s["enum"]))
    if "type" in s:
        t = s["type"]
        desc = " or ".join(t) if isinstance(t, list) else t
        for bound in ("minimum", "exclusiveMinimum"):
            if bound in s:
                desc += f" {'>=' if bound == 'minimum' else '>'} {s[bound]}"
        return desc
    return "a valid value"


def _merge_checked(
    base: dict, new: dict, where: str, path: str, allowed: dict, nullable=(), positive: bool = False
) -> dict:
    """base ← new, each key known to ``allowed`` (name → default) and of its default's type; null
    only where the default is null or the key is ``nullable``. ``positive``: a setting whose
    default is a positive number (a count, a size, a scale) must stay positive."""
    out = dict(base)
    for k, v in (new or {}).items():
        if k not in allowed:
            raise UnknownNameError(f"key in {where} ({path})", k, allowed)
        expected = allowed[k]
        if not (_type_ok(expected, v) if v is not None else expected is None or k in nullable):
            raise RegistryError(
                path,
                f"{where}.{k}",
                f"expected {type(expected).__name__} (like the default {expected!r}), got {v!r}",
            )
        if positive and _is_number(expected) and expected > 0 and _is_number(v) and not v > 0:
            raise RegistryError(
                path,
                f"{where}.{k}",
                f"expected a positive {type(expected).__name__} (like the default {expected!r}), got {v!r}",
            )
        if k.endswith("lr_schedule"):  # hparams named *lr_schedule are learning-rate schedules
            from .schedules import validate

            v = validate(v, f"{where}.{k}", path)
        out[k] = float(v) if isinstance(expected, float) and isinstance(v, int) else v
    return out


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _type_ok(expected, v) -> bool:
    if expected is None:
        return True
    if isinstance(expected, bool):
        return isinstance(v, bool)
    if isinstance(expected, float):
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    if isinstance(expected, int):
        return isinstance(v, int) and not isinstance(v, bool)
    return isinstance(v, type(expected))


def _validate_budget(b: Budget, path: str) -> None:
    checks = {
        "epochs": b.epochs > 0,
        "batch_size": b.batch_size >= 1,
        "eval_samples": b.eval_samples >= 2,
        "aux_epochs": b.aux_epochs >= 0,
        "checkpoint_every": b.checkpoint_every >= 1,
        "log_every": b.log_every >= 1,
        "max_wall_s": b.max_wall_s is None or b.max_wall_s > 0,
    }
    if b.precision not in PRECISIONS:
        raise RegistryError(
            path, "--set budget.precision", f"expected one of {', '.join(PRECISIONS)}, got {b.precision!r}"
        )
    for k, ok in checks.items():
        if not ok:
            raise RegistryError(path, f"--set budget.{k}", f"expected a positive value, got {getattr(b, k)!r}")


WILDCARDS = "wildcards"  # parse_overrides' key for <pattern>.<hparam> settings
METRICS_KEY = "metrics"  # parse_overrides' key for <metric>.<setting> settings: {metric: {setting: value}}
BUDGETS_KEY = "budgets"  # registry metrics.<metric>.budgets.<budget>: that budget's settings
# 16× the largest latent size of the source papers (64): beyond it a typo, not an experiment
# (lpbench choice; it keeps --set latent_dim=1e12 from becoming a failed allocation).
MAX_LATENT_DIM = 1024


def _finite_value(value) -> bool:
    import math

    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, (list, tuple)):
        return all(_finite_value(v) for v in value)
    if isinstance(value, dict):
        return all(_finite_value(v) for v in value.values())
    return True


def _is_pattern(head: str) -> bool:
    return any(c in head for c in "*?[")


def wildcard_values(overrides: dict, model: str, hparams: dict) -> dict:
    """The wildcard --set values that reach ``model``: those whose pattern matches its name
    (fnmatch) and whose hparam the model has. Later pairs win over earlier ones."""
    from fnmatch import fnmatchcase

    return {
        w["hparam"]: w["value"]
        for w in (overrides or {}).get(WILDCARDS, [])
        if fnmatchcase(model, w["pattern"]) and w["hparam"] in hparams
    }


def check_wildcards(overrides: dict, models, plugins) -> dict:
    """{'<pattern>.<hparam>': [models it reaches]}; a wildcard that reaches no model in the run is
    a usage error (a typo would otherwise change nothing, silently)."""
    from .errors import LpbenchError

    reach = {}
    for w in (overrides or {}).get(WILDCARDS, []):
        key = f"{w['pattern']}.{w['hparam']}"
        reach[key] = [m for m in models if wildcard_values({WILDCARDS: [w]}, m, plugins.get("model", m).defaults)]
        if not reach[key]:
            raise LpbenchError(
                f"--set {key}: no model in this run matches '{w['pattern']}' and has the "
                f"hyperparameter '{w['hparam']}' (models: {', '.join(models)})"
            )
    return reach


def parse_overrides(pairs, model_names, metric_names=()) -> dict:
    """--set KEY=VALUE pairs → {"budget": {...}, "data": {...}, "latent_dim": n, model: {...},
    "wildcards": [{"pattern", "hparam", "value"}, ...]}.

    Keys: budget.<field>, data.<setting>, architecture.<key> (one the dataset's architecture has),
    latent_dim, <model>.<hparam> (model must be in the run), <metric>.<setting> (any metric in
    ``metric_names``: ``pag.steps=50``; collected under "metrics"),
    or <pattern>.<hparam> with a shell-style pattern (``*``, ``?``, ``[...]``) over model names:
    it sets the hparam on every model of the run whose name matches and that has that hparam
    (``*.loss=ns``: every GAN; ``*_gan.rate=0.3``: masked_gan and weighted_gan). An explicit
    <model>.<hparam> wins over a wildcard. Values are parsed as YAML scalars (1e-4, true,
    [64, 128]) and type-checked on resolution.
    """
    from .errors import LpbenchError

    out: dict = {}
    for pair in pairs:
        if "=" not in pair:
            raise LpbenchError(f"--set expects KEY=VALUE, got '{pair}'")
        key, raw = pair.split("=", 1)
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            raise LpbenchError(f"--set {key}: cannot parse value '{raw}'") from None
        if isinstance(value, str):  # YAML 1.1 reads 1e-4 (no dot) as a string
            for number in (int, float):
                try:
                    value = number(raw)
                    break
                except ValueError:
                    pass
        if not _finite_value(value):
            raise LpbenchError(f"--set {key}: expected finite numbers, got '{raw}' (NaN and infinity are not settings)")
        if key == "latent_dim":
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_LATENT_DIM:
                raise LpbenchError(
                    f"--set latent_dim: expected a positive integer (at most {MAX_LATENT_DIM}), got '{raw}'"
                )
            out["latent_dim"] = value
            continue
        head, _, tail = key.partition(".")
        if not tail:
            raise LpbenchError(
                f"--set key '{key}' must look like budget.<field>, data.<setting>, architecture.<key>, "
                f"latent_dim, <model>.<hparam>, <metric>.<setting> or <pattern>.<hparam>"
            )
        if _is_pattern(head):
            out.setdefault(WILDCARDS, []).append({"pattern": head, "hparam": tail, "value": value})
            continue
        if head not in ("budget", "data", "architecture") and head not in model_names:
            if head in metric_names:  # <metric>.<setting>: a model of the run by that name wins
                out.setdefault(METRICS_KEY, {}).setdefault(head, {})[tail] = value
                continue
            raise UnknownNameError(
                "--set prefix", head, ["budget", "data", "architecture", *model_names, *metric_names]
            )
        out.setdefault(head, {})[tail] = value
    return out
