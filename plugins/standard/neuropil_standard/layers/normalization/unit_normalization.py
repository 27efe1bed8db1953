"""UnitNormalization: scale each sample to unit L2 norm over ``axis``.

Keras 3's semantics: ``x * min(1 / sqrt(sum(x**2)), 1e12)`` over the axes in ``axis`` (batch axis
counted), so an all-zero slice stays zero instead of becoming NaN. Where the norm is above 1e-12 the
backward is the gradient of ``x / |x|``, ``dx = (dy - y * sum(dy * y)) / |x|``; below it the layer is
the linear map ``1e12 * x`` and its gradient is that constant.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from neuropil.base.layer import Backward, Layer

from .. import reference_normalization as _reference
from .._common import check_declared_shape
from ._common import axis_argument, axis_config, resolve_axes

#: Keras's lower bound on the norm: the inverse norm is capped at its reciprocal.
EPSILON = 1e-12


class UnitNormalization(Layer):
    """Divides every slice over ``axis`` (an int or a list of ints) by its L2 norm."""

    reference = _reference.unit_normalization  # the conformance suite's float64 formula
    golden_examples = ({"config": {}, "inputs": ([[3.0, 4.0], [0.0, 0.0]],), "output": [[0.6, 0.8], [0.0, 0.0]]},)
    example_configs = ({}, {"axis": [-2, -1]}, {"axis": 1}, {"axis": [1, 3], "input_shape": (2, 2, 3)})

    def __init__(self, axis: int | list[int] = -1, **kwargs: Any) -> None:
        self.axis = axis_argument("UnitNormalization", axis)
        super().__init__(**kwargs)
        self._axes: tuple[int, ...] = ()

    def build(self, input_shape: tuple[int, ...], backend: Any, rng: np.random.Generator) -> None:
        check_declared_shape(self, input_shape)
        assert self.axis is not None
        self._axes = resolve_axes(self, self.axis, len(input_shape) + 1)

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        xp = self.backend.xp
        axes = self._axes
        inv_norm = xp.square(x).sum(axis=axes, keepdims=True)
        capped = inv_norm < EPSILON ** 2
        xp.sqrt(inv_norm, out=inv_norm)
        xp.maximum(inv_norm, EPSILON, out=inv_norm)
        xp.reciprocal(inv_norm, out=inv_norm)
        y = x * inv_norm

        def backward(dy: Any) -> Any:
            projection = (dy * y).sum(axis=axes, keepdims=True)
            xp.multiply(projection, ~capped, out=projection)  # no x-dependence of the norm where capped
            dx = y * projection
            xp.subtract(dy, dx, out=dx)
            dx *= inv_norm
            return dx

        return y, backward

    def kink_distance(self, x: Any) -> Any:
        """The norm of each slice: at a zero slice the map jumps from ``1e12 * x`` to ``x / |x|``
        within a finite-difference step, so gradient checks keep away from it."""
        return (x * x).sum(axis=self._axes, keepdims=True) ** 0.5

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["axis"] = axis_config(self.axis)
        return config
