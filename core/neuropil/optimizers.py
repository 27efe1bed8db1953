"""neuropil.optimizers: optimizers from every installed plugin, resolved through the registry.

``get(identifier, **kwargs)`` takes an optimizer name, e.g. 'adam', a ``{"class_name", "config"}`` dict, or an
instance; attribute access (``neuropil.optimizers.Name``) returns the registered factory.
"""
from __future__ import annotations

from ._namespace import public_api
from .optimizer import Optimizer

get, serialize, deserialize, __getattr__, __dir__ = public_api("optimizers", Optimizer, None, ['Optimizer'])
