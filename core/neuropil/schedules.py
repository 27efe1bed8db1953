"""neuropil.schedules (also ``neuropil.optimizers.schedules``, Keras's path): learning-rate schedules
from every installed plugin, resolved through the registry.

``get(identifier, **kwargs)`` takes a schedule name, e.g. 'ExponentialDecay', a ``{"class_name",
"config"}`` dict, or an instance; attribute access returns the registered factory.
"""
from __future__ import annotations

from .base.schedule import LearningRateSchedule
from .plugin_system.namespace import public_api

get, serialize, deserialize, __getattr__, __dir__ = public_api("schedules", LearningRateSchedule, None,
                                                                ["LearningRateSchedule"])
