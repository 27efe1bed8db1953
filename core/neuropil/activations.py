"""neuropil.activations: activations from every installed plugin, resolved through the registry.

``get(identifier, **kwargs)`` takes an activation name, e.g. 'relu', a ``{"class_name", "config"}`` dict, or an
instance; attribute access (``neuropil.activations.Name``) returns the registered factory.
"""
from __future__ import annotations

from .base.activation import Activation, FunctionActivation
from .plugin_system.namespace import public_api

get, serialize, deserialize, __getattr__, __dir__ = public_api("activations", Activation, FunctionActivation, ['Activation', 'FunctionActivation'])
