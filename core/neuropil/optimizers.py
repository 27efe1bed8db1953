"""neuropil.optimizers: optimizers from every installed plugin, resolved through the registry.

``get(identifier, **kwargs)`` takes an optimizer name, e.g. 'adam', a ``{"class_name", "config"}`` dict, or an
instance; attribute access (``neuropil.optimizers.Name``) returns the registered factory.
"""
from __future__ import annotations

import sys

from . import schedules
from .base.optimizer import Optimizer
from .plugin_system.namespace import public_api

get, serialize, deserialize, __getattr__, __dir__ = public_api("optimizers", Optimizer, None,
                                                                ["Optimizer", "schedules"])
# Keras's path: ``from neuropil.optimizers.schedules import ExponentialDecay`` finds this entry once
# this module is imported, which importing the parent of that path does first.
sys.modules[f"{__name__}.schedules"] = schedules
