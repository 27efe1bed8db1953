"""neuropil.layers: layers from every installed plugin, resolved through the registry.

``get(identifier, **kwargs)`` takes a layer class name, e.g. 'Dense', a ``{"class_name", "config"}`` dict, or an
instance; attribute access (``neuropil.layers.Name``) returns the registered factory.
"""
from __future__ import annotations

from .base.layer import Layer
from .plugin_system.namespace import public_api

get, serialize, deserialize, __getattr__, __dir__ = public_api("layers", Layer, None, ['Layer'])
