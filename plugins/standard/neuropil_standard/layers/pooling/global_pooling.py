"""GlobalMaxPooling1D/2D/3D and GlobalAveragePooling1D/2D/3D: one value per channel, reduced over
every spatial axis, e.g. a convnet's feature maps into a vector for a classifier head.

``keepdims=True`` keeps the spatial axes with size 1, as Keras does. The max's backward routes each
channel's gradient to its *first* maximum in row-major order over the spatial axes (the rule the
windowed MaxPooling layers follow); the average's shares it equally among all positions.
(Keras's GlobalAveragePooling1D also takes a mask; neuropil has no masks yet.)
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from neuropil import checks
from neuropil.base.layer import Backward, Layer

from .. import _spatial
from .. import reference_pooling as _reference
from ._windows import tie_distance


class GlobalPooling(Layer):
    """Base of the global pooling layers over ``rank`` spatial axes."""

    rank: int = 2

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs: Any) -> None:
        owner = type(self).__name__
        data_format_ = _spatial.data_format(owner, data_format)
        keepdims_ = checks.boolean(owner, "keepdims", keepdims)
        super().__init__(**kwargs)
        self.data_format: str = data_format_
        self.keepdims: bool = keepdims_

    @property
    def _channels_last(self) -> bool:
        return self.data_format == "channels_last"

    def build(self, input_shape: tuple[int, ...], backend: Any, rng: np.random.Generator) -> None:
        _spatial.check_rank(self, input_shape, self.rank)

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        if self.keepdims:
            return _spatial.replace_spatial(tuple(input_shape), self.data_format, (1,) * self.rank)
        return (input_shape[-1] if self._channels_last else input_shape[0],)

    def _output(self, y: Any, shape: tuple[int, ...]) -> Any:
        """``(batch, channels)`` reshaped to the output's shape."""
        return y.reshape((shape[0],) + self.compute_output_shape(tuple(shape[1:])))

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(data_format=self.data_format, keepdims=self.keepdims)
        return config


class GlobalMaxPooling(GlobalPooling):
    """The largest value of each channel."""

    reference = _reference.global_max_pooling  # the conformance suite's float64 loop

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        xp = self.backend.xp
        shape = x.shape
        flat, position_axis = self._by_channel(x)
        batch, positions = shape[0], flat.shape[position_axis]
        channels = flat.shape[3 - position_axis]
        first = flat.argmax(axis=position_axis)  # (batch, channels): the first maximum
        y = flat.max(axis=position_axis)

        def backward(dy: Any) -> Any:
            dy = dy.reshape(batch, channels)
            if self._channels_last:
                winner = xp.arange(positions)[None, :, None] == first[:, None, :]
                return (winner * dy[:, None, :]).reshape(shape)
            winner = xp.arange(positions)[None, None, :] == first[:, :, None]
            return (winner * dy[:, :, None]).reshape(shape)

        return self._output(y, shape), backward

    def kink_distance(self, x: Any) -> Any:
        """The Layer protocol for gradient checks, as MaxPooling's: each value's signed distance from
        a tie for its channel's maximum (``tie_distance``)."""
        xp = self.backend.xp if self.backend is not None else np
        flat, axis = self._by_channel(x)
        return tie_distance(xp, flat, axis).reshape(x.shape)

    def _by_channel(self, x: Any) -> tuple[Any, int]:
        """``x`` as (batch, positions, channels) or (batch, channels, positions), and the positions' axis."""
        shape = x.shape
        batch, positions = shape[0], math.prod(_spatial.spatial_sizes(shape[1:], self.rank, self.data_format))
        channels = shape[-1] if self._channels_last else shape[1]
        if self._channels_last:
            return x.reshape(batch, positions, channels), 1
        return x.reshape(batch, channels, positions), 2


class GlobalAveragePooling(GlobalPooling):
    """The mean of each channel."""

    reference = _reference.global_average_pooling  # the conformance suite's float64 loop

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        xp = self.backend.xp
        shape = x.shape
        axes = _spatial.spatial_axes(self.rank, self.data_format)
        y = x.mean(axis=axes, keepdims=True)
        positions = math.prod(shape[a] for a in axes)

        def backward(dy: Any) -> Any:
            share = dy.reshape(y.shape) * (1.0 / positions)
            dx = xp.empty(shape, dtype=dy.dtype)
            dx[...] = share
            return dx

        return self._output(y, shape), backward


def _configs(rank: int) -> tuple[dict[str, Any], ...]:
    """Both data formats, with and without keepdims."""
    channels_first_shape = (2,) + (3,) * rank
    return ({}, {"keepdims": True},
            {"data_format": "channels_first", "input_shape": channels_first_shape},
            {"data_format": "channels_first", "keepdims": True, "input_shape": channels_first_shape})


class GlobalMaxPooling1D(GlobalMaxPooling):
    """Keras ``GlobalMaxPooling1D(data_format=None, keepdims=False)`` on ``(batch, steps, channels)``."""

    rank = 1
    example_configs = _configs(1)


class GlobalMaxPooling2D(GlobalMaxPooling):
    """Keras ``GlobalMaxPooling2D(data_format=None, keepdims=False)``."""

    rank = 2
    example_configs = _configs(2)


class GlobalMaxPooling3D(GlobalMaxPooling):
    """Keras ``GlobalMaxPooling3D(data_format=None, keepdims=False)``."""

    rank = 3
    example_configs = _configs(3)


class GlobalAveragePooling1D(GlobalAveragePooling):
    """Keras ``GlobalAveragePooling1D(data_format=None, keepdims=False)`` (without its mask)."""

    rank = 1
    example_configs = _configs(1)


class GlobalAveragePooling2D(GlobalAveragePooling):
    """Keras ``GlobalAveragePooling2D(data_format=None, keepdims=False)``."""

    rank = 2
    example_configs = _configs(2)


class GlobalAveragePooling3D(GlobalAveragePooling):
    """Keras ``GlobalAveragePooling3D(data_format=None, keepdims=False)``."""

    rank = 3
    example_configs = _configs(3)
