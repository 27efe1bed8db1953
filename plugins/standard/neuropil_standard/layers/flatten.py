"""Flatten: each sample's features as one vector, e.g. images before a Dense layer."""
from __future__ import annotations

import math
from typing import Any

from neuropil.base.layer import Backward, Layer

from . import _spatial
from . import reference_shape as _reference


class Flatten(Layer):
    """Keras ``Flatten(data_format=None)``: ``(batch, d1, d2, ...)`` to ``(batch, d1 * d2 * ...)``;
    the batch axis is kept.

    With ``data_format="channels_first"`` the channels axis is moved last before flattening, as Keras
    does, so a model gives its Dense layer features in the same order whichever layout it runs in.
    """

    reference = _reference.flatten  # the conformance suite's float64 loop
    example_configs = ({}, {"data_format": "channels_first"},
                       {"data_format": "channels_first", "input_shape": (2, 3, 2)})

    def __init__(self, data_format: str | None = None, **kwargs: Any) -> None:
        data_format_ = _spatial.data_format("Flatten", data_format)
        super().__init__(**kwargs)
        self.data_format: str = data_format_

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return (int(math.prod(input_shape)),)

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        shape = x.shape
        if self.data_format == "channels_first" and x.ndim > 2:
            xp = self.backend.xp
            moved = xp.moveaxis(x, 1, -1)
            moved_shape = moved.shape
            y = moved.reshape(shape[0], -1)

            def channels_first_backward(dy: Any) -> Any:
                return xp.moveaxis(dy.reshape(moved_shape), -1, 1)

            return y, channels_first_backward

        y = x.reshape(shape[0], -1)

        def backward(dy: Any) -> Any:
            return dy.reshape(shape)

        return y, backward

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["data_format"] = self.data_format
        return config
