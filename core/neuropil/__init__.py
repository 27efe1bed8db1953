"""neuropil: the Keras Sequential workflow on a minimal core; every component is a plugin.

Importing neuropil is cheap: it loads no plugin and reads no package metadata. Submodules are
imported on first attribute access, and plugins on the first registry lookup.
"""
from __future__ import annotations

import importlib
from typing import Any

from . import _aliases

__version__ = "0.1.0"
_aliases.install()  # the flat layout's module paths (neuropil.layer, neuropil.hookspecs, ...) keep working

_SUBMODULES = {
    "activations", "backends", "callbacks", "config", "constraints", "errors", "hookspecs",
    "initializers", "layers", "losses", "metrics", "models", "optimizers", "plugins", "regularizers",
    "schedules", "testing", "utils", "registry", "backend", "layer", "activation", "loss", "optimizer",
    "metric", "schedule", "checks", "base", "plugin_system", "graph",
}

__all__ = sorted(_SUBMODULES | {"hookimpl", "Sequential", "Model", "Input", "__version__"})


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name == "hookimpl":
        from .plugin_system.hookspecs import hookimpl

        return hookimpl
    if name == "Sequential":
        from .models import Sequential

        return Sequential
    if name == "Model":
        from .graph.functional import Model

        return Model
    if name == "Input":
        from .graph.input_layer import Input

        return Input
    raise AttributeError(f"module 'neuropil' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
