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


def reference_cache_key(*, dataset, split, n, preprocessing, extractor, weights_id, seed=None,
                        data_settings=None) -> str:
    key = {
        "dataset": dataset, "split": split, "n": int(n), "preprocessing": preprocessing,
        "extractor": extractor, "weights": weights_id, "seed": seed,
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
            dataset=dataset, split=reference_split, n=len(reference),
            preprocessing="float01" if kind == "image" else "raw",
            extractor=extractor.name, weights_id=extractor.weights_id(), seed=cache_seed,
            data_settings=dict(getattr(data, "settings", None) or {}),
        )
        loader = cached_reference_loader(extractor, reference, key, device=device)

    ev = Evaluation(
        dataset=dataset, kind=kind, samples=samples, reference=reference, extractor=extractor,
        model=model, seed=seed, device=device, reference_split=reference_split,
        out_dir=out_dir, reference_features_loader=loader, held_out_reference=held_out_reference, data=data,
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
