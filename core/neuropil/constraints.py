"""neuropil.constraints: constraints from every installed plugin, resolved through the registry.

``get(identifier, **kwargs)`` takes a constraint name, e.g. 'max_norm', a ``{"class_name", "config"}`` dict, or an
instance; attribute access (``neuropil.constraints.Name``) returns the registered factory.
"""
from __future__ import annotations

from .plugin_system.namespace import public_api

get, serialize, deserialize, __getattr__, __dir__ = public_api("constraints", None, None, [])
