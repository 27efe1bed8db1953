"""neuropil.models: Sequential and functional models, loading saved models, rebuilding from an architecture.

The names load on first use: the functional model (``neuropil.graph.functional``) is built from this
package's trainer, so importing them here eagerly would be circular.
"""
from __future__ import annotations

import importlib
from typing import Any

_WHERE = {"Model": "..graph.functional", "Sequential": ".sequential", "clone_model": ".cloning",
          "model_from_json": ".cloning", "load_model": "..saving"}

__all__ = ["Model", "Sequential", "clone_model", "load_model", "model_from_json"]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name], __name__), name)
    raise AttributeError(f"module 'neuropil.models' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
