"""neuropil.activations: activations from every installed plugin, resolved through the registry.

``get(identifier, **kwargs)`` takes an activation name, e.g. 'relu', a ``{"class_name", "config"}`` dict, or an
instance, and ``get(None)`` gives the identity (``linear``), as in Keras. Attribute access returns
Keras's function for a snake-case name (``neuropil.activations.relu(x, negative_slope=0.1)`` returns an
array) and the registered class for a CamelCase one (``neuropil.activations.ReLU``).
"""
from __future__ import annotations

from typing import Any

from .base.activation import Activation, FunctionActivation
from .plugin_system.namespace import public_api, registry


def _identity() -> Any:
    """The registered activation that declares ``is_identity`` (Keras's ``linear``), found by that
    declaration so the core names no activation; a plain identity when no plugin offers one."""
    for entry in registry("activations").entries():
        if getattr(entry.factory, "is_identity", False) is True:
            return entry.factory()
    return FunctionActivation(lambda x: x, lambda x, y, dy: dy, name="linear")


get, serialize, deserialize, __getattr__, __dir__ = public_api(
    "activations", Activation, FunctionActivation, ['Activation', 'FunctionActivation'],
    function_of="as_function", default=_identity)
