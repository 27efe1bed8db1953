"""neuropil.initializers: initializers from every installed plugin, resolved through the registry.

``get(identifier, **kwargs)`` takes an initializer name, e.g. 'glorot_uniform', a
``{"class_name", "config"}`` dict, or an
instance; attribute access (``neuropil.initializers.Name``) returns the registered factory.
"""
from __future__ import annotations

from .plugin_system.namespace import public_api

get, serialize, deserialize, __getattr__, __dir__ = public_api("initializers", None, None, [])
