"""One run: seed → build → fit under budget → sample → evaluate → record. And grids of them."""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from . import records, store
from .bookkeeping import describe, environment, failure, outcome, started
from .context import CHECKPOINT, RunContext, autocast, seed_everything
from .errors import LpbenchError
from .evaluation import build_metrics, check_samples, feature_extractor, reference_subset, score_samples
from .plugins import Plugins, get_plugins
from .registry import Registry, ResolvedRun, check_wildcards
from .store import Malformed, StoreError
from .threads import limit as limit_threads

MODEL_FILE = "model.pt"
log = logging.getLogger("lpbench.runner")


@dataclass(frozen=True)
class RunSpec:
    model: str
    dataset: str
    budget: str
    seed: int

    @property
    def label(self) -> str:
        return f"{self.model} on {self.dataset}/{self.budget} seed {self.seed}"


@dataclass
class RunOptions:
    runs_dir: Path = Path("runs")
    device: str = "auto"
    data_root: Path | None = None
    force: bool = False
    metrics: list[str] | None = None  # None: the dataset's default metrics
    overrides: dict = field(default_factory=dict)
    # machine-specific feature-extractor options, e.g. {"inception_weights": PATH}
    extractor_options: dict = field(default_factory=dict)
    # progress(spec, step, total, latest values) while a model trains
    # while it is evaluated and its figures are drawn, latest values is {"phase": what, "info": detail}
    progress: Callable | None = None
    # CPU threads per run (lpbench.threads, --threads); None: the count this process already has
    threads: int | None = None


def resolve_device(device: str) -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise LpbenchError("--device cuda was requested but CUDA is not available here; use --device cpu or auto")
    if device not in ("cpu", "cuda") and not device.startswith("cuda:"):
        raise LpbenchError(f"unknown device '{device}'; expected auto, cpu or cuda")
    return device


def plan(registry: Registry, plugins: Plugins, models, dataset, budget, seeds, metrics=None, overrides=None):
    """Validate every name and setting up front (usage errors before any training) → specs."""
    registry.dataset(dataset)
    budget = budget or registry.dataset(dataset)["default_budget"]
    registry.budget(dataset, budget)
    for m in metrics or registry.dataset(dataset)["evaluation"]["metrics"]:
        plugins.get("metric", m)
    if not models:
        raise LpbenchError("no models given; pass --models NAME[,NAME...] (see 'lpbench list models')")
    for m in models:
        registry.resolve(m, dataset, budget, plugins, overrides)
    check_wildcards(overrides, models, plugins)
    return [RunSpec(m, dataset, budget, int(s)) for m in models for s in seeds]


SHOWN_DIFFERENCES = 5


def check_runs_dir(registry: Registry, plugins: Plugins, specs, overrides, runs_dir, force: bool = False) -> None:
    """Before any training: the runs directory must not hold, in these runs' folders, runs trained
    on other settings (a completed one would be reused as this command's, an interrupted one
    resumed from another experiment's checkpoint; --force replaces them), nor runs of the same
    dataset and budget on other data (they would share one table, forced or not)."""
    runs_dir = Path(runs_dir)
    own, tables = [], {}
    for spec in specs:
        resolved = registry.resolve(spec.model, spec.dataset, spec.budget, plugins, overrides)
        folder = records.run_dir(runs_dir, spec.dataset, spec.budget, spec.model, spec.seed)
        tables.setdefault((spec.dataset, spec.budget), (resolved.data_settings, []))[1].append(folder)
        if force:
            continue
        try:
            rec = records.read_record(folder, identity(spec))
        except Malformed:  # the run itself says what is wrong with it
            continue
        stored = records.with_predated((rec or {}).get("config") or {}, plugins.get("model", spec.model).predates)
        diff = records.settings_differences(stored, resolved.as_dict())
        if diff:
            own.append(f"{folder} ({rec['status']}): {', '.join(diff)}")
    if own:
        raise LpbenchError(
            f"{len(own)} of these runs' folders hold runs trained on other settings "
            "(settings: the recorded value ≠ this command's):\n  "
            + listing(own)
            + "\nA runs directory holds one run per model and seed: pass another --runs-dir for these "
            "settings, or --force to replace those runs."
        )
    for (dataset, budget), (data, folders) in tables.items():
        other = records.table_data_differences(runs_dir, dataset, budget, data, skip=folders if force else ())
        if other:
            raise LpbenchError(
                f"{runs_dir / dataset / budget} holds {len(other)} run(s) on other data settings than "
                "this command's (the recorded value ≠ this command's):\n  "
                + listing(other)
                + f"\nRuns on different data cannot share the {dataset}/{budget} table: pass another --runs-dir."
            )


def listing(lines) -> str:
    """The first SHOWN_DIFFERENCES lines, indented, and "…" when there are more."""
    return "\n  ".join(lines[:SHOWN_DIFFERENCES]) + ("\n  …" if len(lines) > SHOWN_DIFFERENCES else "")


def preflight_evaluation(registry: Registry, plugins: Plugins, dataset, metrics=None, extractor_options=None) -> None:
    """Before any training: build the metrics (validating their registry settings) and resolve the
    feature extractor's weights, so a missing weights file is a usage error, not a failed run."""
    evaluation = registry.dataset(dataset)["evaluation"]
    objs, _ = build_metrics(plugins, metrics or evaluation["metrics"], registry.metric_settings(plugins))
    extractor = feature_extractor(plugins, evaluation.get("feature_extractor", "raw"), objs, extractor_options)
    if extractor is not None:
        extractor.weights_id()


_data_cache: dict = {}


def load_split(plugins: Plugins, resolved: ResolvedRun, split: str, seed: int, data_root):
    cls = plugins.get("dataset", resolved.dataset)
    key = (
        resolved.dataset,
        repr(sorted(resolved.data_settings.items())),
        split,
        seed if cls.seeded else None,
        str(data_root),
    )
    if key not in _data_cache:
        _data_cache[key] = cls(resolved.data_settings, data_root=data_root).load(split, seed=seed)
    return _data_cache[key]


def run_one(spec: RunSpec, opts: RunOptions, registry: Registry, plugins: Plugins | None = None) -> dict:
    """Run (or skip, if completed) one model × dataset × budget × seed. Returns its record.
    A run folder that cannot hold its files (no permission, a folder where run.json belongs)
    fails this run only, with the reason, and the grid goes on."""
    plugins = plugins or get_plugins()
    folder = records.run_dir(opts.runs_dir, spec.dataset, spec.budget, spec.model, spec.seed)
    try:
        return _run_one(spec, opts, registry, plugins, folder)
    except (StoreError, OSError) as e:
        return unrecorded_failure(
            spec, f"{e}; nothing in {folder} was changed" if isinstance(e, StoreError) else f"{type(e).__name__}: {e}"
        )


def identity(spec: RunSpec) -> dict:
    """The fields by which a run.json says which run it is (checked whenever one is read)."""
    return {"model": spec.model, "dataset": spec.dataset, "budget": spec.budget, "seed": spec.seed}


def unrecorded_failure(spec: RunSpec, message: str) -> dict:
    """A failed run's record that could not be (or must not be) written to its folder."""
    return failure(identity(spec), message, unrecorded=True)


def _run_one(spec, opts, registry, plugins, folder) -> dict:
    records.recover(folder)
    completed = records.is_completed(folder, identity(spec))
    if completed and not opts.force:
        return _complete_metrics(spec, opts, registry, plugins, folder)

    device = resolve_device(opts.device)
    resolved = registry.resolve(spec.model, spec.dataset, spec.budget, plugins, opts.overrides)
    metric_names = opts.metrics or resolved.evaluation["metrics"]
    config = {**resolved.as_dict(), "metrics": metric_names}
    work = folder
    if opts.force and completed:
        # the completed run stays where it is until this rerun completes (records.promote);
        # an interrupted forced rerun of the same settings resumes in its staging folder
        work = records.staging_dir(folder)
        try:
            staged = records.read_record(work, identity(spec))
        except ValueError:
            staged = None
        if work.exists() and not (staged and records.same_config(staged.get("config"), config)):
            shutil.rmtree(work)
    elif opts.force and folder.exists():
        shutil.rmtree(folder)
    work.mkdir(parents=True, exist_ok=True)

    record = {
        **started(identity(spec), config, environment(device, plugins)),
        "registry": registry.recorded_path,
        "registry_sha256": registry.sha256,
        "started_at": _now(),
    }
    record["environment"]["threads"] = opts.threads or _torch_threads()  # results depend on it
    records.write_record(work, record)
    t_start = time.perf_counter()
    with outcome(record, work, f"run {spec.label}"), limit_threads(opts.threads):
        _execute(spec, opts, registry, plugins, resolved, metric_names, device, work, record)
    if work != folder and record["status"] != "completed":
        record["error"] += (
            f" (this was a --force rerun: the completed run in {folder} is kept; the rerun's files are in {work})"
        )
    record["timings"]["total_s"] = time.perf_counter() - t_start
    record["finished_at"] = _now()
    records.write_record(work, record)
    if work != folder and record["status"] == "completed":
        records.promote(work, folder)
    _run_finished(plugins, record, folder if record["status"] == "completed" else work)
    return record


def _complete_metrics(spec, opts, registry, plugins, folder) -> dict:
    """A completed run is not retrained; a requested metric it lacks is scored from its saved
    model (lpbench.rescore) and reported in "evaluated_now", or, when that cannot be done,
    in "missing_metrics" with the reason: never skipped silently."""
    from .rescore import missing_metrics, rescore

    rec = records.read_record(folder, identity(spec))
    requested = opts.metrics or registry.dataset(spec.dataset)["evaluation"]["metrics"]
    missing = missing_metrics(rec, requested)
    if missing:
        try:
            with limit_threads(opts.threads):
                entry = rescore(
                    folder,
                    missing if opts.metrics else None,
                    registry=registry,
                    plugins=plugins,
                    device=resolve_device(opts.device),
                    data_root=opts.data_root,
                    extractor_options=opts.extractor_options,
                )
            rec = records.read_record(folder, identity(spec))
            rec["evaluated_now"] = entry["metrics"]
        except Exception as e:  # the run itself stays completed; the gap is reported
            rec["missing_metrics"] = {"metrics": missing, "why": describe(e)}
    rec["skipped"] = True
    return rec


def _run_finished(plugins: Plugins, record: dict, folder: Path) -> None:
    """Tell trackers (the run_finished hook) about a run that ran; a tracker that raises is
    logged and never changes the run's outcome."""
    for plugin, message in plugins.call_each("run_finished", record=record, run_dir=folder):
        log.warning("run_finished hook of plugin '%s' failed: %s", plugin, message)


def _execute(spec, opts, registry, plugins, resolved, metric_names, device, folder, record):

    seed_everything(spec.seed)
    train = load_split(plugins, resolved, "train", spec.seed, opts.data_root)
    model_cls = plugins.get("model", spec.model)
    model = model_cls(resolved.model_config)
    model.name = spec.model
    budget = model.train_budget(resolved.budget)
    if budget != resolved.budget:
        from dataclasses import asdict

        record["train_budget"] = {k: v for k, v in asdict(budget).items() if v != getattr(resolved.budget, k)}
    total = budget.steps(len(train))
    ctx = RunContext(
        device=device,
        seed=spec.seed,
        run_dir=folder,
        total_steps=total,
        log_every=budget.log_every,
        checkpoint_every=budget.checkpoint_every,
        max_wall_s=budget.max_wall_s,
        progress=(lambda step, tot, row: opts.progress(spec, step, tot, row)) if opts.progress else None,
    )
    record["steps"] = total

    t0 = time.perf_counter()
    with autocast(ctx.device, budget.precision):  # evaluation below always runs in fp32
        model.fit(train.to(ctx.device), budget, ctx)
    this_process_s = time.perf_counter() - t0
    # the whole training's time; None when a resumed checkpoint predates saving it (0 before a fresh run)
    before = ctx.trained_before_s
    record["timings"]["train_s"] = None if before is None else before + this_process_s
    if ctx.notes:
        record["training"] = ctx.notes
    if ctx.resumed_from is not None:
        record["resumed_from_step"] = ctx.resumed_from
        record["timings"].update(train_s_before_resume=before, train_s_this_process=this_process_s)
    ctx.finish()
    _save_model(model, folder)
    record["artifacts"].update(model=MODEL_FILE, curves="curves.json")

    test = load_split(plugins, resolved, resolved.evaluation["reference_split"], spec.seed, opts.data_root)
    n = min(budget.eval_samples, len(test))
    t0 = time.perf_counter()
    samples = draw_samples(model, n, spec.seed, train.kind, train.item_shape, what=f"samples from model '{spec.model}'")
    record["timings"]["sample_s"] = time.perf_counter() - t0
    record["samples_sha256"] = samples_digest(samples)

    from .figures import save_samples_figure

    record["artifacts"]["samples"] = save_samples_figure(
        samples, train.kind, folder, reference=reference_subset(test, n)
    )

    phase = None
    if opts.progress is not None:  # evaluation and figures on the same display as training

        def phase(what, done, total, info=""):
            opts.progress(spec, done, total, {"phase": what, "info": info})

    t0 = time.perf_counter()
    metrics, skipped = build_metrics(
        plugins, metric_names, resolved.metric_settings, explicit=opts.metrics is not None, model=model
    )
    values, provenance, seconds = score_samples(
        plugins,
        samples,
        metrics,
        dataset=spec.dataset,
        seed=spec.seed,
        evaluation=resolved.evaluation,
        data_settings=resolved.data_settings,
        data_root=opts.data_root,
        reference_data=test,
        extractor_options=opts.extractor_options,
        model=model,
        device=device,
        out_dir=folder,
        progress=phase,
    )
    if skipped:
        record["metrics_skipped"] = skipped
    record["timings"]["eval_s"] = time.perf_counter() - t0
    record["timings"]["metric_s"] = seconds
    record["metrics"] = values
    record["metric_provenance"] = provenance
    if phase is not None:
        phase("drawing figures", 0, 1)
    _add_figures(model, train, samples, reference_subset(test, n), test, folder, spec.seed, device, ctx.curves, record)


SAMPLE_SEED_OFFSET = 10_000  # a run's evaluation samples come from generator seed + this


def draw_samples(model, n: int, seed: int, kind: str, shape, what: str):
    """The n samples a run is scored on: generator seeded with seed + SAMPLE_SEED_OFFSET, so
    `lpbench evaluate` redraws the very same set from the saved model."""
    import torch

    with torch.no_grad():
        samples = model.sample(n, torch.Generator().manual_seed(seed + SAMPLE_SEED_OFFSET))
    samples = samples.detach().float().cpu() if torch.is_tensor(samples) else samples
    check_samples(samples, kind, shape, what=what)
    return samples


def samples_digest(samples) -> str:
    """sha256 of the scored samples' float32 bytes: a re-evaluation can show it scored the same set."""
    import hashlib

    return hashlib.sha256(samples.contiguous().numpy().astype("float32").tobytes()).hexdigest()


def _add_figures(model, train, samples, reference, test, folder, seed, device, curves, record) -> None:
    """The run's figures (lpbench.run_figures); each is isolated, none can fail the run."""
    from .run_figures import make_run_figures

    t0 = time.perf_counter()
    try:
        artifacts, errors = make_run_figures(
            model,
            kind=train.kind,
            samples=samples,
            reference=reference,
            test=test,
            folder=folder,
            seed=seed,
            device=device,
            curves=curves,
            train=train,
        )
    except Exception as e:  # set-up failed before any single figure ran
        artifacts, errors = {}, {"(all)": f"{type(e).__name__}: {e}"}
        log.warning("figures failed: %s", errors["(all)"])
    record["artifacts"].update(artifacts)
    if errors:
        record["figure_errors"] = errors
    record["timings"]["figures_s"] = time.perf_counter() - t0


def _save_model(model, folder: Path) -> None:
    try:
        state = model.state_dict()
    except NotImplementedError:
        return
    store.atomic_write_torch(folder / MODEL_FILE, state, what="model weights file")


def model_from_record(rec: dict, folder, plugins: Plugins | None = None):
    """The untrained model a run record describes (its hyperparameters, architecture and latent
    size; a run recorded before a hyperparameter existed gets the behaviour it had), built as
    `lpbench run` builds it: seed the RNGs first for its initial weights."""
    from .api import ModelConfig

    plugins = plugins or get_plugins()
    cfg = records.config_of(rec, folder, "hparams", "architecture", "latent_dim")
    ds_cls = plugins.get("dataset", rec["dataset"])
    model_cls = plugins.get("model", rec["model"])
    # a run recorded before a hyperparameter existed is rebuilt with the behaviour it had: the
    # model's predates value, else the default (which then did not change how it trained)
    hparams = {**model_cls.defaults, **records.with_predated(cfg, model_cls.predates)["hparams"]}
    config = ModelConfig(
        hparams=hparams,
        architecture=cfg["architecture"],
        latent_dim=cfg["latent_dim"],
        data_kind=ds_cls.kind,
        data_shape=tuple(ds_cls.shape),
        num_classes=ds_cls.num_classes,
    )
    model = model_cls(config)
    model.name = rec["model"]
    return model


def untrained_run(folder, plugins: Plugins | None = None):
    """A recorded run rebuilt before its first step, for studies that replay it: the model (its
    initial weights: the RNGs seeded first, as `lpbench run` does), its training and test splits,
    its budget and its record."""
    from .api import Budget

    plugins = plugins or get_plugins()
    rec = records.read_record(folder)
    if rec is None:
        raise LpbenchError(f"{folder} holds no run.json")
    seed_everything(rec["seed"])
    data = plugins.get("dataset", rec["dataset"])(rec["config"]["data"])
    train, test = data.load("train", seed=rec["seed"]), data.load("test", seed=rec["seed"])
    model = model_from_record(rec, folder, plugins)
    budget = model.train_budget(Budget(**rec["config"]["budget"]))
    return model, train, test, budget, rec


def load_model(folder, registry: Registry | None = None, plugins: Plugins | None = None):
    """Rebuild a trained model from its run folder (for sampling and figures)."""
    rec = records.read_record(folder)
    if rec is None:
        raise LpbenchError(f"{folder} holds no run.json")
    model = model_from_record(rec, folder, plugins)
    path = Path(folder) / MODEL_FILE
    state = store.read_torch(path, what="model weights file", missing_ok=True)
    if state is None:
        if rec.get("status") == "completed":  # e.g. a published runs directory: records, not weights
            raise LpbenchError(
                f"{path} is missing: the run completed, but its weights are not kept here; "
                "rerun it with --force to train it again"
            )
        raise LpbenchError(f"{path} is missing: the run did not finish training")
    try:
        model.load_state_dict(state)
    except (RuntimeError, KeyError, ValueError, TypeError) as e:
        raise store.Malformed(
            path, f"does not fit the model its run.json describes ({type(e).__name__}: {e})"
        ) from None
    return model, rec


def _torch_threads() -> int:
    import torch

    return torch.get_num_threads()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


__all__ = ["RunSpec", "RunOptions", "run_one", "plan", "load_model", "resolve_device", "CHECKPOINT"]
