"""One lock per run folder, so two `lpbench run` processes never run the same run at once.

The lock is a file created with O_CREAT|O_EXCL beside the run folder (``.seed0.lock`` next to
``seed0/``; beside, not inside, because ``--force`` replaces the folder, and one lock covers the
folder and its --force staging folder ``.seed0.new``). It holds the owner's PID,
host name and start time. O_EXCL creation is atomic on local file systems and on NFSv3+, which
is what shared run directories on clusters are.

A lock whose owner is a dead process on this host is stale (the owner was killed with -9, or
the machine rebooted) and is taken over. Liveness cannot be checked across hosts, so a lock held
from another host is honoured; if that host is gone, delete the lock file (the waiting message
names it).
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

from . import store

_MAX_LOCK_BYTES = 4096
# A breaker file older than this belongs to a process that died while breaking a stale lock.
_STALE_BREAKER_S = 30.0


def lock_path(folder) -> Path:
    folder = Path(folder)
    return folder.parent / f".{folder.name}.lock"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


class RunLock:
    """``acquire()`` returns None when this process now holds the lock, else the holder's info."""

    def __init__(self, folder):
        self.path = lock_path(folder)
        self.held = False

    def _create(self) -> bool:
        info = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}
        self.held = store.create_exclusive(self.path, json.dumps(info).encode())
        return self.held

    def holder(self) -> dict | None:
        """Who holds the lock now (None if nobody). A torn lock file — or one lpbench did not
        write — reads as an unknown holder; something that is not a file where the lock belongs
        raises store.StoreError saying to remove it."""
        try:
            data = store.read_bytes(self.path, what="lock file", limit=_MAX_LOCK_BYTES, missing_ok=True)
        except store.Malformed as e:
            if not self.path.exists() and not self.path.is_symlink():  # released while we looked
                return None
            raise store.StoreError(
                f"{e}; it is in the way of the run's lock: remove it if no lpbench process is running this run"
            ) from None
        if data is None:
            return None
        try:
            info = json.loads(data)
            if not (
                isinstance(info, dict)
                and isinstance(info.get("pid"), int)
                and not isinstance(info["pid"], bool)
                and isinstance(info.get("host"), str)
                and isinstance(info.get("since"), (int, float))
            ):
                raise ValueError
        except ValueError:
            # The owner died between creating and writing the file (or it is being written now).
            try:
                since = self.path.stat().st_mtime
            except OSError:
                since = 0
            info = {"pid": None, "host": None, "since": since}
        return info

    def is_stale(self, info: dict) -> bool:
        if info.get("pid") is None:  # torn: stale once it is clearly not being written any more
            return time.time() - float(info.get("since") or 0) > 5.0
        return info.get("host") == socket.gethostname() and not _pid_alive(int(info["pid"]))

    def acquire(self) -> dict | None:
        for _ in range(3):
            if self._create():
                return None
            info = self.holder()
            if info is None:  # released between our attempt and the read: try again
                continue
            if not self.is_stale(info):
                return info
            self._break(info)
        return self.holder() or {"pid": None, "host": None}

    def _break(self, seen: dict) -> None:
        """Remove a stale lock. A breaker file (also O_EXCL) makes sure that of two processes
        finding the same stale lock only one removes it — never the fresh lock the other made."""
        breaker = self.path.with_name(self.path.name + ".break")
        if not store.create_exclusive(breaker, b"", what="lock breaker file"):
            try:
                if time.time() - breaker.stat().st_mtime > _STALE_BREAKER_S:
                    breaker.unlink()
            except FileNotFoundError:
                pass
            return
        try:
            if self.holder() == seen:  # still the same stale owner
                self.path.unlink(missing_ok=True)
        finally:
            breaker.unlink(missing_ok=True)

    def release(self) -> None:
        if not self.held:
            return
        self.held = False
        info = self.holder()
        if info and info.get("pid") == os.getpid() and info.get("host") == socket.gethostname():
            self.path.unlink(missing_ok=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()


def describe(info: dict, path: Path) -> str:
    who = f"process {info.get('pid')} on {info.get('host')}" if info.get("pid") else "another process"
    return f"locked by {who} ({path}; delete it if that process is gone)"
