"""neuropil.metrics: metrics from every installed plugin, resolved through the registry.

``get(identifier, **kwargs)`` takes a metric name, e.g. 'accuracy', a ``{"class_name", "config"}`` dict, or an
instance; attribute access (``neuropil.metrics.Name``) returns the registered factory.
"""
from __future__ import annotations

from .base.metric import MeanMetricWrapper, Metric
from .plugin_system.namespace import public_api

get, serialize, deserialize, __getattr__, __dir__ = public_api(
    "metrics", Metric, MeanMetricWrapper, ['Metric', 'MeanMetricWrapper'])
