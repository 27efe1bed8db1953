"""Reshape: each sample to ``target_shape`` (the batch axis is kept), with at most one -1 entry
inferred from the sample's size, as Keras does."""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from neuropil.base.layer import Backward, Layer
from neuropil.errors import ArgumentError, ArgumentTypeError, LayerError

from .. import reference_shape as _reference


def _target_shape(value: Any) -> tuple[int, ...]:
    if not isinstance(value, (tuple, list)):
        raise ArgumentTypeError(f"Reshape expects target_shape to be a tuple of integers, "
                                f"received target_shape={value!r}")
    shape = []
    for entry in value:
        if isinstance(entry, bool) or not isinstance(entry, (int, np.integer)) or (entry < 1 and entry != -1):
            raise ArgumentError(f"Reshape expects target_shape to hold positive integers and at most one -1, "
                                f"received target_shape={tuple(value)!r}")
        shape.append(int(entry))
    if shape.count(-1) > 1:
        raise ArgumentError(f"Reshape expects at most one -1 in target_shape (the one size it infers), "
                            f"received target_shape={tuple(value)!r}")
    return tuple(shape)


class Reshape(Layer):
    """Keras ``Reshape(target_shape)``: ``(batch, *input_shape)`` -> ``(batch, *target_shape)``."""

    reference = _reference.reshape  # the conformance suite's float64 loop

    example_configs = ({"target_shape": (-1,)}, {"target_shape": (3, -1), "input_shape": (6,)},
                       {"target_shape": (2, 3, 2), "input_shape": (4, 3)})

    def __init__(self, target_shape: Any, **kwargs: Any) -> None:
        shape = _target_shape(target_shape)
        super().__init__(**kwargs)
        self.target_shape: tuple[int, ...] = shape

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        size, known = math.prod(input_shape), math.prod(d for d in self.target_shape if d != -1)
        fits = size % known == 0 if -1 in self.target_shape else size == known
        if not fits:
            raise LayerError(f"layer {self.name!r} (Reshape) cannot reshape per-sample inputs of shape "
                             f"{tuple(input_shape)} ({size} values) to target_shape={self.target_shape}")
        return tuple(size // known if d == -1 else d for d in self.target_shape)

    def build(self, input_shape: tuple[int, ...], backend: Any, rng: np.random.Generator) -> None:
        self.compute_output_shape(input_shape)  # refuses a target that does not fit

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        shape = x.shape
        y = x.reshape((shape[0],) + self.compute_output_shape(tuple(shape[1:])))

        def backward(dy: Any) -> Any:
            return dy.reshape(shape)

        return y, backward

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["target_shape"] = list(self.target_shape)
        return config
