"""SpatialDropout1D/2D/3D: Dropout that drops whole feature maps (channels) instead of single values.

Keras's semantics: one keep/drop draw per (sample, channel), shared along every spatial axis, so
strongly correlated neighbouring activations cannot stand in for a dropped one. Kept channels are
scaled by ``1 / (1 - rate)`` in training, as Dropout does; at inference the layer is the identity.
``data_format`` (2D/3D) says where the channels are: ``"channels_last"`` (the default, Keras's
``image_data_format()``) or ``"channels_first"``.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from neuropil import checks
from neuropil.errors import LayerError

from ..dropout import Dropout

DATA_FORMATS = ("channels_last", "channels_first")


class _SpatialDropout(Dropout):
    """Dropout with a mask of shape (batch, 1, ..., 1, channels) (channels first: (batch, channels, 1, ...))."""

    #: Spatial axes of the input, besides the batch and channels axes.
    spatial_rank = 1

    def __init__(self, rate: float, data_format: str | None = None, seed: int | None = None,
                 **kwargs: Any) -> None:
        owner = type(self).__name__
        rate = checks.number(owner, "rate", rate, minimum=0, maximum=1, max_inclusive=False)
        self.data_format = checks.one_of(owner, "data_format", "channels_last" if data_format is None else data_format,
                                         DATA_FORMATS, normalise=True)
        super().__init__(rate, seed=seed, **kwargs)

    def build(self, input_shape: tuple[int, ...], backend: Any, rng: np.random.Generator) -> None:
        if len(input_shape) != self.spatial_rank + 1:
            raise LayerError(
                f"layer {self.name!r} ({type(self).__name__}) expects inputs of rank {self.spatial_rank + 2} "
                f"(batch, {self.spatial_rank} spatial axes, channels), received per-sample shape "
                f"{tuple(input_shape)}")
        super().build(input_shape, backend, rng)

    def _mask_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        ones = (1,) * self.spatial_rank
        if self.data_format == "channels_first":
            return (shape[0], shape[1]) + ones
        return (shape[0],) + ones + (shape[-1],)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("noise_shape", None)
        if self.spatial_rank > 1:
            config["data_format"] = self.data_format
        return config


class SpatialDropout1D(_SpatialDropout):
    """Drops whole channels of (batch, steps, channels) inputs."""

    example_configs: tuple[dict[str, Any], ...] = ({"rate": 0.5, "seed": 0}, {"rate": 0.0})
    spatial_rank = 1

    def __init__(self, rate: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(rate, data_format="channels_last", seed=seed, **kwargs)


class SpatialDropout2D(_SpatialDropout):
    """Drops whole channels of (batch, height, width, channels) inputs (or channels first)."""

    example_configs: tuple[dict[str, Any], ...] = (
        {"rate": 0.5, "seed": 0}, {"rate": 0.25, "data_format": "channels_first"})
    spatial_rank = 2


class SpatialDropout3D(_SpatialDropout):
    """Drops whole channels of (batch, depth, height, width, channels) inputs (or channels first)."""

    example_configs: tuple[dict[str, Any], ...] = (
        {"rate": 0.5, "seed": 0}, {"rate": 0.25, "data_format": "channels_first"})
    spatial_rank = 3
