"""neuropil.losses: losses from every installed plugin, resolved through the registry.

``get(identifier, **kwargs)`` takes a loss name, e.g. 'mse', a ``{"class_name", "config"}`` dict, or an
instance; attribute access (``neuropil.losses.Name``) returns the registered factory.
"""
from __future__ import annotations

from .base.loss import FunctionLoss, Loss
from .plugin_system.namespace import public_api

get, serialize, deserialize, __getattr__, __dir__ = public_api("losses", Loss, FunctionLoss, ['Loss', 'FunctionLoss'])
