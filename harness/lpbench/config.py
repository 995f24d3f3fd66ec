"""Defaults for command options from ``lpbench.toml`` and ``LPBENCH_*`` environment variables.

Precedence: command line > environment > file > built-in default. A key is the long name of an
option (``runs-dir``, ``device``, ``data-root``, …): it applies to every command that takes that
option, so an option added to a command is configurable without touching this module. A table
named after a command (``[run]``) applies to that command only and wins over top-level keys.
Keys no command takes are plugin settings (``mlflow = true``): they are handed to plugins as
``LPBENCH_<KEY>`` environment variables, an environment variable already set winning.

The values reach Click through ``default_map``, so Click still converts and validates them.
"""

from __future__ import annotations

import difflib
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .errors import LpbenchError

FILE_NAME = "lpbench.toml"
CONFIG_ENV = "LPBENCH_CONFIG"
ENV_PREFIX = "LPBENCH_"
# Shown by `lpbench config` even when unset (the settings researchers set per machine).
STANDARD_KEYS = ("runs-dir", "device", "workers", "threads", "data-root", "inception-weights")
TRUE = ("1", "true", "yes", "on")


def env_name(key: str) -> str:
    return ENV_PREFIX + key.upper().replace("-", "_")


def _norm(key: str) -> str:
    return key.strip().replace("_", "-").lower()


def _toml():
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    return tomllib


def find_file() -> Path | None:
    """$LPBENCH_CONFIG (which must exist), else ./lpbench.toml if present."""
    explicit = os.environ.get(CONFIG_ENV)
    if explicit:
        p = Path(explicit).expanduser()
        if not p.is_file():
            raise LpbenchError(f"{CONFIG_ENV}={explicit} names no file")
        return p
    p = Path.cwd() / FILE_NAME
    return p if p.is_file() else None


def read_file(path: Path) -> dict:
    from . import store

    tomllib = _toml()
    text = store.read_text(path, what="lpbench.toml settings file", limit=store.MAX_TEXT_BYTES)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise LpbenchError(f"{path} is not valid TOML: {e}") from None
    except RecursionError:
        raise LpbenchError(f"{path} is nested too deeply to be a settings file") from None


def _options(group) -> dict:
    """{command name ("" for the group itself): {option long name: click.Option}}."""
    import click

    out = {}
    commands = {"": group, **group.commands}
    for cmd_name, cmd in commands.items():
        opts = {}
        for p in cmd.params:
            if isinstance(p, click.Option):
                longs = [o for o in p.opts if o.startswith("--")]
                if longs:
                    opts[longs[0][2:]] = p
        out[cmd_name] = opts
    return out


@dataclass
class Setting:
    key: str
    value: object
    source: str  # "environment (LPBENCH_X)", "file (path)", "built-in"
    commands: list = field(default_factory=list)  # commands that take it; [] for a plugin setting


@dataclass
class Config:
    path: Path | None
    default_map: dict  # for click: {command: {param name: value}}, group params at the top level
    settings: dict  # key → Setting (standard keys, and every key set in the file or environment)
    plugin_env: dict  # LPBENCH_<KEY> → value, plugin settings from the file to export
    # (command, option long name) → where its default came from, for values not built in:
    # error messages name the variable or the file, not the flag the user never typed
    sources: dict = field(default_factory=dict)

    def export_plugin_settings(self) -> dict:
        """Put plugin settings from the file into os.environ (env wins); returns what to undo."""
        undo = {}
        for name, value in self.plugin_env.items():
            if name not in os.environ:
                undo[name] = None
                os.environ[name] = value
        return undo


def _check_type(param, value, where: str) -> None:
    """A value from lpbench.toml must be of a kind the option takes (Click converts it further,
    and reports a bad value of the right kind itself)."""
    import click

    scalar = (str, int, float, bool)
    if param.is_flag:
        ok, expected = isinstance(value, bool), "true or false"
    elif isinstance(param.type, click.Path):
        ok = isinstance(value, str) or (
            param.multiple and isinstance(value, list) and all(isinstance(v, str) for v in value)
        )
        expected = "a path (a quoted string)"
    else:
        ok = isinstance(value, scalar) or (isinstance(value, list) and all(isinstance(v, scalar) for v in value))
        expected = "a string, a number or a list of them"
    if not ok:
        shown = "a table" if isinstance(value, dict) else repr(value)
        raise LpbenchError(f"{where}: expected {expected}, got {shown}")


def _as_default(param, value):
    """TOML values as Click defaults: lists for single-valued options become comma lists."""
    if isinstance(value, list) and not (param.multiple or param.nargs != 1):
        return ",".join(str(v) for v in value)
    if param.multiple and not isinstance(value, list):  # one value for a repeatable option
        return [value]
    return value


def _resolve_path(param, value, base: Path):
    import click

    if (
        isinstance(param.type, click.Path)
        and isinstance(value, str)
        and value
        and not Path(value).expanduser().is_absolute()
    ):
        return str(base / value)
    return value


def resolve(group, environ=None) -> Config:
    environ = os.environ if environ is None else environ
    options = _options(group)
    all_keys = {k for opts in options.values() for k in opts}
    path = find_file()
    raw = read_file(path) if path else {}

    top, tables = {}, {}
    for k, v in raw.items():
        if isinstance(v, dict):
            name = _norm(k)
            if name not in group.commands:
                raise LpbenchError(_unknown(path, f"[{k}]", name, list(group.commands), "command"))
            tables[name] = {_norm(kk): vv for kk, vv in v.items()}
        else:
            top[_norm(k)] = v
    for cmd, table in tables.items():
        for k in table:
            if k not in options[cmd]:
                raise LpbenchError(_unknown(path, f"[{cmd}] {k}", k, list(options[cmd]), f"option of '{cmd}'"))

    plugin_env = {}
    for k, v in top.items():
        if k in all_keys:
            continue
        close = difflib.get_close_matches(k, sorted(all_keys), n=1, cutoff=0.8)
        if close:  # almost an option name: a typo, not a plugin setting
            raise LpbenchError(_unknown(path, k, k, sorted(all_keys), "option"))
        plugin_env[env_name(k)] = str(v).lower() if isinstance(v, bool) else str(v)

    default_map: dict = {}
    settings: dict = {}
    sources: dict = {}
    base = path.parent if path else Path.cwd()
    for cmd, opts in options.items():
        target = default_map if cmd == "" else default_map.setdefault(cmd, {})
        for key, param in opts.items():
            env = env_name(key)
            if env in environ and not param.envvar:  # options with their own envvar: Click reads it
                target[param.name] = _as_default(param, environ[env])
                src, val = f"environment ({env})", environ[env]
            elif key in tables.get(cmd, {}):
                _check_type(param, tables[cmd][key], f"{path}: [{cmd}] {key}")
                val = _resolve_path(param, _as_default(param, tables[cmd][key]), base)
                target[param.name] = val
                src = f"file ({path}, [{cmd}])"
            elif key in top:
                _check_type(param, top[key], f"{path}: {key}")
                val = _resolve_path(param, _as_default(param, top[key]), base)
                target[param.name] = val
                src = f"file ({path})"
            elif param.envvar and environ.get(param.envvar):
                src, val = f"environment ({param.envvar})", environ[param.envvar]
            else:
                src, val = "built-in", param.default
            if src != "built-in":
                sources[(cmd, key)] = src
            if key in STANDARD_KEYS or src != "built-in":
                s = settings.get(key)
                if s is None or (s.source == "built-in" and src != "built-in"):
                    settings[key] = Setting(key, val, src, [c for c, o in options.items() if key in o])
    for key in STANDARD_KEYS:
        settings.setdefault(key, Setting(key, None, "built-in (no command takes it yet)", []))
    for k in top:
        if k not in all_keys:
            name = env_name(k)
            src = f"environment ({name})" if name in environ else f"file ({path})"
            settings[k] = Setting(
                k, environ.get(name, plugin_env[name]), src + ", not a command option: for plugins", []
            )
    for name, value in environ.items():  # plugin settings given only in the environment
        if name.startswith(ENV_PREFIX) and name != CONFIG_ENV:
            k = name[len(ENV_PREFIX) :].lower().replace("_", "-")
            if k not in settings and not any(p.envvar == name for o in options.values() for p in o.values()):
                settings[k] = Setting(k, value, f"environment ({name}), not a command option", [])
    return Config(path, default_map, dict(sorted(settings.items())), plugin_env, sources)


def _unknown(path, where, key, choices, what) -> str:
    close = difflib.get_close_matches(key, sorted(choices), n=1, cutoff=0.6)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    return f"{path}: '{where}' is not a known {what}.{hint}"


def truthy(value) -> bool:
    return str(value).strip().lower() in TRUE
