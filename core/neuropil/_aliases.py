"""Import paths that moved, kept working.

The contracts a plugin subclasses now live in :mod:`neuropil.base` and the plugin machinery in
:mod:`neuropil.plugin_system`; code written against the earlier flat layout (``neuropil.layer``,
``neuropil.hookspecs``, ...) keeps importing the same module objects through this finder, so
``neuropil.layer.Layer is neuropil.base.layer.Layer``. No file stands at the old paths, which keeps the
tree free of singular/plural twins.
"""
from __future__ import annotations

import importlib
import importlib.machinery
import sys
from types import ModuleType

#: old module path -> the module that now holds its contents
MOVED: dict[str, str] = {
    **{f"neuropil.{name}": f"neuropil.base.{name}"
       for name in ("layer", "activation", "loss", "optimizer", "metric", "schedule", "backend")},
    "neuropil.hookspecs": "neuropil.plugin_system.hookspecs",
    "neuropil.registry": "neuropil.plugin_system.registry",
    "neuropil._plugin_manager": "neuropil.plugin_system.manager",
    "neuropil._namespace": "neuropil.plugin_system.namespace",
}


class _MovedModuleFinder:
    """Resolves an old path to the module at its new one (the same object, imported once).

    A meta-path finder and loader by protocol (importing ``importlib.abc`` would cost start-up time)."""

    def find_spec(self, fullname: str, path: object = None,
                  target: object = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in MOVED:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)  # type: ignore[arg-type]  # a Loader by protocol

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None  # a placeholder; exec_module swaps the real module in

    def exec_module(self, module: ModuleType) -> None:
        # The import system reads sys.modules back after exec_module, so the caller (and the parent
        # package's attribute) get the real module, whose own __spec__ stays untouched.
        sys.modules[module.__name__] = importlib.import_module(MOVED[module.__name__])


def install() -> None:
    if not any(isinstance(finder, _MovedModuleFinder) for finder in sys.meta_path):
        sys.meta_path.append(_MovedModuleFinder())
