"""Normalization layers beyond BatchNormalization: per-sample (Layer, Group, Unit) and fixed-statistics
(Normalization, with ``adapt``)."""
from __future__ import annotations

from .group_normalization import GroupNormalization
from .layer_normalization import LayerNormalization
from .normalization import Normalization
from .unit_normalization import UnitNormalization

__all__ = ["GroupNormalization", "LayerNormalization", "Normalization", "UnitNormalization"]
