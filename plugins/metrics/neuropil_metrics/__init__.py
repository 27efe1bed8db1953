"""neuropil-metrics: streaming classification and regression metrics for neuropil.

Importing this package imports nothing heavy; neuropil loads the metric classes through the plugin hook
in :mod:`neuropil_metrics.plugin` on the first registry lookup. Direct imports work too::

    from neuropil_metrics.confusion import Precision
"""
from __future__ import annotations

__version__ = "0.1.0"
