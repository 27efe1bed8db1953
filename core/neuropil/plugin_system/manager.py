"""Discovers plugins through the ``neuropil`` entry-point group and fills the registries.

Loading is lazy and happens once per process, on the first registry lookup: ``import neuropil`` imports
no plugin and reads no package metadata. A plugin that raises anything while importing or registering,
``SystemExit`` from a stray ``sys.exit()`` included, is skipped and reported; only ``KeyboardInterrupt``
(the user's own request to stop) passes through. Each plugin is loaded in isolation: its registrations are
collected first and committed only if every hook of that plugin succeeded, so a broken plugin leaves
nothing behind and everything else keeps working.
"""
from __future__ import annotations

import os
import sys
import threading
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import metadata
from types import ModuleType
from typing import Any

import pluggy

from ..errors import PluginLoadError, PluginLoadWarning
from . import hookspecs
from .registry import Entry, Registry, Source, entries_by_source, normalize, singular

ENTRY_POINT_GROUP = "neuropil"
#: Distributions of this project. NEUROPIL_DISABLE_PLUGIN_AUTOLOAD=1 still loads these (it disables
#: third-party plugins only); the allow-list NEUROPIL_PLUGINS applies to every plugin.
FIRST_PARTY = frozenset({"neuropil-standard", "neuropil-cupy", "neuropil-metrics"})
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _user_stacklevel() -> int:
    """The ``warnings.warn`` stacklevel that points at the nearest caller outside neuropil's core.

    Plugins load on whichever lookup comes first, reached through a varying depth of registry and
    namespace calls, so a fixed stacklevel would blame a line inside neuropil instead of the user's
    line that triggered loading. (``skip_file_prefixes`` does this from Python 3.12 on.)
    """
    frame, level = sys._getframe(1), 1
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame, level = frame.f_back, level + 1
    return level


@dataclass
class PluginRecord:
    """What ``neuropil plugins`` shows for one plugin."""

    name: str
    distribution: str | None
    version: str | None
    entry_point: str | None
    registered: dict[str, list[str]] = field(default_factory=dict)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "plugin": self.name,
            "distribution": self.distribution,
            "version": self.version,
            "entry_point": self.entry_point,
            "registers": self.registered,
            "error": self.error,
        }


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


class PluginManager:
    """Owns the pluggy manager, the registries and the record of what each plugin did."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._loaded = False
        self._pluggy: pluggy.PluginManager | None = None
        self.registries: dict[str, Registry] = {
            kind: Registry(kind, loader=self.ensure_loaded) for kind in hookspecs.KIND_HOOKS
        }
        self.records: dict[str, PluginRecord] = {}
        self._preferences_from_env()

    # -- loading ---------------------------------------------------------------------------------
    def ensure_loaded(self) -> None:
        if self._loaded:
            return
        with self._lock:
            if self._loaded:
                return
            self._loaded = True  # set first: registering calls back into the registries
            try:
                self._load_entry_points()
            except BaseException:
                self._loaded = False
                raise

    def _manager(self) -> pluggy.PluginManager:
        if self._pluggy is None:
            pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
            pm.add_hookspecs(hookspecs)
            self._pluggy = pm
        return self._pluggy

    def _selected_entry_points(self) -> list[metadata.EntryPoint]:
        found = list(metadata.entry_points(group=ENTRY_POINT_GROUP))
        if _env_flag("NEUROPIL_DISABLE_PLUGIN_AUTOLOAD"):
            found = [ep for ep in found if ep.dist is not None and ep.dist.name in FIRST_PARTY]
        allow = os.environ.get("NEUROPIL_PLUGINS")
        if allow is None:
            return found
        asked = {normalize(n): n.strip() for n in allow.split(",") if n.strip()}
        installed = {ep.name for ep in found} | {ep.dist.name for ep in found if ep.dist is not None}
        known = {normalize(name) for name in installed}
        for key in sorted(set(asked) - known):
            warnings.warn(
                f"NEUROPIL_PLUGINS names {asked[key]!r}, but no installed plugin or distribution has that "
                f"name (installed: {', '.join(sorted(installed)) or 'none'}).",
                PluginLoadWarning,
                stacklevel=_user_stacklevel(),
            )
        wanted = set(asked)
        return [
            ep
            for ep in found
            if normalize(ep.name) in wanted or (ep.dist is not None and normalize(ep.dist.name) in wanted)
        ]

    def _load_entry_points(self) -> None:
        for ep in self._selected_entry_points():
            dist = ep.dist.name if ep.dist is not None else None
            version = ep.dist.version if ep.dist is not None else None
            spec = f"{ep.name} = {ep.value}"
            try:
                plugin = ep.load()
            except KeyboardInterrupt:
                raise
            except BaseException as exc:  # noqa: BLE001 - a plugin may raise anything on import, sys.exit() too
                self._fail(ep.name, dist, version, spec, "failed to import", exc)
                continue
            self._add(plugin, ep.name, dist, version, spec)

    def _add(self, plugin: Any, name: str, dist: str | None, version: str | None, spec: str | None,
             in_process: bool = False) -> None:
        """Register one plugin with pluggy and commit its registrations, all or nothing."""
        if name in self.records:
            self._fail(name, dist, version, spec, "could not be registered",
                       ValueError(f"a plugin named {name!r} is already registered"), in_process)
            return
        pm = self._manager()
        source = Source(plugin=name, distribution=dist, version=version, entry_point=spec)
        collected: list[Entry] = []
        try:
            pm.register(plugin, name=name)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 - pluggy validation errors, duplicate objects, sys.exit()
            self._fail(name, dist, version, spec, "could not be registered", exc, in_process)
            return
        try:
            for kind, hook_name in hookspecs.KIND_HOOKS.items():
                hook = getattr(pm.hook, hook_name)
                for impl in hook.get_hookimpls():
                    if impl.plugin is plugin:
                        impl.function(register=self._collector(kind, source, collected))
        except KeyboardInterrupt:
            pm.unregister(plugin)
            raise
        except BaseException as exc:  # noqa: BLE001 - a plugin's hook may raise anything, SystemExit included
            pm.unregister(plugin)
            self._fail(name, dist, version, spec, "raised while registering", exc, in_process)
            return
        for entry in collected:
            self.registries[entry.kind].add(entry)
        self.records[name] = PluginRecord(name, dist, version, spec)

    @staticmethod
    def _collector(kind: str, source: Source, collected: list[Entry]) -> Callable[..., None]:
        def register(name: str, factory: Callable[..., Any], *, aliases: Iterable[str] = ()) -> None:
            if not isinstance(name, str) or not name:
                raise TypeError(f"register() needs a non-empty string name, got {name!r}")
            if not callable(factory):
                raise TypeError(f"register({name!r}, ...) needs a callable factory, got {factory!r}")
            entry = Entry(kind, name, factory, tuple(aliases), source)
            taken = {k for e in collected if e.kind == kind for k in e.keys()}
            clash = entry.keys() & taken
            if clash:
                raise ValueError(f"{source.plugin} registers the {singular(kind)} name {sorted(clash)[0]!r} twice")
            collected.append(entry)

        return register

    def _fail(self, name: str, dist: str | None, version: str | None, spec: str | None,
              what: str, exc: BaseException, in_process: bool = False) -> None:
        """Record and report a failed plugin: a warning, or an error in strict mode and for in-process
        registration (where the caller is right there to handle it)."""
        if in_process:
            raise PluginLoadError(f"neuropil plugin {name!r} {what}: {type(exc).__name__}: {exc}") from exc
        who = f"distribution {dist} {version}" if dist else "an in-process plugin"
        message = (f"neuropil plugin {name!r} ({who}, entry point '{spec or name}') {what}: "
                   f"{type(exc).__name__}: {exc}")
        self.records[name] = PluginRecord(name, dist, version, spec, error=message)
        if _env_flag("NEUROPIL_STRICT_PLUGINS"):
            raise PluginLoadError(message) from exc
        warnings.warn(message + " -- it was skipped; every other plugin keeps working.",
                      PluginLoadWarning, stacklevel=_user_stacklevel())

    # -- in-process plugins ----------------------------------------------------------------------
    def register(self, plugin: ModuleType | object, name: str | None = None) -> str:
        """Register a plugin object (module or instance with ``@hookimpl`` methods) in this process."""
        self.ensure_loaded()
        name = name or getattr(plugin, "__name__", None) or type(plugin).__name__
        with self._lock:
            self._add(plugin, name, None, None, None, in_process=True)
        return name

    def unregister(self, name: str) -> None:
        """Remove an in-process (or entry-point) plugin and everything it registered."""
        with self._lock:
            if name not in self.records:
                raise ValueError(f"no plugin named {name!r} is registered (registered: "
                                 f"{', '.join(sorted(self.records)) or 'none'})")
            del self.records[name]
            pm = self._manager()
            if pm.get_plugin(name) is not None:
                pm.unregister(name=name)
            for registry in self.registries.values():
                registry.remove_plugin(name)

    # -- reporting and preferences ---------------------------------------------------------------
    def plugin_records(self) -> list[PluginRecord]:
        self.ensure_loaded()
        for record in self.records.values():
            if record.error is None:
                record.registered = entries_by_source(self.registries.values(), record.name)
        return sorted(self.records.values(), key=lambda r: r.name)

    def prefer(self, who: str, kind: str | None = None, name: str | None = None) -> None:
        kinds = [kind] if kind else list(self.registries)
        for k in kinds:
            if k not in self.registries:
                raise ValueError(f"unknown component kind {k!r}; kinds: {', '.join(self.registries)}")
            key = normalize(name) if name else "*"
            choices = self.registries[k].preferences.setdefault(key, [])
            if who in choices:
                choices.remove(who)
            choices.insert(0, who)

    def _preferences_from_env(self) -> None:
        for who in reversed([w.strip() for w in os.environ.get("NEUROPIL_PREFER", "").split(",") if w.strip()]):
            self.prefer(who)

    def reset(self) -> None:
        """Forget every plugin; the next lookup loads entry points again (for tests and notebooks)."""
        with self._lock:
            self._loaded = False
            self._pluggy = None
            self.records.clear()
            for registry in self.registries.values():
                registry.clear()
                registry.preferences.clear()
            self._preferences_from_env()


_MANAGER: PluginManager | None = None


def manager() -> PluginManager:
    global _MANAGER
    if _MANAGER is None:
        _MANAGER = PluginManager()
    return _MANAGER
