"""neuropil.optimizers: optimizers from every installed plugin, resolved by name through the registry.

``get(identifier, **kwargs)`` accepts an optimizer name, e.g. 'adam', a ``{"class_name", "config"}`` dict, or an instance;
attribute access (``neuropil.optimizers.Name``) returns the registered factory.
"""
from __future__ import annotations

from typing import Any

from ._namespace import module_dir, module_getattr, resolve, serialize as _serialize
from .optimizer import Optimizer

KIND = "optimizers"


def get(identifier: Any, **kwargs: Any) -> Any:
    """The optimizer for ``identifier`` (None stays None)."""
    if identifier is None:
        return None
    return resolve(KIND, identifier, Optimizer, None, **kwargs)


def serialize(component: Any) -> dict[str, Any]:
    """``{"class_name": registered name, "config": component.get_config()}``."""
    return _serialize(KIND, component)


def deserialize(config: dict[str, Any]) -> Any:
    return get(config)


__getattr__ = module_getattr(KIND)
__dir__ = module_dir(KIND, ['get', 'serialize', 'deserialize', 'Optimizer'])
