"""neuropil.regularizers: regularizers from every installed plugin, resolved through the registry.

``get(identifier, **kwargs)`` takes a regularizer name, e.g. 'l2', a ``{"class_name", "config"}`` dict, or an
instance; attribute access (``neuropil.regularizers.Name``) returns the registered factory.
"""
from __future__ import annotations

from .plugin_system.namespace import public_api

get, serialize, deserialize, __getattr__, __dir__ = public_api("regularizers", None, None, [])
