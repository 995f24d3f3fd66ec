"""One prior on one model run: fitted once on the training codes (``priors/<label>/prior.pt``,
reused for any later metric), sampled, decoded and scored. ``priors/<label>/run.json`` holds the
metrics, the ceiling, the gap ceiling → samples per metric, the latent agreement between held-out
codes and prior samples, and the prior's fit time apart from the model's training time."""

from __future__ import annotations

import time

from .. import records, store
from ..bookkeeping import environment, outcome, started
from ..errors import LpbenchError
from .ceiling import gaps
from .specs import PRIOR_FILE, PriorSpec, prior_dir


def run_prior(run, spec: PriorSpec) -> dict:
    """The prior's record: skipped (reused) when a completed fit of the same settings already
    scored every metric asked for; otherwise fitted or reloaded and scored. A failure is recorded
    in its run.json and returned, never raised."""
    pfolder = prior_dir(run.folder, spec.label)
    settings = run.registry.prior_settings(spec.prior, run.plugins, spec.settings)
    config = {
        "prior": spec.prior,
        "settings": settings,
        "latent_dim": run.model.latent_dim,
        "aux_epochs": run.budget.aux_epochs,
        "batch_size": run.budget.batch_size,
        "composite": spec.composite,
    }
    metrics = run.metrics()
    old = None
    try:
        old = records.read_record(pfolder)
    except ValueError:
        pass
    force = getattr(run.opts, "force", False)
    if old and old.get("config") != config:
        old = None  # the prior's settings or the budget changed: refit
    if old and not force and old.get("status") == "completed" and all(_scored(m, old) for m in metrics):
        old["skipped"] = True
        return old
    ids = {
        "model": spec.model,
        "prior": spec.label,
        "prior_plugin": spec.prior,
        "composite": spec.composite,
        "dataset": run.rec["dataset"],
        "budget": run.rec["budget"],
        "seed": run.seed,
    }
    rec = started(ids, config, environment(str(run.device), run.plugins))
    if old:  # scores of the same fit stay; only the missing metrics are computed
        for k in ("metrics", "metric_provenance", "timings"):
            rec[k] = dict(old.get(k, {}))
    rec["model_run"] = str(run.folder)
    pfolder.mkdir(parents=True, exist_ok=True)
    records.write_record(pfolder, rec)
    with outcome(rec, pfolder, f"prior {spec.label}"):
        _fit_and_score(run, spec, settings, pfolder, rec, metrics, force or old is None)
    records.write_record(pfolder, rec)
    # No run_finished hook here: its implementations (the MLflow tracker) locate the runs
    # directory from a model run folder's depth, which a priors/<prior> folder does not have.
    return rec


def _scored(metric: str, rec: dict) -> bool:
    return any(p.get("metric") == metric for p in (rec.get("metric_provenance") or {}).values())


def _fit(run, spec, settings, pfolder, rec, refit):
    """The prior, fitted (and saved) or read back from its saved fit."""
    from ..context import CHECKPOINT, PriorContext, seed_everything

    codes = run.codes()
    cls = run.plugins.get("prior", spec.prior)
    prior = cls(run.model.latent_dim, settings, sigma=run.model.prior_sigma)
    prior.name = spec.prior
    path = pfolder / PRIOR_FILE
    if refit:  # new settings, budget or --force: a checkpoint of the old fit must not be resumed
        (pfolder / CHECKPOINT).unlink(missing_ok=True)
        path.unlink(missing_ok=True)
    if path.exists():
        prior.load_state_dict(store.read_torch(path, what="fitted prior file"))
        return prior
    seed_everything(run.seed)
    train = codes["train"]
    budget = run.budget
    ctx = PriorContext(
        device=str(run.device),
        seed=run.seed,
        run_dir=pfolder,
        total_steps=budget.aux_steps(len(train)) if cls.trainable else 0,
        log_every=budget.log_every,
        checkpoint_every=budget.checkpoint_every,
        max_wall_s=budget.max_wall_s,
        batch_size=budget.batch_size,
        budget=budget,
    )
    t0 = time.perf_counter()
    prior.fit(train, ctx)
    rec["timings"]["prior_fit_s"] = time.perf_counter() - t0
    ctx.finish()
    rec["steps"] = ctx.total_steps  # a prior may count its passes at its own batch size
    store.atomic_write_torch(path, prior.state_dict(), what="fitted prior file")
    rec["metrics"], rec["metric_provenance"] = {}, {}  # a new fit invalidates old scores
    return prior


def _fit_and_score(run, spec, settings, pfolder, rec, metrics, refit):
    import torch

    from ..evaluation import check_samples, reference_subset
    from ..figures import save_samples_figure

    run.need_decoder()
    codes = run.codes()
    prior = _fit(run, spec, settings, pfolder, rec, refit)
    rec["timings"]["train_s"] = (run.rec.get("timings") or {}).get("train_s")
    rec["timings"]["codes_s"] = codes["seconds"]
    rec["artifacts"]["prior"] = PRIOR_FILE

    n, d = run.n_eval(), run.model.latent_dim
    t0 = time.perf_counter()
    z = prior.sample(n, torch.Generator().manual_seed(run.seed + 10_000))
    z = z.detach().float().cpu()
    if tuple(z.shape) != (n, d) or not torch.isfinite(z).all():
        raise LpbenchError(
            f"prior '{spec.prior}' returned codes of shape {tuple(z.shape)} (finite: {bool(torch.isfinite(z).all())}); "
            f"expected finite [{n}, {d}]"
        )
    samples = run.decode(z)
    test = run.split("test")
    what = f"samples of '{spec.model}' under prior '{spec.prior}'"
    check_samples(samples, run.kind, tuple(test.item_shape), what=what)
    rec["timings"]["sample_s"] = time.perf_counter() - t0

    todo = {m: o for m, o in metrics.items() if not _scored(m, rec)}
    if todo:
        t0 = time.perf_counter()
        values, prov, _ = run.evaluate(todo, samples, out_dir=pfolder)
        rec["timings"]["eval_s"] = time.perf_counter() - t0
        rec["metrics"].update(values)
        rec["metric_provenance"].update(prov)
    t0 = time.perf_counter()
    rec["latent"] = run.latent(z)
    rec["timings"]["latent_s"] = time.perf_counter() - t0
    if prior.has_log_prob():
        with torch.no_grad():
            rec["latent"]["latent_nll"] = float(-prior.log_prob(codes["heldout"]).mean())
    ceiling = (records.read_record(run.folder) or {}).get("ceiling") or {}
    rec["ceiling"] = ceiling
    provenance = rec["metric_provenance"]
    rec["gap"] = gaps(rec["metrics"], ceiling, run.higher_is_better(provenance), provenance)
    rec["artifacts"]["samples"] = save_samples_figure(
        samples, run.kind, pfolder, reference=reference_subset(run.reference(), n)
    )
