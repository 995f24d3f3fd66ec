"""One evaluation: feature sets computed once and shared by every metric; reference features
cached on disk keyed by their full provenance."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from .api import Evaluation, Metric
from .errors import DataError, LpbenchError

CACHE_ENV = "LPBENCH_CACHE"


def cache_dir() -> Path:
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "lpbench") / "features"


def reference_cache_key(
    *, dataset, split, n, preprocessing, extractor, weights_id, seed=None, data_settings=None
) -> str:
    key = {
        "dataset": dataset,
        "split": split,
        "n": int(n),
        "preprocessing": preprocessing,
        "extractor": extractor,
        "weights": weights_id,
        "seed": seed,
    }
    if data_settings:  # the data settings draw the reference (eight Gaussians' radius, std, n_test)
        key["data"] = data_settings
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:24]


def cached_reference_loader(extractor, reference, key: str, device="cpu"):
    """A callable returning the reference features, read from the cache or computed and saved."""
    import numpy as np

    from .store import atomic_write_bytes

    path = cache_dir() / f"{extractor.name}-{key}.npz"

    def load():
        if path.exists():
            try:
                with np.load(path, allow_pickle=False) as z:
                    return {k: z[k] for k in z.files}
            except Exception:
                pass  # a torn cache file is recomputed, never trusted
        feats = extractor.extract(reference, device=device)
        import io

        buf = io.BytesIO()
        np.savez(buf, **feats)
        atomic_write_bytes(path, buf.getvalue())
        return feats

    load.path = path
    return load


def check_samples(x, kind: str, shape: tuple, what: str = "samples") -> None:
    """Samples must be finite floats of the dataset's item shape (images in [0, 1])."""
    import torch

    if not torch.is_tensor(x):
        raise DataError(f"{what} must be a torch tensor, got {type(x).__name__}")
    if x.dim() < 2 or tuple(x.shape[1:]) != tuple(shape):
        raise DataError(f"{what} have shape {tuple(x.shape)}; expected [N, {', '.join(map(str, shape))}]")
    if not x.is_floating_point():
        raise DataError(f"{what} have dtype {x.dtype}; expected a float tensor")
    if not torch.isfinite(x).all():
        raise DataError(f"{what} contain NaN or infinite values")
    if kind == "image" and (x.min() < -1e-4 or x.max() > 1 + 1e-4):
        raise DataError(f"image {what} must lie in [0, 1]; got range [{x.min():.3g}, {x.max():.3g}]")


def reference_subset(data, n: int):
    """The first n items of a fixed permutation of the reference split (float, data space)."""
    import torch

    perm = torch.randperm(len(data), generator=torch.Generator().manual_seed(0))[:n]
    return data.as_float(data.x[perm])


def held_out_subset(data, n: int):
    """The rest of the same permutation after ``reference_subset(data, n)``, disjoint from it
    (real-vs-real floors take blocks of n from it), or None when the split is smaller than 2n."""
    import torch

    if len(data) < 2 * n:
        return None
    perm = torch.randperm(len(data), generator=torch.Generator().manual_seed(0))[n:]
    return data.as_float(data.x[perm])


def build_metrics(plugins, names, settings: dict, *, explicit: bool = True, model=None) -> tuple[dict, dict]:
    """The named metric plugins, each built with its settings ({metric: settings}) →
    (metrics, {skipped metric: why}). Not ``explicit`` (a dataset's default list): metrics that
    need capabilities ``model`` lacks (any model capability when there is no model) are skipped,
    not errors."""
    metrics = {m: plugins.get("metric", m)(settings.get(m)) for m in names}
    skipped = {} if explicit else inapplicable(metrics, model)
    return {k: v for k, v in metrics.items() if k not in skipped}, skipped


def feature_extractor(plugins, name, metrics: dict, options=None):
    """The dataset's feature extractor, built with the machine's options (inception weights),
    or None when no metric needs features."""
    if not name or not any("features" in m.needs for m in metrics.values()):
        return None
    return plugins.get("feature_extractor", name)(options or {})


def score_samples(
    plugins,
    samples,
    metrics: dict,
    *,
    dataset: str,
    seed: int,
    evaluation: dict,
    data_settings: dict,
    data_root=None,
    reference_data=None,
    reference=None,
    reference_name: str | None = None,
    extractor_options=None,
    model=None,
    device="cpu",
    out_dir=None,
    progress=None,
) -> tuple[dict, dict, dict]:
    """The one assembly of an evaluation (runs, re-scoring, reference rows, the prior axis and
    ``lpbench score``): the dataset's reference set, its extractor and ``evaluate``.

    The reference set is ``reference_subset`` of ``reference_data`` (the loaded reference split;
    loaded here when None), its features cached, the rest of the split held out for real-vs-real
    floors; or ``reference``, a tensor named ``reference_name`` (never cached). Samples beyond
    the reference set's size are not scored. → (values, provenance, seconds per metric)."""
    from pathlib import Path

    ds_cls = plugins.get("dataset", dataset)
    data = ds_cls(data_settings, data_root=Path(data_root) if data_root else None)
    split = evaluation.get("reference_split", "test")
    held_out, given = None, reference is not None
    if given:
        n = min(len(samples), len(reference))
        reference, split = reference[:n], reference_name or "given"
    else:
        if reference_data is None:
            reference_data = data.load(split, seed=seed)
        n = min(len(samples), len(reference_data))
        reference, held_out = reference_subset(reference_data, n), held_out_subset(reference_data, n)
    extractor = feature_extractor(plugins, evaluation.get("feature_extractor", "raw"), metrics, extractor_options)
    return evaluate(
        metrics,
        dataset=dataset,
        kind=ds_cls.kind,
        samples=samples[:n],
        reference=reference,
        extractor=extractor,
        model=model,
        seed=seed,
        device=str(device),
        reference_split=split,
        out_dir=out_dir,
        use_cache=not given,
        cache_seed=seed if ds_cls.seeded else None,
        held_out_reference=held_out,
        data=data,
        progress=progress,
    )


def inapplicable(metrics: dict[str, Metric], model=None) -> dict[str, str]:
    """{metric name: why} for metrics that need model capabilities ``model`` lacks. Callers drop
    these from a dataset's *default* metric list (a metric the user named explicitly still errors)."""
    out = {}
    for name, m in metrics.items():
        if "model" not in m.needs:
            continue
        missing = [c for c in m.model_capabilities if model is None or not model.has(c)]
        if model is None:
            out[name] = "needs a trained model (not available when scoring samples)"
        elif missing:
            out[name] = f"model '{getattr(model, 'name', type(model).__name__)}' lacks {', '.join(missing)}"
    return out


def evaluate(
    metrics: dict[str, Metric],
    *,
    dataset: str,
    kind: str,
    samples,
    reference,
    extractor=None,
    model=None,
    seed: int = 0,
    device: str = "cpu",
    reference_split: str = "test",
    out_dir=None,
    cache_seed=None,
    use_cache: bool = True,
    held_out_reference=None,
    data=None,
    progress=None,
) -> tuple[dict, dict, dict]:
    """Run ``metrics`` on one set of samples → (values, provenance per value, seconds per metric).
    ``progress(phase, done, total, info)``, if given, hears which metric runs (and, from metrics
    that report it through ``Evaluation.progress``, how far it is)."""
    n = len(samples)
    for name, m in metrics.items():
        if kind not in m.kinds:
            raise LpbenchError(f"metric '{name}' does not apply to {kind} data (it handles: {', '.join(m.kinds)})")
        if n < m.min_samples or len(reference) < m.min_samples:
            raise DataError(
                f"metric '{name}' needs at least {m.min_samples} samples; got {n} generated and "
                f"{len(reference)} reference"
            )
        missing = [c for c in m.model_capabilities if model is None or not model.has(c)]
        if "model" in m.needs and missing:
            who = "no model was given" if model is None else f"model '{model.name}' lacks {', '.join(missing)}"
            raise LpbenchError(f"metric '{name}' needs a model with {', '.join(m.model_capabilities)}; {who}")

    loader = None
    if extractor is not None and use_cache:
        key = reference_cache_key(
            dataset=dataset,
            split=reference_split,
            n=len(reference),
            preprocessing="float01" if kind == "image" else "raw",
            extractor=extractor.name,
            weights_id=extractor.weights_id(),
            seed=cache_seed,
            data_settings=dict(getattr(data, "settings", None) or {}),
        )
        loader = cached_reference_loader(extractor, reference, key, device=device)

    ev = Evaluation(
        dataset=dataset,
        kind=kind,
        samples=samples,
        reference=reference,
        extractor=extractor,
        model=model,
        seed=seed,
        device=device,
        reference_split=reference_split,
        out_dir=out_dir,
        reference_features_loader=loader,
        held_out_reference=held_out_reference,
        data=data,
    )
    values, provenance, seconds = {}, {}, {}
    for i, (name, m) in enumerate(metrics.items()):
        t0 = time.perf_counter()
        if progress is not None:
            phase = f"evaluating {name} ({i + 1}/{len(metrics)})"
            progress(phase, 0, 1, "")
            ev.progress = lambda done, total, info="", phase=phase: progress(phase, done, total, info)
        out = m.compute(ev)
        if not isinstance(out, dict):
            out = {name: out}
        seconds[name] = time.perf_counter() - t0
        for k, v in out.items():
            values[k] = float(v)
            provenance[k] = {"metric": name, **ev.provenance(m)}
    return values, provenance, seconds
