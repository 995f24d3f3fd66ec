"""The boundary between lpbench and the file system: every file lpbench reads or writes passes here.

Reading: a file must be a regular file (a FIFO would block forever, a device node could be
endless, a directory is not a file) of bounded size, text must be UTF-8 and JSON well-formed;
anything else raises ``Malformed`` naming the file, the key and what was expected. Run records
are checked for the structure every reader relies on (``check_record``): one with a wrong type
anywhere is malformed, so the commands that list records skip it with a warning instead of
crashing on it later.

Writing: every write is atomic (a temp file in the same folder, fsync, rename), never replaces
anything that is not a regular file (a device node, a FIFO, a socket, a symbolic link, a
folder), and paths built from names read from data (run records, the registry) are checked to
be one plain path component each, so no name can lead a write outside the folder it belongs to.
A write that fails (disk full, no permission) leaves the old file as it was and raises
``WriteError`` naming the file and the reason.
"""

from __future__ import annotations

import errno
import json
import math
import os
import stat
import tempfile
from pathlib import Path

from .errors import LpbenchError

# Generous for every file lpbench reads; a bound at all keeps /dev/zero or a 50 GB file from
# being read into memory.
MAX_JSON_BYTES = 64 << 20
MAX_TEXT_BYTES = 16 << 20
MAX_WEIGHTS_BYTES = 16 << 30


class StoreError(LpbenchError):
    """A file that cannot be read or written as it must be (exit code 2 at the command line)."""


class Malformed(StoreError, ValueError):
    """A file whose content or kind is not what lpbench expects. A ValueError too: callers that
    treat an unreadable record as "not done" catch it as such."""

    def __init__(self, path, message: str, key: str | None = None):
        self.path, self.key = Path(path), key
        super().__init__(f"{path}: {key}: {message}" if key else f"{path} {message}")


class WriteError(StoreError, OSError):
    """An output that could not be written; whatever was at the path before is unchanged."""


# ----------------------------------------------------------------------------------- names


def is_safe_name(name) -> bool:
    """One plain path component: a non-empty string without separators, control characters or a
    leading dot (so neither '..' nor a hidden file)."""
    return (
        isinstance(name, str)
        and 0 < len(name) <= 200
        and not name.startswith(".")
        and not any(c in name for c in "/\\")
        and all(ord(c) >= 32 and c != "\x7f" for c in name)
    )


def safe_join(root, *names, what: str = "name") -> Path:
    """root/name/…, each name checked to be one plain path component (names come from data)."""
    for name in names:
        if not is_safe_name(name):
            raise StoreError(
                f"{what} {name!r} cannot be part of a path under {root}: expected a plain name "
                f"(no '/', '\\\\', leading '.', or control characters)"
            )
    return Path(root).joinpath(*names)


# --------------------------------------------------------------------------------- reading


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISLNK, "a symbolic link"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def read_bytes(path, *, what: str = "file", limit: int = MAX_JSON_BYTES, missing_ok: bool = False) -> bytes | None:
    """The bytes of a regular file of at most ``limit`` bytes (None if absent and ``missing_ok``).
    Opened non-blocking and checked on the open descriptor, so a FIFO swapped in between the
    check and the open cannot block the read."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        if missing_ok:
            return None
        raise Malformed(path, f"does not exist (expected a {what})") from None
    except IsADirectoryError:
        raise Malformed(path, f"is a directory, expected a {what}") from None
    except OSError as e:
        raise Malformed(path, f"cannot be read as a {what}: {e.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Malformed(path, f"is {_kind(st.st_mode)}, expected a {what} (a regular file)")
        if st.st_size > limit:
            raise Malformed(path, f"is {st.st_size} bytes; a {what} is at most {limit} bytes")
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(limit + 1)
        if len(data) > limit:
            raise Malformed(path, f"grew beyond {limit} bytes while being read; a {what} is at most {limit}")
        return data
    except OSError as e:
        raise Malformed(path, f"cannot be read as a {what}: {e.strerror}") from None
    finally:
        os.close(fd)


def read_text(path, *, what: str = "file", limit: int = MAX_TEXT_BYTES, missing_ok: bool = False) -> str | None:
    data = read_bytes(path, what=what, limit=limit, missing_ok=missing_ok)
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Malformed(
            path, f"is not UTF-8 text (a binary file?): byte {e.start} cannot be decoded; expected a {what}"
        ) from None


def read_torch(
    path, *, what: str = "torch file", map_location="cpu", limit: int = MAX_WEIGHTS_BYTES, missing_ok: bool = False
):
    """A torch.save file (weights, checkpoints, cached codes) read like every other file: a regular
    file within ``limit``, loaded with ``weights_only`` (no code runs); a torn or foreign file is
    Malformed, naming the file."""
    import io

    data = read_bytes(path, what=what, limit=limit, missing_ok=missing_ok)
    if data is None:
        return None
    import torch

    try:
        return torch.load(io.BytesIO(data), map_location=map_location, weights_only=True)
    except Exception as e:  # torch raises many kinds for a torn or foreign file
        raise Malformed(path, f"is unreadable as a {what} ({type(e).__name__}: {e})") from None


def _no_constant(name):
    raise ValueError(f"{name} is not JSON")


def read_json(path, *, what: str = "JSON file", limit: int = MAX_JSON_BYTES, missing_ok: bool = False):
    """Parsed JSON. Non-standard NaN/Infinity are read as null: records written before lpbench
    wrote strict JSON may hold them, and null is what a non-finite value is recorded as now."""
    text = read_text(path, what=what, limit=limit, missing_ok=missing_ok)
    if text is None:
        return None
    try:
        return json.loads(text, parse_constant=lambda name: None)
    except json.JSONDecodeError as e:
        raise Malformed(path, f"is not valid JSON ({e}); expected a {what}") from None
    except RecursionError:
        raise Malformed(path, f"is nested too deeply to be a {what}") from None


# ------------------------------------------------------------------------------ run records

STATUSES = ("completed", "failed", "running")
_NUMBER = "a number or null"


def _is_number(v) -> bool:
    return v is None or (isinstance(v, (int, float)) and not isinstance(v, bool))


def _numbers(rec, key, path, nested_ok=False):
    values = rec.get(key)
    if not isinstance(values, dict):
        raise Malformed(path, "expected an object (name → number)", key)
    for k, v in values.items():
        if nested_ok and isinstance(v, dict):
            for kk, vv in v.items():
                if not _is_number(vv):
                    raise Malformed(path, f"expected {_NUMBER}, got {type(vv).__name__}", f"{key}.{k}.{kk}")
        elif not _is_number(v):
            raise Malformed(path, f"expected {_NUMBER}, got {type(v).__name__}", f"{key}.{k}")


def check_record(rec, path) -> dict:
    """``rec`` if it has the structure lpbench's readers rely on, else Malformed naming the key.
    Optional sections given as null are dropped (they mean "none"). Names that become path
    components (dataset, budget) must be plain names; model and prior are shown, never joined."""
    if not isinstance(rec, dict):
        raise Malformed(path, f"holds a JSON {type(rec).__name__}, expected a JSON object (a run record)")
    for key in ("dataset", "budget"):
        if not is_safe_name(rec.get(key)):
            raise Malformed(path, f"expected a plain name (no '/', leading '.'), got {rec.get(key)!r}", key)
    if not isinstance(rec.get("model"), str) or not rec["model"]:
        raise Malformed(path, f"expected a model name, got {rec.get('model')!r}", "model")
    seed = rec.get("seed")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise Malformed(path, f"expected a non-negative integer, got {seed!r}", "seed")
    if rec.get("status") not in STATUSES:
        raise Malformed(path, f"expected one of {', '.join(STATUSES)}, got {rec.get('status')!r}", "status")
    for key in (
        "metrics",
        "metric_provenance",
        "timings",
        "artifacts",
        "config",
        "environment",
        "ceiling",
        "ceiling_provenance",
        "gap",
        "latent",
        "metrics_skipped",
        "figure_errors",
        "evaluations",
        "prior",
        "error",
    ):
        if key in rec and rec[key] is None and key not in ("prior", "error"):
            del rec[key]
    for key in ("prior", "error"):
        if rec.get(key) is not None and not isinstance(rec[key], str):
            raise Malformed(path, f"expected a string or null, got {type(rec[key]).__name__}", key)
    if rec["status"] == "completed" and not rec.get("metrics") and not rec.get("metrics_skipped"):
        raise Malformed(path, "a completed run must record its metrics (or why each was skipped)", "metrics")
    for key in ("metrics", "ceiling", "gap", "latent"):
        if key in rec:
            _numbers(rec, key, path)
    if "timings" in rec:
        _numbers(rec, "timings", path, nested_ok=True)
    for key in ("metric_provenance", "ceiling_provenance"):
        if key in rec:
            if not isinstance(rec[key], dict):
                raise Malformed(path, "expected an object (value name → provenance object)", key)
            for k, v in rec[key].items():
                if not isinstance(v, dict):
                    raise Malformed(path, f"expected an object, got {type(v).__name__}", f"{key}.{k}")
    for key in ("config", "environment", "metrics_skipped", "figure_errors"):
        if key in rec and not isinstance(rec[key], dict):
            raise Malformed(path, f"expected an object, got {type(rec[key]).__name__}", key)
    if "artifacts" in rec:
        if not isinstance(rec["artifacts"], dict):
            raise Malformed(path, "expected an object (role → file name)", "artifacts")
        for k, v in rec["artifacts"].items():
            if not is_safe_name(v):  # a file in the run folder, never a path leading out of it
                raise Malformed(path, f"expected a file name in the run folder, got {v!r}", f"artifacts.{k}")
    if "evaluations" in rec and not (
        isinstance(rec["evaluations"], list) and all(isinstance(e, dict) for e in rec["evaluations"])
    ):
        raise Malformed(path, "expected a list of objects", "evaluations")
    return rec


# --------------------------------------------------------------------------------- writing


def check_output(path, what: str = "output") -> Path:
    """Refuse a path whose current occupant is not a regular file (or whose folder is not a
    folder) before any work is spent on what would be written there."""
    path = Path(path)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise WriteError(f"cannot write {what} {path}: {e.strerror}") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise WriteError(
            f"refusing to replace {path}: it is {_kind(st.st_mode)}, not a regular file; "
            f"choose another path for the {what}"
        )
    for parent in path.parents:
        if parent.exists() or parent.is_symlink():
            if not parent.is_dir():
                raise WriteError(f"cannot write {what} {path}: {parent} is not a folder")
            break
    return path


def _finite(obj):
    """obj with every non-finite float replaced by None: strict JSON has no NaN or Infinity."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


def _jsonable(o):
    if getattr(o, "ndim", 0) and hasattr(o, "tolist"):  # numpy / torch arrays
        return _finite(o.tolist())
    if hasattr(o, "item"):  # numpy / torch scalars
        return _finite(o.item())
    if isinstance(o, (set, tuple)):
        return _finite(list(o))
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serializable: {type(o).__name__}")


def as_json(obj):
    """``obj`` as strict JSON reads it back (tuples as lists, non-finite floats as None)."""
    return json.loads(json.dumps(_finite(obj), default=_jsonable, allow_nan=False))


def atomic_write_torch(path, obj, what: str = "torch file") -> Path:
    """``torch.save(obj)`` written atomically (weights, checkpoints, cached codes, fitted priors)."""
    import io

    import torch

    buf = io.BytesIO()
    torch.save(obj, buf)
    return atomic_write_bytes(path, buf.getvalue(), what=what)


def atomic_write_bytes(path, data: bytes, what: str = "file") -> Path:
    """Write ``data`` to ``path`` via a temp file in the same folder + rename: a reader sees the
    old file or the whole new one, and a failure (disk full) leaves the old one untouched."""
    path = check_output(path, what)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise WriteError(f"cannot create the folder of {what} {path}: {e.strerror or e}") from None
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        # mkstemp's files are private (0600); outputs get the permissions any new file would
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        check_output(path, what)  # something other than a file may have appeared meanwhile
        os.replace(tmp, path)
        tmp = None
    except WriteError:
        raise
    except OSError as e:
        hint = " (the disk is full)" if e.errno == errno.ENOSPC else ""
        raise WriteError(
            f"cannot write {what} {path}: {e.strerror or e}{hint}; whatever was there before is unchanged"
        ) from None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    return path


def atomic_write_json(path, obj, what: str = "JSON file") -> Path:
    text = json.dumps(_finite(obj), indent=2, default=_jsonable, allow_nan=False)
    return atomic_write_bytes(path, (text + "\n").encode(), what)


def write_output(path, data: bytes, what: str = "output") -> Path:
    """A file the user asked for (--out): the same atomic, refusing writer."""
    return atomic_write_bytes(path, data, what)


def create_exclusive(path, data: bytes, what: str = "lock file") -> bool:
    """Create ``path`` holding ``data`` only if nothing is there (O_EXCL: atomic on local file
    systems and NFSv3+); False if something is. A failed write removes the half-made file."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    except OSError as e:
        raise WriteError(f"cannot create {what} {path}: {e.strerror or e}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except OSError as e:
        try:
            os.unlink(path)
        except OSError:
            pass
        hint = " (the disk is full)" if e.errno == errno.ENOSPC else ""
        raise WriteError(f"cannot write {what} {path}: {e.strerror or e}{hint}") from None
    return True
