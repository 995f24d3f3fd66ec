"""The library API: ``lpbench.run``, ``lpbench.score``, ``lpbench.evaluate`` and
``lpbench.leaderboard`` — what the command line calls, for notebooks and scripts.

Keyword arguments mirror the command options (docs/api.md); results are data (run records,
dicts of scores, pandas tables), never printed text; a user error raises an
``lpbench.LpbenchError`` (the CLI turns it into "Error: …" and exit code 2). Everything heavy is
imported inside the functions, so ``import lpbench`` stays cheap.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import LpbenchError


def names(value) -> list[str]:
    """A comma-separated string (as typed on the command line) or an iterable of names → list."""
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value]


def load_registry(registry=None):
    """A ``Registry`` as given, or loaded from a registry.yaml path (None: the project's)."""
    from .registry import Registry

    return registry if isinstance(registry, Registry) else Registry.load(registry)


def extractor_options(inception_weights) -> dict:
    return {"inception_weights": str(inception_weights)} if inception_weights else {}


def writable_dir(path) -> Path:
    p = Path(path)
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise LpbenchError(f"cannot create runs directory {p} (--runs-dir): {e.strerror}") from None
    if not os.access(p, os.W_OK):
        raise LpbenchError(f"runs directory {p} is not writable; choose another with --runs-dir")
    return p


def higher_is_better(plugins) -> dict:
    return {name: e.cls.higher_is_better for name, e in plugins.all("metric").items()}


def primaries(registry) -> dict:
    return {name: ds["evaluation"]["primary"] for name, ds in registry.datasets.items()}


def refresh_leaderboard(registry, plugins, runs_dir, dataset) -> None:
    """Rewrite RUNS_DIR/leaderboard/ (md and csv) for ``dataset`` from its run records."""
    from . import tables as lb

    tables = lb.build(runs_dir, higher_is_better(plugins), primaries(registry), dataset=dataset)
    lb.write(tables, Path(runs_dir) / "leaderboard", formats=("md", "csv"))


def _default_threads(workers: int) -> int:
    from .threads import default_threads

    return default_threads(workers)


# ------------------------------------------------------------------------------------------ run


@dataclass
class RunResult:
    """What ``lpbench.run`` did: the model runs' records (in plan order, skipped ones included)
    and the prior-axis records."""

    runs: list[dict] = field(default_factory=list)
    priors: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every run and prior completed, and no completed run still lacks a requested metric."""
        every = [*self.runs, *self.priors]
        return all(r["status"] == "completed" for r in every) and not any(r.get("missing_metrics") for r in self.runs)

    def frame(self):
        """One row per record (model runs, then priors): model, prior, seed, status, error and
        each metric value — a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "model": r["model"],
                    "prior": r.get("prior") or "native",
                    "dataset": r["dataset"],
                    "budget": r["budget"],
                    "seed": r["seed"],
                    "status": r["status"],
                    "error": r.get("error"),
                    **(r.get("metrics") or {}),
                }
                for r in [*self.runs, *self.priors]
            ]
        )


def run(
    models,
    dataset: str,
    *,
    priors=None,
    budget: str | None = None,
    seeds: Iterable[int] | int = (0,),
    metrics=None,
    runs_dir="runs",
    device: str = "auto",
    data_root=None,
    overrides: Iterable[str] = (),
    force: bool = False,
    workers: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    threads: int | None = None,
    inception_weights=None,
    registry=None,
    display: Callable | None = None,
    on_note: Callable | None = None,
    echo: Callable | None = None,
) -> RunResult:
    """Train each model × seed on ``dataset`` under its standardized architecture and budget,
    evaluate, record one run folder each (a completed run is reused, not retrained), fit and
    score each of ``priors`` on every trained model, and refresh RUNS_DIR/leaderboard/.

    ``overrides`` are ``--set`` strings ("vae.lr=0.001", "budget.epochs=2"). ``display(specs)``
    returns a context manager with ``step(spec, step, total, row)`` and ``done(spec, record)``
    (``lpbench.progress.Reporter`` is one); ``on_note(spec, message)`` hears about waits, runs
    scored now for a metric they lacked and runs that still lack one; ``echo(line)`` about the
    prior axis. A failed run is recorded and returned, not raised: see ``RunResult.ok``."""
    import contextlib

    from .executors import get_executor, run_grid
    from .plugins import get_plugins
    from .prior_axis import expand, run_priors
    from .registry import parse_overrides
    from .runner import RunOptions, check_runs_dir, plan, preflight_evaluation, resolve_device

    get_executor(executor)
    registry, plugins = load_registry(registry), get_plugins()
    model_names, prior_specs = expand(registry, plugins, names(models), names(priors))
    parsed = parse_overrides(tuple(overrides), model_names, list(plugins.all("metric")))
    metric_names = names(metrics) or None
    seeds = [seeds] if isinstance(seeds, int) else list(seeds)
    specs = plan(registry, plugins, model_names, dataset, budget, seeds, metric_names, parsed)
    options = extractor_options(inception_weights)
    preflight_evaluation(registry, plugins, dataset, metric_names, options)
    device = resolve_device(device)
    runs_path = writable_dir(runs_dir)
    check_runs_dir(registry, plugins, specs, parsed, runs_path, force)
    shown = display(specs) if display else contextlib.nullcontext()
    opts = RunOptions(
        runs_dir=runs_path,
        device=device,
        data_root=Path(data_root) if data_root else None,
        force=force,
        metrics=metric_names,
        overrides=parsed,
        progress=getattr(shown, "step", None),
        extractor_options=options,
        # a Dask worker divides its own machine's cores unless threads says otherwise
        threads=threads or (_default_threads(workers) if executor == "local" else None),
    )
    with shown:
        results = run_grid(
            specs,
            opts,
            registry,
            plugins,
            executor=executor,
            workers=workers,
            scheduler=scheduler,
            on_done=getattr(shown, "done", None),
            on_note=on_note,
        )
    if on_note is not None:
        for spec, r in zip(specs, results):
            for note in _metric_gap_notes(spec, r, runs_dir, inception_weights):
                on_note(spec, note)
    prior_results = run_priors(results, prior_specs, opts, registry, plugins, echo=echo)
    refresh_leaderboard(registry, plugins, runs_path, dataset)
    return RunResult(results, prior_results)


def _metric_gap_notes(spec, record, runs_dir, inception_weights) -> list[str]:
    """A completed run scored now for a metric it lacked, or still lacking one (with the
    command that scores it): never left unsaid."""
    notes = []
    if record.get("evaluated_now"):
        notes.append(
            f"already completed; lacked metric(s) {', '.join(record['evaluated_now'])}: "
            f"scored from its saved model (no retraining)"
        )
    if record.get("missing_metrics"):
        miss = record["missing_metrics"]
        folder = Path(runs_dir) / spec.dataset / spec.budget / spec.model / f"seed{spec.seed}"
        weights = f" --inception-weights {inception_weights}" if inception_weights else ""
        notes.append(
            f"already completed but lacks metric(s) {', '.join(miss['metrics'])}, and they could not be "
            f"scored: {miss['why']}. Once fixed: lpbench evaluate {folder} --metrics "
            f"{','.join(miss['metrics'])}{weights}"
        )
    return notes


# ---------------------------------------------------------------------------------------- score


class Scores(dict):
    """Value name → value, with ``provenance``: value name → how it was computed (extractor,
    sample counts, reference split, metric settings)."""

    def __init__(self, values: dict, provenance: dict):
        super().__init__(values)
        self.provenance = provenance


def score(
    samples,
    dataset: str,
    *,
    metrics=None,
    reference=None,
    data_root=None,
    seed: int = 0,
    threads: int | None = None,
    inception_weights=None,
    registry=None,
) -> Scores:
    """Score samples made by anything against ``dataset``'s reference split with the same metric
    plugins as ``run``. ``samples`` (and ``reference``, used instead of the dataset's reference
    split) are a .npy/.npz file or a folder of PNGs, or a float tensor/array in data space
    (images [N, C, H, W] in [0, 1]). Without ``metrics``, the dataset's default metrics that need
    no trained model."""
    from .evaluation import build_metrics, score_samples
    from .plugins import get_plugins
    from .threads import limit

    registry, plugins = load_registry(registry), get_plugins()
    ds = registry.dataset(dataset)
    explicit = names(metrics)
    metric_objs, _ = build_metrics(
        plugins, explicit or ds["evaluation"]["metrics"], registry.metric_settings(plugins), explicit=bool(explicit)
    )
    ds_cls = plugins.get("dataset", dataset)
    x = _samples(samples, ds_cls, "samples")
    ref, ref_name = None, None
    if reference is not None:
        ref = _samples(reference, ds_cls, "reference samples")
        ref_name = f"file:{Path(reference).name}" if isinstance(reference, (str, os.PathLike)) else "given array"
    with limit(threads or _default_threads(1)):
        values, provenance, _ = score_samples(
            plugins,
            x,
            metric_objs,
            dataset=dataset,
            seed=seed,
            evaluation=ds["evaluation"],
            data_settings=registry.data_settings(dataset, plugins),
            data_root=data_root,
            reference=ref,
            reference_name=ref_name,
            extractor_options=extractor_options(inception_weights),
        )
    return Scores(values, provenance)


def _samples(value, ds_cls, what: str):
    """A file or folder read by lpbench.samples_io, or an in-memory array checked as a model's samples are."""
    if isinstance(value, (str, os.PathLike)):
        from .samples_io import load_samples

        return load_samples(value, ds_cls.kind, ds_cls.shape, what=what)
    import torch

    from .evaluation import check_samples

    x = torch.as_tensor(value)
    check_samples(x, ds_cls.kind, tuple(ds_cls.shape), what=what)
    return x.float()


# ------------------------------------------------------------------------------------- evaluate


def evaluate(
    runs,
    *,
    metrics=None,
    device: str = "auto",
    data_root=None,
    overrides: Iterable[str] = (),
    threads: int | None = None,
    inception_weights=None,
    registry=None,
    on_result: Callable | None = None,
) -> list[dict]:
    """Score completed runs (run folders, or runs directories searched for them) from their saved
    models without retraining, merging the new values into each run.json. Without ``metrics``:
    the dataset's default metrics each run lacks. ``overrides``: "<metric>.<setting>=VALUE".

    Returns one entry per run, also handed to ``on_result(entry)`` as soon as it is done:
    {"run", "metrics" (those scored now), "values", "samples_match"} or, for a run that could not
    be scored, {"run", "error"}."""
    from . import records
    from .plugins import get_plugins
    from .registry import METRICS_KEY, parse_overrides
    from .rescore import rescore, run_folders
    from .runner import resolve_device
    from .threads import limit

    registry, plugins = load_registry(registry), get_plugins()
    metric_names = names(metrics) or None
    for m in metric_names or []:
        plugins.get("metric", m)
    parsed = parse_overrides(tuple(overrides), [], list(plugins.all("metric")))
    if set(parsed) - {METRICS_KEY}:
        raise LpbenchError("lpbench evaluate --set takes <metric>.<setting>=VALUE only (a model is not retrained)")
    parsed = parsed.get(METRICS_KEY, {})
    checked = registry.metric_settings(plugins, None, parsed)  # type-checked against each metric's defaults
    parsed = {m: {k: checked[m][k] for k in v} for m, v in parsed.items()}
    folders = run_folders([runs] if isinstance(runs, (str, os.PathLike)) else runs)
    device = resolve_device(device)
    out = []
    for folder in folders:
        try:
            with limit(threads or _default_threads(1)):
                entry = rescore(
                    folder,
                    metric_names,
                    registry=registry,
                    plugins=plugins,
                    device=device,
                    data_root=data_root,
                    extractor_options=extractor_options(inception_weights),
                    metric_overrides=parsed,
                )
        except LpbenchError as e:
            result: dict[str, Any] = {"run": str(folder), "error": str(e)}
        else:
            rec = records.read_record(folder) or {}  # rescore just rewrote it
            values = {
                k: rec.get("metrics", {}).get(k)
                for k, p in rec.get("metric_provenance", {}).items()
                if p.get("metric", k) in entry["metrics"]
            }
            result = {
                "run": str(folder),
                "metrics": entry["metrics"],
                "values": values,
                "samples_match": entry.get("samples_match"),
            }
        out.append(result)
        if on_result is not None:
            on_result(result)
    return out


# ---------------------------------------------------------------------------------- leaderboard


def leaderboard(
    runs_dir="runs", *, dataset: str | None = None, budget: str | None = None, values=None, registry=None
) -> dict:
    """{(dataset, budget): DataFrame}: one row per model (× prior) and per reference row, each
    value's mean, std and 95% t-interval over seeds, sorted by the dataset's primary metric with
    rank groups (``lpbench.tables.build``). ``dataset``, ``budget``: only those tables (each
    table is ranked on its own, so leaving others out changes nothing in it); ``values``: only
    these value names."""
    from . import tables as lb
    from .plugins import get_plugins

    registry, plugins = load_registry(registry), get_plugins()
    if dataset:
        registry.dataset(dataset)
        if budget:
            registry.budget(dataset, budget)
    if not Path(runs_dir).is_dir():
        raise LpbenchError(f"runs directory {runs_dir} does not exist; run 'lpbench run' first or pass --runs-dir")
    tables = lb.build(
        runs_dir, higher_is_better(plugins), primaries(registry), dataset=dataset, values=names(values) or None
    )
    return {key: t for key, t in tables.items() if budget is None or key[1] == budget}
