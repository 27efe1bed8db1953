"""neuropil.constraints: constraints from every installed plugin, resolved through the registry.

``get(identifier, **kwargs)`` takes a constraint name, e.g. 'max_norm', a ``{"class_name", "config"}`` dict, or an
instance; attribute access (``neuropil.constraints.Name``) returns the registered factory.
"""
from __future__ import annotations

from .base.constraint import Constraint
from .plugin_system.namespace import public_api

# No ``base`` for resolving: any object with ``__call__`` and ``get_config`` is a constraint (Keras
# accepts plain callables too); ``Constraint`` is exported for users and plugins to subclass.
get, serialize, deserialize, __getattr__, __dir__ = public_api("constraints", None, None, ["Constraint"])
__all__ = ["Constraint", "get", "serialize", "deserialize"]
