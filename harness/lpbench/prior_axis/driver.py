"""The prior axis's driver: for every completed model run of the grid, under that run's lock,
the codes, the decoder's ceiling, then each prior asked for on it."""

from __future__ import annotations

import logging
import time

from .. import records, store
from ..bookkeeping import describe, failure, save_traceback
from ..locks import RunLock
from .specs import PriorSpec, prior_dir

log = logging.getLogger("lpbench.priors")


def run_priors(model_records, prior_specs, opts, registry, plugins, echo=None) -> list[dict]:
    """For every completed model run: codes, the decoder's ceiling, then each of its priors.

    ``model_records`` are the records ``run_grid`` returned (skipped ones included). Returns the
    prior records (failed ones carry ``error``); a failure of one prior never stops the others.
    """
    out = []
    by_model: dict[str, list[PriorSpec]] = {}
    for s in prior_specs:
        by_model.setdefault(s.model, []).append(s)
    for rec in model_records:
        if rec.get("status") != "completed":
            continue
        folder = records.run_dir(opts.runs_dir, rec["dataset"], rec["budget"], rec["model"], rec["seed"])
        specs = by_model.get(rec["model"], [])
        # the model's run.json gains the ceiling: hold its run lock so a concurrent `lpbench run`
        # on the same folder (another process) neither retrains it nor writes it meanwhile
        lock = RunLock(folder)
        told = False
        try:
            while (holder := lock.acquire()) is not None:
                if echo and not told:
                    echo(f"{rec['model']} seed {rec['seed']}: waiting for the model run's lock ({holder.get('pid')})")
                    told = True
                time.sleep(2.0)
        except store.StoreError as e:  # no lock can be made there (read-only, disk full): leave the folder as it is
            out.extend(failure(_ids(s, rec), str(e), unrecorded=True) for s in specs)
            if echo:
                echo(f"{rec['model']} seed {rec['seed']}: prior axis not updated: {e}")
            continue
        try:
            out.extend(_one_model(folder, rec, specs, opts, registry, plugins, echo))
        finally:
            lock.release()
    return out


def _one_model(folder, rec, specs, opts, registry, plugins, echo) -> list[dict]:
    from .ceiling import update_ceiling
    from .model_run import ModelRun
    from .prior_run import run_prior

    out: list[dict] = []
    caps = plugins.get("model", rec["model"]).capabilities()
    if not specs and not ("encode" in caps and "decode" in caps):
        return out  # no priors asked for and no encoder to reconstruct with: nothing to load
    try:
        run = ModelRun(folder, opts, registry, plugins, persist_codes=bool(specs))
    except Exception as e:
        return [_failed_to_load(folder, s, rec, e) for s in specs]
    if run.can_reconstruct() or specs:
        try:
            update_ceiling(run)
        except Exception as e:
            log.warning("ceiling of %s failed: %s", folder, e)
            log.debug("", exc_info=True)
            if echo:
                echo(f"{rec['model']} seed {rec['seed']}: decoder ceiling failed: {describe(e)}")
    for s in specs:
        prec = run_prior(run, s)
        out.append(prec)
        if echo:
            status = "skipped (already completed)" if prec.get("skipped") else prec["status"]
            detail = f": {prec['error']}" if prec.get("error") else ""
            echo(f"{rec['model']} × prior {s.label} seed {rec['seed']}: {status}{detail}")
    return out


def _ids(spec: PriorSpec, model_rec: dict) -> dict:
    return {
        "model": spec.model,
        "prior": spec.label,
        "dataset": model_rec["dataset"],
        "budget": model_rec["budget"],
        "seed": model_rec["seed"],
    }


def _failed_to_load(folder, spec: PriorSpec, model_rec: dict, e: Exception) -> dict:
    """Every prior of a model run that could not be loaded fails, each in its own folder."""
    pfolder = prior_dir(folder, spec.label)
    pfolder.mkdir(parents=True, exist_ok=True)
    ids = {**_ids(spec, model_rec), "prior_plugin": spec.prior, "composite": spec.composite}
    rec = failure(ids, describe(e))
    save_traceback(pfolder, e)
    records.write_record(pfolder, rec)
    return rec
