"""Keras's weight constraints: projections applied to a weight after every optimizer update.

Norms are taken along ``axis`` (0 by default: for a Dense kernel of shape (in, out), the incoming
weights of each unit), and Keras's ``epsilon`` is added to the denominators so a zero column stays zero
instead of becoming NaN. Array math goes through the array module of ``w`` (NumPy or CuPy alike).
"""
from __future__ import annotations

from typing import Any

from neuropil import config
from neuropil.base.backend import array_module
from neuropil.base.constraint import Constraint
from neuropil.plugin_system.hookspecs import Register

Axis = int | tuple[int, ...] | list[int]


def _axis(axis: Axis) -> int | tuple[int, ...]:
    return tuple(int(a) for a in axis) if isinstance(axis, (list, tuple)) else int(axis)


def _norms(w: Any, axis: int | tuple[int, ...]) -> Any:
    xp = array_module(w)
    return xp.sqrt((w * w).sum(axis=axis, keepdims=True))


class MaxNorm(Constraint):
    """Rescale each slice whose norm exceeds ``max_value`` down to ``max_value``."""

    def __init__(self, max_value: float = 2, axis: Axis = 0) -> None:
        self.max_value = max_value
        self.axis = _axis(axis)

    def __call__(self, w: Any) -> Any:
        xp = array_module(w)
        norms = _norms(w, self.axis)
        desired = xp.clip(norms, 0, self.max_value)
        return w * (desired / (config.epsilon() + norms))

    def get_config(self) -> dict[str, Any]:
        return {"max_value": self.max_value, "axis": self.axis}


class MinMaxNorm(Constraint):
    """Move each slice's norm into ``[min_value, max_value]``, by the fraction ``rate`` per call."""

    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0, axis: Axis = 0) -> None:
        if min_value > max_value:
            raise ValueError(f"MinMaxNorm expects min_value <= max_value, received "
                             f"min_value={min_value}, max_value={max_value}")
        self.min_value, self.max_value, self.rate = min_value, max_value, rate
        self.axis = _axis(axis)
        #: A projection only at ``rate == 1``: a smaller rate moves part of the way on each call, by
        #: design (the conformance suite reads this to skip its idempotence check).
        self.idempotent = rate == 1.0

    example_configs: tuple[dict[str, Any], ...] = ({}, {"min_value": 0.5, "max_value": 2.0, "rate": 0.5})

    def __call__(self, w: Any) -> Any:
        xp = array_module(w)
        norms = _norms(w, self.axis)
        desired = self.rate * xp.clip(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return w * (desired / (config.epsilon() + norms))

    def get_config(self) -> dict[str, Any]:
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


class NonNeg(Constraint):
    """Zero out negative entries."""

    def __call__(self, w: Any) -> Any:
        return w * (w >= 0).astype(w.dtype)


class UnitNorm(Constraint):
    """Rescale each slice to norm 1."""

    def __init__(self, axis: Axis = 0) -> None:
        self.axis = _axis(axis)

    def __call__(self, w: Any) -> Any:
        return w / (config.epsilon() + _norms(w, self.axis))

    def get_config(self) -> dict[str, Any]:
        return {"axis": self.axis}


def register_all(register: Register) -> None:
    register("MaxNorm", MaxNorm)
    register("MinMaxNorm", MinMaxNorm)
    register("NonNeg", NonNeg)
    register("UnitNorm", UnitNorm)
