"""Run folders and run.json: where a run lives, reading its record (checked, through
lpbench.store), skip-on-rerun, and the staging that lets --force keep a completed run until
its rerun completes."""

from __future__ import annotations

import os
import re
import shutil
import warnings
from pathlib import Path

from . import store
from .store import Malformed

RUN_JSON = "run.json"
STATUSES = store.STATUSES


def run_dir(runs_dir, dataset: str, budget: str, model: str, seed: int) -> Path:
    return store.safe_join(runs_dir, dataset, budget, model, f"seed{int(seed)}", what="run name")


def read_record(folder, expect: dict | None = None) -> dict | None:
    """The run.json in ``folder``, or None if absent. A malformed one (not JSON, a wrong type
    anywhere, not the run ``expect`` names) raises store.Malformed, a ValueError."""
    path = Path(folder) / RUN_JSON
    rec = store.read_json(path, what="run record", missing_ok=True)
    if rec is None:
        return None
    rec = store.check_record(upgrade(rec), path)
    for key, value in (expect or {}).items():
        if rec.get(key) != value:
            raise Malformed(path, f"expected {value!r} (the run this folder holds), got {rec.get(key)!r}", key)
    return rec


# Issue 15 renamed PAG's values: `pag` is now the PGAN paper's Eq. 2 (raw singular values) and
# `pag_normalized` lpbench's size-normalized variant. Records written before carry the normalized
# value as `pag` and Eq. 2's as `pag_raw` (their metric settings say how they were computed: Adam
# reversal, σ = 1). Reading maps them onto today's names, so no table column mixes conventions.
_RENAMED_PAG = (("pag", "pag_normalized"), ("pag_raw", "pag"))


def upgrade(rec):
    """A record read from disk, with values stored under an earlier name moved to today's."""
    if not isinstance(rec, dict):
        return rec
    for section, prefix in (("metrics", ""), ("metric_provenance", ""), ("latent", "latent_")):
        values = rec.get(section)
        if isinstance(values, dict) and f"{prefix}pag_raw" in values:
            old = {k: values.pop(f"{prefix}{k}") for k, _ in _RENAMED_PAG if f"{prefix}{k}" in values}
            values.update({f"{prefix}{new}": old[k] for k, new in _RENAMED_PAG if k in old})
    timings = rec.get("timings")
    if "resumed_from_step" in rec and isinstance(timings, dict) and "train_s_this_process" not in timings:
        # resumed before checkpoints saved the time trained so far: train_s holds only the last
        # segment, so the whole training's time is not known
        timings.update(train_s_this_process=timings.get("train_s"), train_s_before_resume=None, train_s=None)
    return rec


_CONFIG_TYPES = {
    "hparams": dict,
    "architecture": dict,
    "latent_dim": int,
    "data": dict,
    "evaluation": dict,
    "budget": dict,
}


def config_of(rec: dict, folder, *keys) -> dict:
    """The run's resolved settings (run.json's ``config``), checked to hold ``keys`` with the
    types a model is rebuilt from."""
    path = Path(folder) / RUN_JSON
    cfg = rec.get("config")
    if not isinstance(cfg, dict):
        raise Malformed(path, "missing: the run's resolved settings are needed to rebuild its model", "config")
    for key in keys:
        expected = _CONFIG_TYPES.get(key, object)
        if not isinstance(cfg.get(key), expected) or isinstance(cfg.get(key), bool):
            raise Malformed(path, f"expected {expected.__name__}, got {cfg.get(key)!r:.60}", f"config.{key}")
    return cfg


def write_record(folder, record: dict) -> None:
    store.atomic_write_json(Path(folder) / RUN_JSON, record, what="run record")


def is_completed(folder, expect: dict | None = None) -> bool:
    try:
        rec = read_record(folder, expect)
    except Malformed:
        return False
    return bool(rec) and rec.get("status") == "completed"


def iter_records(runs_dir):
    """Every well-formed run record below ``runs_dir``; malformed ones are skipped with a warning
    naming the file, the key and what was expected."""
    root = Path(runs_dir)
    if not root.is_dir():
        return
    for path in sorted(root.rglob(RUN_JSON)):
        folder = path.parent
        if not _is_run_folder(folder):  # a copy (e.g. in MLflow's artifact store), a --force staging folder
            continue
        try:
            rec = read_record(folder)
            if not _in_own_folder(folder, rec):
                raise Malformed(
                    path,
                    f"holds the record of seed {rec.get('seed')}"
                    f"{' prior ' + str(rec.get('prior')) if rec.get('prior') else ''}, "
                    f"not of the folder it is in",
                    "seed",
                )
        except Malformed as e:
            warnings.warn(f"skipping unreadable run record: {e}", stacklevel=2)
            continue
        rec["_dir"] = str(folder)
        yield rec


_SEED_FOLDER = re.compile(r"seed\d+")


def _is_run_folder(folder: Path) -> bool:
    return bool(_SEED_FOLDER.fullmatch(folder.name)) or (
        folder.parent.name == "priors" and bool(_SEED_FOLDER.fullmatch(folder.parent.parent.name))
    )


def _in_own_folder(folder: Path, rec: dict) -> bool:
    """True when folder is the seed<k> folder of the record it holds, or the priors/<prior>
    folder of a prior-axis record inside one (lpbench/prior_axis)."""
    if folder.name == f"seed{rec.get('seed')}":
        return True
    return (
        rec.get("prior") == folder.name
        and folder.parent.name == "priors"
        and folder.parent.parent.name == f"seed{rec.get('seed')}"
    )


# --------------------------------------------------------------------------- --force staging
# A forced rerun of a completed run trains in .seed<k>.new beside seed<k>; only once it has
# completed does it replace seed<k> (seed<k> → .seed<k>.old, .seed<k>.new → seed<k>, delete the
# old). A process killed anywhere in between leaves a state recover() completes or undoes, so a
# completed result is never lost to a rerun that did not complete. All of it runs under the run's lock.


def staging_dir(folder) -> Path:
    folder = Path(folder)
    return folder.parent / f".{folder.name}.new"


def _retired_dir(folder) -> Path:
    folder = Path(folder)
    return folder.parent / f".{folder.name}.old"


def recover(folder) -> None:
    """Finish or undo a swap a killed process left half done."""
    folder = Path(folder)
    new, old = staging_dir(folder), _retired_dir(folder)
    if not folder.exists():
        if is_completed(new):
            os.rename(new, folder)
        elif old.exists():
            os.rename(old, folder)
    if folder.exists() and old.exists():
        shutil.rmtree(old)


def promote(staged, folder) -> None:
    """Put the completed rerun in ``staged`` in place of ``folder``."""
    folder, old = Path(folder), _retired_dir(folder)
    if old.exists():
        shutil.rmtree(old)
    if folder.exists():
        os.rename(folder, old)
    os.rename(staged, folder)
    shutil.rmtree(old, ignore_errors=True)


def same_config(a, b) -> bool:
    """Whether two run configs are equal as run.json stores them (tuples as lists, and so on)."""
    return store.as_json(a) == store.as_json(b)


# ------------------------------------------------------------------- settings a run was trained on
# What decides what a run trains: two runs that differ in any of these are different experiments,
# so a folder of one is never reused or resumed for the other, and one table never mixes data.
# Not among them: how a run is evaluated (a completed run is scored for a metric it lacks; rescore
# and evaluate recompute the others) and how it is carried out (checkpoint and log intervals, the
# wall-clock cap, the budget's description), which a resume may change.
TRAINING_SETTINGS = ("hparams", "architecture", "latent_dim", "data", "budget")
_RUN_HANDLING = {
    ("budget", "description"),
    ("budget", "max_wall_s"),
    ("budget", "checkpoint_every"),
    ("budget", "log_every"),
}


def settings_differences(stored: dict, requested: dict, keys=TRAINING_SETTINGS) -> list[str]:
    """The differences "<setting> <stored> ≠ <requested>", one for each training setting both
    configs hold with different values. A key only one of them holds is not a difference: a record
    written before a setting existed does not hold it."""
    out: list[str] = []

    def walk(a, b, path):
        if path[:2] in _RUN_HANDLING:
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for k in sorted(a.keys() & b.keys()):
                walk(a[k], b[k], (*path, k))
        elif store.as_json(a) != store.as_json(b):
            out.append(f"{'.'.join(path)} {a!r} ≠ {b!r}")

    for key in keys:
        if key in (stored or {}) and key in (requested or {}):
            walk(stored[key], requested[key], (key,))
    return out


def with_predated(config: dict, predates: dict) -> dict:
    """A stored run's config with the hyperparameters it predates filled in (``Model.predates``):
    the values that reproduce how it was trained before they existed."""
    if not predates or not isinstance(config.get("hparams"), dict):
        return config
    return {**config, "hparams": {**predates, **config["hparams"]}}


def table_data_differences(runs_dir, dataset: str, budget: str, data: dict, skip=()) -> list[str]:
    """The lines "<run folder>: <differences>", one for each record of the ``dataset``/``budget``
    table in ``runs_dir`` (model runs and reference rows; not the folders in ``skip``) whose data
    settings differ from ``data``: such runs cannot share a table."""
    skip = {Path(s).resolve() for s in skip}
    out = []
    with warnings.catch_warnings():  # an unreadable record is reported where it is read for use
        warnings.simplefilter("ignore")
        for rec in iter_records(Path(runs_dir) / dataset / budget):
            folder = Path(rec["_dir"])
            if folder.resolve() in skip or rec.get("dataset") != dataset or rec.get("budget") != budget:
                continue
            diff = settings_differences(rec.get("config") or {}, {"data": data}, keys=("data",))
            if diff:
                out.append(f"{folder}: {', '.join(diff)}")
    return out
