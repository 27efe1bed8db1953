"""neuropil.backends: the registered compute backends and their availability."""
from __future__ import annotations

from typing import Any

from .base.backend import Backend, array_module, get_backend, set_backend

__all__ = ["Backend", "array_module", "get", "available", "set_backend"]


def get(name: str | Backend | None = None) -> Backend:
    """The backend called ``name`` (or the automatic choice); raises if it cannot run here."""
    return get_backend(name)


def available() -> dict[str, tuple[bool, str]]:
    """Every registered backend's name -> (usable here, reason when not)."""
    from .base.backend import _instance
    from .plugin_system.manager import manager

    out: dict[str, tuple[bool, str]] = {}
    for entry in manager().registries["backends"].entries():
        backend = _instance(entry)
        out[entry.name] = backend.availability()
    return out


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    from .plugin_system.namespace import lookup

    try:
        return lookup("backends", name).factory
    except ValueError as exc:
        raise AttributeError(str(exc)) from None
