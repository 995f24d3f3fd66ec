"""Run folders and run.json: atomic writes, discovery, skip-on-rerun."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

RUN_JSON = "run.json"
STATUSES = ("completed", "failed", "running")


def run_dir(runs_dir, dataset: str, budget: str, model: str, seed: int) -> Path:
    return Path(runs_dir) / dataset / budget / model / f"seed{seed}"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write via a temp file in the same folder + rename, so readers never see half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def atomic_write_json(path: Path, obj) -> None:
    atomic_write_bytes(path, (json.dumps(obj, indent=2, sort_keys=False, default=_jsonable) + "\n").encode())


def _jsonable(o):
    if hasattr(o, "item"):
        return o.item()
    if isinstance(o, (set, tuple)):
        return list(o)
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serializable: {type(o).__name__}")


def read_record(folder) -> dict | None:
    """The run.json in ``folder``, or None if absent. Unreadable files raise ValueError."""
    path = Path(folder) / RUN_JSON
    if not path.exists():
        return None
    try:
        return upgrade(json.loads(path.read_text()))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"{path} is not valid JSON ({e})") from None


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
    return rec


def write_record(folder, record: dict) -> None:
    atomic_write_json(Path(folder) / RUN_JSON, record)


def is_completed(folder) -> bool:
    try:
        rec = read_record(folder)
    except ValueError:
        return False
    return bool(rec) and rec.get("status") == "completed"


def iter_records(runs_dir):
    """Every readable run.json below ``runs_dir`` (unreadable ones are skipped with a warning)."""
    import warnings

    root = Path(runs_dir)
    if not root.exists():
        return
    for path in sorted(root.rglob(RUN_JSON)):
        try:
            rec = json.loads(path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError):
            warnings.warn(f"skipping unreadable run record {path}")
            continue
        if not _in_own_folder(path.parent, rec):  # a copy (e.g. in MLflow's artifact store): not a run
            continue
        rec = upgrade(rec)
        rec["_dir"] = str(path.parent)
        yield rec


def _in_own_folder(folder: Path, rec) -> bool:
    """True when folder is the seed<k> folder of the record it holds (run_dir's last part;
    the parts above it need not be names a file system can hold one-to-one), or the priors/<prior>
    folder of a prior-axis record inside one."""
    if not isinstance(rec, dict):
        return False
    if folder.name == f"seed{rec.get('seed')}":
        return True
    # a prior-axis record (lpbench/prior_axis.py): <model run>/priors/<prior>/run.json
    return (rec.get("prior") == folder.name and folder.parent.name == "priors"
            and folder.parent.parent.name == f"seed{rec.get('seed')}")
