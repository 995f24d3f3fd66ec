"""Errors the CLI turns into clear messages instead of tracebacks."""

import difflib
import re


class LpbenchError(Exception):
    """A user-facing error: bad input or configuration. The CLI exits with code 2."""

    exit_code = 2


class UnknownNameError(LpbenchError):
    def __init__(self, kind, name, known):
        self.kind, self.name, self.known = kind, name, sorted(known)
        close = difflib.get_close_matches(name, self.known, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        listing = ", ".join(self.known) if self.known else "(none registered)"
        # "key in --set vae" → "keys in --set vae"; "budget (for digits)" → "budgets (for digits)"
        head, qualifier = re.match(r"(.*?)((?: in | \().*)?$", kind).groups()
        plural = head + ("es" if head.endswith(("s", "x", "ch", "sh")) else "s")
        super().__init__(f"Unknown {kind} '{name}'.{hint} Known {plural}{qualifier or ''}: {listing}.")


class RegistryError(LpbenchError):
    """registry.yaml (or a --set override) does not match the expected schema."""

    def __init__(self, path, key, message):
        self.path, self.key = path, key
        super().__init__(f"{path}: {key}: {message}")


class DataError(LpbenchError):
    """Dataset files missing or unreadable, or samples of the wrong shape/type."""


class RunFailed(Exception):
    """Raised inside a run to end it as failed with a recorded reason (not a usage error).
    ``step``, when known, is recorded as run.json's ``failed_step``."""

    def __init__(self, message: str, step: int | None = None):
        super().__init__(message)
        self.step = step
