"""AveragePooling1D/2D/3D: the mean of each window.

With "same" padding the mean is over the window's real elements only (Keras and TensorFlow divide by
the number of unpadded elements, not by the window's size), so edge outputs are not pulled towards 0.
Backward shares each output's gradient equally among the elements its mean was taken over.
"""
from __future__ import annotations

import math
from typing import Any

from neuropil.base.layer import Backward

from .. import reference_pooling as _reference
from ._base import Pooling
from ._windows import Geometry, pad


class AveragePooling(Pooling):
    """Average pooling over ``rank`` spatial axes; ``pool_size`` has no default, as in Keras 3."""

    reference = _reference.average_pooling  # the conformance suite's float64 loop

    def __init__(self, pool_size: Any, strides: Any = None, padding: str = "valid",
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(pool_size, strides, padding, data_format, **kwargs)
        self._divisors: dict[tuple[tuple[int, ...], str], Any] = {}

    def _divisor(self, xp: Any, geo: Geometry, shape: tuple[int, ...], dtype: Any) -> Any:
        """How many real elements each output averages: the window size without padding; with it,
        an array broadcasting over batch and channels, counted by pooling a padded mask of ones
        (once per input shape)."""
        if not geo.padded:
            return float(math.prod(geo.pool))
        key = (tuple(shape[1:]), str(dtype))
        divisor = self._divisors.get(key)
        if divisor is None:
            ones_shape = [1] * len(shape)
            for axis in geo.axes:
                ones_shape[axis] = shape[axis]
            mask = pad(xp, xp.ones(tuple(ones_shape), dtype=dtype), geo, 0.0)
            divisor = sum(mask[window] for window in geo.offsets(len(shape)))
            self._divisors[key] = divisor
        return divisor

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        xp = self.backend.xp
        geo = self._geometry(x.shape)
        padded = pad(xp, x, geo, 0.0)
        windows = list(geo.offsets(x.ndim))
        y = padded[windows[0]].copy()
        for window in windows[1:]:
            y += padded[window]
        divisor = self._divisor(xp, geo, x.shape, x.dtype)
        y /= divisor

        disjoint = geo.disjoint

        def backward(dy: Any) -> Any:
            share = dy / divisor
            # Disjoint windows each write their own elements (into uninitialised memory when they
            # tile the padded input); overlapping ones accumulate.
            dpadded = (xp.empty if geo.tiles else xp.zeros)(padded.shape, dtype=dy.dtype)
            for window in windows:
                if disjoint:
                    dpadded[window] = share
                else:
                    dpadded[window] += share
            return dpadded[geo.interior(x.ndim)] if geo.padded else dpadded

        return y, backward


class AveragePooling1D(AveragePooling):
    """Keras ``AveragePooling1D(pool_size, strides=None, padding="valid", data_format=None)``."""

    rank = 1
    example_configs = (
        {"pool_size": 2},
        {"pool_size": 3, "strides": 2, "padding": "same", "input_shape": (6, 2)},
        {"pool_size": 2, "strides": 1, "data_format": "channels_first", "input_shape": (2, 5)},
    )

    def __init__(self, pool_size: Any, strides: Any = None, padding: str = "valid",
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling2D(AveragePooling):
    """Keras ``AveragePooling2D(pool_size, strides=None, padding="valid", data_format=None)``."""

    rank = 2
    example_configs = (
        {"pool_size": 2},
        {"pool_size": (3, 2), "strides": (2, 1), "padding": "same", "input_shape": (5, 4, 2)},
        {"pool_size": 2, "strides": 1, "padding": "same", "data_format": "channels_first",
         "input_shape": (2, 3, 4)},
        {"pool_size": (2, 3), "strides": (3, 2), "data_format": "channels_first", "input_shape": (1, 5, 6)},
    )

    def __init__(self, pool_size: Any, strides: Any = None, padding: str = "valid",
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling3D(AveragePooling):
    """Keras ``AveragePooling3D(pool_size, strides=None, padding="valid", data_format=None)``."""

    rank = 3
    example_configs = (
        {"pool_size": 2},
        {"pool_size": (2, 3, 2), "strides": (1, 2, 2), "padding": "same", "input_shape": (3, 4, 3, 1)},
        {"pool_size": 2, "strides": 1, "data_format": "channels_first", "input_shape": (2, 3, 3, 3)},
    )

    def __init__(self, pool_size: Any, strides: Any = None, padding: str = "valid",
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(pool_size, strides, padding, data_format, **kwargs)
