"""neuropil.metrics: metrics from every installed plugin, resolved by name through the registry.

``get(identifier, **kwargs)`` accepts a metric name, e.g. 'accuracy', a ``{"class_name", "config"}`` dict, or an instance;
attribute access (``neuropil.metrics.Name``) returns the registered factory.
"""
from __future__ import annotations

from typing import Any

from ._namespace import module_dir, module_getattr, resolve, serialize as _serialize
from .metric import MeanMetricWrapper, Metric

KIND = "metrics"


def get(identifier: Any, **kwargs: Any) -> Any:
    """The metric for ``identifier`` (None stays None)."""
    if identifier is None:
        return None
    return resolve(KIND, identifier, Metric, MeanMetricWrapper, **kwargs)


def serialize(component: Any) -> dict[str, Any]:
    """``{"class_name": registered name, "config": component.get_config()}``."""
    return _serialize(KIND, component)


def deserialize(config: dict[str, Any]) -> Any:
    return get(config)


__getattr__ = module_getattr(KIND)
__dir__ = module_dir(KIND, ['get', 'serialize', 'deserialize', 'Metric', 'MeanMetricWrapper'])
