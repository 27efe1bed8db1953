"""UpSampling1D/2D/3D: each spatial axis enlarged by an integer factor.

Nearest (every layer) repeats each element; UpSampling2D also offers "bilinear", with half-pixel
centers as Keras computes it (through ``jax.image.resize``/TensorFlow), applied one axis at a time.
Keras's other resize kernels ("bicubic", "lanczos3", "lanczos5") are not offered: they are refused
at construction rather than silently replaced.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from neuropil import checks
from neuropil.base.layer import Backward, Layer

from .. import _spatial
from .. import reference_shape as _reference
from . import _resize


class UpSampling(Layer):
    """Base of UpSampling{1,2,3}D."""

    reference = _reference.up_sampling  # the conformance suite's float64 loop

    rank: int = 1

    def __init__(self, size: Any, data_format: str | None = None, interpolation: str = "nearest",
                 **kwargs: Any) -> None:
        owner = type(self).__name__
        size_ = _spatial.int_tuple(owner, "size", size, self.rank)
        data_format_ = _spatial.data_format(owner, data_format)
        interpolations = ("nearest", "bilinear") if self.rank == 2 else ("nearest",)
        interpolation_ = checks.one_of(owner, "interpolation", interpolation, interpolations, normalise=True)
        super().__init__(**kwargs)
        self.size: tuple[int, ...] = size_
        self.data_format: str = data_format_
        self.interpolation: str = interpolation_

    def build(self, input_shape: tuple[int, ...], backend: Any, rng: np.random.Generator) -> None:
        _spatial.check_rank(self, input_shape, self.rank)

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        sizes = _spatial.spatial_sizes(tuple(input_shape), self.rank, self.data_format)
        return _spatial.replace_spatial(tuple(input_shape), self.data_format,
                                        tuple(n * f for n, f in zip(sizes, self.size)))

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        xp = self.backend.xp
        steps = [(axis, factor) for axis, factor in zip(_spatial.spatial_axes(self.rank, self.data_format), self.size)
                 if factor != 1]
        linear = self.interpolation == "bilinear"
        y = x
        for axis, factor in steps:
            y = _resize.linear(xp, y, axis, factor) if linear else _resize.nearest(xp, y, axis, factor)
        if not steps:
            y = x.copy()

        def backward(dy: Any) -> Any:
            for axis, factor in reversed(steps):
                dy = (_resize.linear_backward(xp, dy, axis, factor) if linear
                      else _resize.nearest_backward(dy, axis, factor))
            return dy

        return y, backward

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["size"] = self.size[0] if self.rank == 1 else list(self.size)
        if self.rank > 1:
            config["data_format"] = self.data_format
        if self.rank == 2:
            config["interpolation"] = self.interpolation
        return config


class UpSampling1D(UpSampling):
    """Keras ``UpSampling1D(size=2)`` on ``(batch, steps, features)``: each step repeated ``size``
    times (no data_format, as in Keras)."""

    rank = 1
    example_configs = ({}, {"size": 3})

    def __init__(self, size: int = 2, **kwargs: Any) -> None:
        super().__init__(size, None, "nearest", **kwargs)


class UpSampling2D(UpSampling):
    """Keras ``UpSampling2D(size=(2, 2), data_format=None, interpolation="nearest")``;
    interpolation "nearest" or "bilinear"."""

    rank = 2
    example_configs = ({}, {"size": (3, 1)}, {"interpolation": "bilinear"},
                       {"size": (2, 3), "interpolation": "bilinear", "data_format": "channels_first",
                        "input_shape": (2, 3, 4)},
                       {"size": (1, 4), "interpolation": "bilinear", "input_shape": (1, 2, 1)},
                       {"size": 2, "data_format": "channels_first", "input_shape": (1, 3, 2)})

    def __init__(self, size: Any = (2, 2), data_format: str | None = None, interpolation: str = "nearest",
                 **kwargs: Any) -> None:
        super().__init__(size, data_format, interpolation, **kwargs)


class UpSampling3D(UpSampling):
    """Keras ``UpSampling3D(size=(2, 2, 2), data_format=None)``: nearest only, as in Keras."""

    rank = 3
    example_configs = ({}, {"size": (1, 2, 3), "data_format": "channels_first", "input_shape": (2, 2, 2, 3)})

    def __init__(self, size: Any = (2, 2, 2), data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(size, data_format, "nearest", **kwargs)
