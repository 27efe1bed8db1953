"""neuropil.losses: losses from every installed plugin, resolved through the registry.

``get(identifier, **kwargs)`` takes a loss name, e.g. 'mse', a ``{"class_name", "config"}`` dict, or an
instance; attribute access returns the registered class for a CamelCase name
(``neuropil.losses.MeanSquaredError``) and Keras's per-sample function for a snake-case one
(``neuropil.losses.mean_squared_error(y_true, y_pred)``, ``neuropil.losses.mse``), through the loss
contract's ``as_function``.
"""
from __future__ import annotations

from .base.loss import FunctionLoss, Loss
from .plugin_system.namespace import public_api

get, serialize, deserialize, __getattr__, __dir__ = public_api("losses", Loss, FunctionLoss, ['Loss', 'FunctionLoss'],
                                                        function_of="as_function")
