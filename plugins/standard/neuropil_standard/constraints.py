"""Keras's weight constraints: projections applied to a weight after every optimizer update.

Norms are taken along ``axis`` (0 by default: for a Dense kernel of shape (in, out), the incoming
weights of each unit), and Keras's ``epsilon`` is added to the denominators so a zero column stays zero
instead of becoming NaN. Array math goes through the array module of ``w`` (NumPy or CuPy alike).
"""
from __future__ import annotations

from typing import Any

from neuropil import checks, config
from neuropil.base.backend import array_module
from neuropil.base.constraint import Constraint
from neuropil.errors import ArgumentError, ArgumentTypeError
from neuropil.plugin_system.hookspecs import Register

from . import reference_constraints as _reference

Axis = int | tuple[int, ...] | list[int]

#: The ranks of weights layers have: a bias, a Dense kernel, Conv1D to Conv2D kernels (and Conv3D's 5).
_WEIGHT_RANKS = (1, 2, 3, 4, 5)


def _axis(owner: str, axis: Axis) -> int | tuple[int, ...]:
    """An axis, or a list or tuple of them (Keras accepts both); a tuple keeps configs JSON-friendly."""
    if isinstance(axis, (list, tuple)):
        if not axis:
            raise ArgumentTypeError(f"{owner} expects axis to be an integer or a non-empty list of integers, "
                                    f"received axis={axis!r}")
        return tuple(checks.integer(owner, "axis", a) for a in axis)
    return checks.integer(owner, "axis", axis)


def _ranks(axis: int | tuple[int, ...]) -> tuple[int, ...]:
    """The weight ranks on which every axis in ``axis`` exists and names another axis (``axis=1`` needs
    a matrix at least; ``axis=(0, -1)`` names one axis twice on a vector)."""
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(n for n in _WEIGHT_RANKS
                 if all(-n <= a < n for a in axes) and len({a % n for a in axes}) == len(axes))


def _norms(w: Any, axis: int | tuple[int, ...]) -> Any:
    xp = array_module(w)
    return xp.sqrt((w * w).sum(axis=axis, keepdims=True))


class _AxisConstraint(Constraint):
    """A constraint on the norms of slices along ``axis``: it needs weights that have those axes."""

    axis: int | tuple[int, ...]

    @property
    def ndims(self) -> tuple[int, ...]:
        """The ranks of weights this constraint applies to (read by the conformance suite)."""
        return _ranks(self.axis)


class MaxNorm(_AxisConstraint):
    """Rescale each slice whose norm exceeds ``max_value`` down to ``max_value``."""

    example_configs: tuple[dict[str, Any], ...] = (
        {}, {"max_value": 0.5, "axis": 1}, {"max_value": 1.0, "axis": [0, 1]}, {"max_value": 3.0, "axis": -1})
    reference = _reference.max_norm
    #: By hand, Keras's defaults max_value 2, axis 0: column norms 5 (scaled to 2) and 1 (kept).
    golden_examples: tuple[dict[str, Any], ...] = (
        {"config": {}, "inputs": ([[3.0, 0.0], [4.0, 1.0]],), "output": [[1.2, 0.0], [1.6, 1.0]]},)

    def __init__(self, max_value: float = 2, axis: Axis = 0) -> None:
        self.max_value = checks.number("MaxNorm", "max_value", max_value, minimum=0)
        self.axis = _axis("MaxNorm", axis)

    def __call__(self, w: Any) -> Any:
        xp = array_module(w)
        norms = _norms(w, self.axis)
        desired = xp.clip(norms, 0, self.max_value)
        return w * (desired / (config.epsilon() + norms))

    def get_config(self) -> dict[str, Any]:
        return {"max_value": self.max_value, "axis": self.axis}


class MinMaxNorm(_AxisConstraint):
    """Move each slice's norm into ``[min_value, max_value]``, by the fraction ``rate`` per call."""

    reference = _reference.min_max_norm
    #: By hand, Keras's defaults [0, 1], rate 1, axis 0: column norm 5 scaled to 1, norm 0.5 kept.
    golden_examples: tuple[dict[str, Any], ...] = (
        {"config": {}, "inputs": ([[3.0, 0.0], [4.0, 0.5]],), "output": [[0.6, 0.0], [0.8, 0.5]]},)

    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0, axis: Axis = 0) -> None:
        min_value = checks.number("MinMaxNorm", "min_value", min_value, minimum=0)
        max_value = checks.number("MinMaxNorm", "max_value", max_value, minimum=0)
        if min_value > max_value:
            raise ArgumentError(f"MinMaxNorm expects min_value <= max_value, received "
                                f"min_value={min_value}, max_value={max_value}")
        self.min_value, self.max_value = min_value, max_value
        self.rate = checks.number("MinMaxNorm", "rate", rate, minimum=0, maximum=1)
        self.axis = _axis("MinMaxNorm", axis)
        #: A projection only at ``rate == 1``: a smaller rate moves part of the way on each call, by
        #: design (the conformance suite reads this to skip its idempotence check).
        self.idempotent = rate == 1.0

    example_configs: tuple[dict[str, Any], ...] = ({}, {"min_value": 0.5, "max_value": 2.0, "rate": 0.5},
                                                   {"min_value": 1.0, "max_value": 1.5, "axis": 1},
                                                   {"min_value": 0.2, "max_value": 0.8, "rate": 0.3,
                                                    "axis": [0, -1]})

    def __call__(self, w: Any) -> Any:
        xp = array_module(w)
        norms = _norms(w, self.axis)
        desired = self.rate * xp.clip(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return w * (desired / (config.epsilon() + norms))

    def get_config(self) -> dict[str, Any]:
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


class NonNeg(Constraint):
    """Zero out negative entries."""

    reference = _reference.non_neg
    golden_examples: tuple[dict[str, Any], ...] = ({"inputs": ([-1.0, 2.0, 0.0],), "output": [0.0, 2.0, 0.0]},)

    def __call__(self, w: Any) -> Any:
        return w * (w >= 0).astype(w.dtype)


class UnitNorm(_AxisConstraint):
    """Rescale each slice to norm 1."""

    example_configs: tuple[dict[str, Any], ...] = ({}, {"axis": 1}, {"axis": [0, 1]}, {"axis": -1})
    reference = _reference.unit_norm
    #: By hand, Keras's default axis 0: column norms 5 and 2.
    golden_examples: tuple[dict[str, Any], ...] = (
        {"config": {}, "inputs": ([[3.0, 0.0], [4.0, 2.0]],), "output": [[0.6, 0.0], [0.8, 1.0]]},)

    def __init__(self, axis: Axis = 0) -> None:
        self.axis = _axis("UnitNorm", axis)

    def __call__(self, w: Any) -> Any:
        return w / (config.epsilon() + _norms(w, self.axis))

    def get_config(self) -> dict[str, Any]:
        return {"axis": self.axis}


def register_all(register: Register) -> None:
    register("MaxNorm", MaxNorm)
    register("MinMaxNorm", MinMaxNorm)
    register("NonNeg", NonNeg)
    register("UnitNorm", UnitNorm)
