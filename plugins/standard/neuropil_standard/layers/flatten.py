"""Flatten: each sample's features as one vector, e.g. images before a Dense layer."""
from __future__ import annotations

import math
from typing import Any

from neuropil.base.layer import Backward, Layer


class Flatten(Layer):
    """Reshapes ``(batch, d1, d2, ...)`` to ``(batch, d1 * d2 * ...)``; the batch axis is kept."""

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return (int(math.prod(input_shape)),)

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        shape = x.shape
        y = x.reshape(shape[0], -1)

        def backward(dy: Any) -> Any:
            return dy.reshape(shape)

        return y, backward
