"""Cropping1D/2D/3D: rows removed before and after each spatial axis (the inverse of ZeroPadding).

A cropping that leaves nothing of an axis is refused when the layer is built for an input, naming
the layer, the cropping and the input shape."""
from __future__ import annotations

from typing import Any

import numpy as np
from neuropil.base.layer import Backward, Layer
from neuropil.errors import LayerError

from .. import _spatial
from .. import reference_shape as _reference
from ._amounts import Pairs, as_config, pairs


class Cropping(Layer):
    """Base of Cropping{1,2,3}D; backward places the gradient back into zeros of the input's shape."""

    reference = _reference.cropping  # the conformance suite's float64 loop

    rank: int = 1

    def __init__(self, cropping: Any, data_format: str | None = None, **kwargs: Any) -> None:
        owner = type(self).__name__
        amounts = pairs(owner, "cropping", cropping, self.rank)
        data_format_ = _spatial.data_format(owner, data_format)
        super().__init__(**kwargs)
        self.cropping: Pairs = amounts
        self.data_format: str = data_format_

    def build(self, input_shape: tuple[int, ...], backend: Any, rng: np.random.Generator) -> None:
        _spatial.check_rank(self, input_shape, self.rank)
        self.compute_output_shape(input_shape)

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        sizes = _spatial.spatial_sizes(tuple(input_shape), self.rank, self.data_format)
        out = tuple(n - a - b for n, (a, b) in zip(sizes, self.cropping))
        if any(size < 1 for size in out):
            raise LayerError(f"layer {self.name!r} ({type(self).__name__}) expects a cropping smaller than "
                             f"each spatial axis, received cropping={self.cropping} for per-sample input shape "
                             f"{tuple(input_shape)} (spatial sizes {sizes}, {self.data_format})")
        return _spatial.replace_spatial(tuple(input_shape), self.data_format, out)

    def _kept(self, ndim: int) -> tuple[slice, ...]:
        index = [slice(None)] * ndim
        for axis, (before, after) in zip(_spatial.spatial_axes(self.rank, self.data_format), self.cropping):
            index[axis] = slice(before, -after if after else None)
        return tuple(index)

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        xp = self.backend.xp
        kept = self._kept(x.ndim)
        shape = x.shape

        def backward(dy: Any) -> Any:
            dx = xp.zeros(shape, dtype=dy.dtype)
            dx[kept] = dy
            return dx

        return x[kept], backward

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["cropping"] = as_config(self.cropping)
        if self.rank > 1:
            config["data_format"] = self.data_format
        return config


class Cropping1D(Cropping):
    """Keras ``Cropping1D(cropping=(1, 1))`` on ``(batch, steps, features)`` (no data_format, as in
    Keras)."""

    rank = 1
    example_configs = ({}, {"cropping": (0, 2), "input_shape": (5, 2)}, {"cropping": 2, "input_shape": (6, 1)})

    def __init__(self, cropping: Any = (1, 1), **kwargs: Any) -> None:
        super().__init__(cropping, None, **kwargs)


class Cropping2D(Cropping):
    """Keras ``Cropping2D(cropping=((0, 0), (0, 0)), data_format=None)``."""

    rank = 2
    example_configs = ({}, {"cropping": ((0, 2), (1, 0))},
                       {"cropping": (1, 2), "data_format": "channels_first", "input_shape": (2, 4, 6)})

    def __init__(self, cropping: Any = ((0, 0), (0, 0)), data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(cropping, data_format, **kwargs)


class Cropping3D(Cropping):
    """Keras ``Cropping3D(cropping=((1, 1), (1, 1), (1, 1)), data_format=None)``."""

    rank = 3
    example_configs = ({}, {"cropping": (1, 0, 2)},
                       {"cropping": ((0, 1), (2, 0), (1, 1)), "data_format": "channels_first",
                        "input_shape": (2, 3, 4, 3)})

    def __init__(self, cropping: Any = ((1, 1), (1, 1), (1, 1)), data_format: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(cropping, data_format, **kwargs)
