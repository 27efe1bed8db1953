"""A two-input sum layer of the tests' own, for residual connections and shared-layer graphs before
the standard merge layers exist on this branch (it is also a third-party multi-input layer)."""
from __future__ import annotations

from typing import Any

from neuropil.base.layer import Layer


class PairSum(Layer):
    """``a + b`` of two same-shaped inputs; its backward hands ``dy`` to both."""

    def compute_output_shape(self, input_shape: Any) -> Any:
        first, second = input_shape
        if tuple(first) != tuple(second):
            raise ValueError(f"PairSum needs inputs of one shape, received {tuple(first)} and {tuple(second)}")
        return tuple(first)

    def build(self, input_shape: Any, backend: Any = None, rng: Any = None) -> None:
        self.compute_output_shape(input_shape)

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Any]:
        a, b = x

        def backward(dy: Any) -> Any:
            return [dy, dy]

        return a + b, backward
