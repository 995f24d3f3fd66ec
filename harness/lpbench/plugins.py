"""Plugin manager: entry-point loading, registration, isolation of broken plugins.

``LPBENCH_LOAD_PLUGINS``, when set, is an allow-list of third-party entry-point names
(comma-separated; empty: none): only those load beside lpbench's own plugins, which always load.
Unset, every installed plugin loads. The test suite sets it so that whatever else is installed
cannot change its results (as llm's ``LLM_LOAD_PLUGINS`` and datasette's ``DATASETTE_LOAD_PLUGINS``).
"""

from __future__ import annotations

import importlib.metadata
import os
import traceback
from dataclasses import dataclass, field

import pluggy

from . import hookspecs
from .api import Dataset, FeatureExtractor, Metric, Model, Prior
from .errors import LpbenchError, UnknownNameError

ENTRY_POINT_GROUP = "lpbench"
LOAD_PLUGINS_VAR = "LPBENCH_LOAD_PLUGINS"
BUILTIN_DISTRIBUTION = "lpbench"
# Built-in plugin names given up, with the name to ask for now and why: a command line or registry
# written for the old name stops with a usage error that says what to write instead.
RENAMED = {
    ("prior", "pgan"): ("code_gan", "its old name is the pgan model's"),
}

# hook name → (kind, base class)
KINDS = {
    "register_models": ("model", Model),
    "register_metrics": ("metric", Metric),
    "register_datasets": ("dataset", Dataset),
    "register_feature_extractors": ("feature_extractor", FeatureExtractor),
    "register_priors": ("prior", Prior),
}


@dataclass
class PluginInfo:
    name: str
    version: str | None = None
    source: str = ""  # entry point value or "(registered in process)"
    registers: dict = field(default_factory=dict)  # kind → [names]
    errors: list = field(default_factory=list)  # [(stage, message, traceback)]


@dataclass
class Entry:
    cls: type
    plugin: str


class Plugins:
    """The loaded plugins and what they registered. One per process (see ``get_plugins``)."""

    def __init__(self, load_entry_points: bool = True):
        self.pm = pluggy.PluginManager("lpbench")
        self.pm.add_hookspecs(hookspecs)
        self.info: dict[str, PluginInfo] = {}
        self._extra: list[tuple[object, str]] = []
        self._collected: dict | None = None
        if load_entry_points:
            self._load_entry_points()

    # ------------------------------------------------------------------------------ loading

    def _load_entry_points(self) -> None:
        allowed = load_allow_list()
        seen = set()
        for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            if ep.name in seen:  # the same distribution visible twice on sys.path
                continue
            dist = getattr(ep, "dist", None)
            builtin = dist is not None and dist.name == BUILTIN_DISTRIBUTION
            if allowed is not None and not builtin and ep.name not in allowed:
                continue  # not imported at all: a plugin left out cannot fail or register anything
            seen.add(ep.name)
            info = PluginInfo(ep.name, dist.version if dist else None, ep.value)
            self.info[ep.name] = info
            try:
                module = ep.load()
                self.pm.register(module, name=ep.name)
            except Exception as e:
                info.errors.append(("import", f"{type(e).__name__}: {e}", traceback.format_exc()))

    def register(self, plugin: object, name: str) -> None:
        """Register an in-process plugin object (tests, notebooks). Same hooks as entry points."""
        self.pm.register(plugin, name=name)
        self.info[name] = PluginInfo(name, None, "(registered in process)")
        self._collected = None

    def unregister(self, name: str) -> None:
        self.pm.unregister(name=name)
        self.info.pop(name, None)
        self._collected = None

    # ---------------------------------------------------------------------------- collecting

    def _collect(self) -> dict:
        """Call every plugin's hooks one by one, so one that raises cannot hide the others."""
        if self._collected is not None:
            return self._collected
        collected = {kind: {} for kind, _ in KINDS.values()}
        conflicts: dict[tuple, list[str]] = {}
        for info in self.info.values():
            info.registers = {}
            info.errors = [e for e in info.errors if e[0] == "import"]
        for hook_name, (kind, base) in KINDS.items():
            hook = getattr(self.pm.hook, hook_name)
            for impl in reversed(hook.get_hookimpls()):  # registration order
                plugin_name = self.pm.get_name(impl.plugin)
                info = self.info.setdefault(plugin_name, PluginInfo(plugin_name))
                if _is_wrapper(impl):
                    info.errors.append((hook_name, WRAPPER_MESSAGE, ""))
                    continue
                pending: list[type] = []

                def register(cls, _pending=pending):
                    _pending.append(cls)

                try:
                    impl.function(register=register)
                    for cls in pending:
                        _check_class(cls, kind, base)
                except Exception as e:
                    info.errors.append((hook_name, f"{type(e).__name__}: {e}", traceback.format_exc()))
                    continue
                for cls in pending:
                    other = collected[kind].get(cls.name)
                    if other is not None:
                        conflicts.setdefault((kind, cls.name), [other.plugin]).append(plugin_name)
                        msg = (
                            f"duplicate {kind} name '{cls.name}': registered by both "
                            f"'{other.plugin}' and '{plugin_name}'"
                        )
                        info.errors.append((hook_name, msg, ""))
                        continue
                    collected[kind][cls.name] = Entry(cls, plugin_name)
                    info.registers.setdefault(kind, []).append(cls.name)
        self._collected = collected
        self._conflicts = conflicts
        return collected

    def call_each(self, hook_name: str, **kwargs) -> list[tuple[str, str]]:
        """Call every implementation of a notification hook on its own, so one that raises
        cannot stop the others. Returns [(plugin name, error message)] for those that raised."""
        errors = []
        for impl in reversed(getattr(self.pm.hook, hook_name).get_hookimpls()):
            if _is_wrapper(impl):
                errors.append((self.pm.get_name(impl.plugin), WRAPPER_MESSAGE))
                continue
            try:
                impl.function(*(kwargs[a] for a in impl.argnames))
            except Exception as e:
                errors.append((self.pm.get_name(impl.plugin), f"{type(e).__name__}: {e}"))
        return errors

    def all(self, kind: str) -> dict[str, Entry]:
        return dict(sorted(self._collect()[kind].items()))

    def get(self, kind: str, name: str) -> type:
        entries = self._collect()[kind]
        if (kind, name) in self._conflicts:
            owners = " and ".join(f"'{p}'" for p in self._conflicts[(kind, name)])
            raise LpbenchError(f"{kind} name '{name}' is registered by both {owners}; uninstall or rename one of them.")
        if name not in entries:
            if (kind, name) in RENAMED and RENAMED[(kind, name)][0] in entries:
                new, why = RENAMED[(kind, name)]
                raise LpbenchError(f"the {kind} '{name}' is now called '{new}' ({why}); ask for '{new}' instead.")
            err = UnknownNameError(kind.replace("_", " "), name, entries)
            broken = sorted(n for n, i in self.info.items() if i.errors)
            if broken:  # the name may belong to a plugin that failed to load
                err.args = (f"{err} Plugins that failed to load: {', '.join(broken)} (see 'lpbench plugins').",)
            if load_allow_list() is not None:  # or to one the allow-list leaves out
                err.args = (f"{err} Only lpbench's own plugins and those named in {LOAD_PLUGINS_VAR} are loaded.",)
            raise err
        return entries[name].cls

    def plugin_of(self, kind: str, name: str) -> str:
        return self._collect()[kind][name].plugin

    def versions(self) -> dict:
        return {n: i.version for n, i in sorted(self.info.items())}

    def report(self) -> list[PluginInfo]:
        self._collect()
        return [self.info[n] for n in sorted(self.info)]


def load_allow_list() -> set[str] | None:
    """The third-party entry-point names ``LPBENCH_LOAD_PLUGINS`` allows, or None when unset."""
    value = os.environ.get(LOAD_PLUGINS_VAR)
    if value is None:
        return None
    return {name.strip() for name in value.split(",") if name.strip()}


# lpbench calls each implementation on its own (one plugin's error cannot hide another's), so a
# wrapper — a generator around the others — would be called, never run, and do nothing silently.
WRAPPER_MESSAGE = (
    "wrapper hook implementations (hookimpl(wrapper=True) or hookwrapper=True) are not supported: "
    "lpbench calls every implementation on its own; implement the hook plainly"
)


def _is_wrapper(impl) -> bool:
    return bool(getattr(impl, "wrapper", False) or getattr(impl, "hookwrapper", False))


def _check_class(cls, kind: str, base: type) -> None:
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise TypeError(f"register() expects a subclass of lpbench.{base.__name__}, got {cls!r}")
    if not isinstance(getattr(cls, "name", None), str) or not cls.name:
        raise TypeError(f"{cls.__name__} has no 'name' (a non-empty string class attribute)")
    if not isinstance(cls.defaults, dict):
        raise TypeError(f"{cls.__name__}.defaults must be a dict")


_plugins: Plugins | None = None


def get_plugins() -> Plugins:
    global _plugins
    if _plugins is None:
        _plugins = Plugins()
    return _plugins


def reset_plugins() -> None:
    """Forget loaded plugins (tests; after installing a plugin in the same process)."""
    global _plugins
    _plugins = None
