"""MaxPooling1D/2D/3D: the largest value of each window.

Backward routes each output's gradient to one input: the window's *first* maximum in row-major
order over the window (as TensorFlow's max-pool gradient does). With ties, the other equal elements
get nothing; where windows overlap, an input that is the first maximum of several windows collects
the sum of their gradients. "same" padding pads with -inf, so padding is never the maximum.
"""
from __future__ import annotations

from typing import Any

from neuropil.base.layer import Backward

from ._base import Pooling
from ._windows import pad


class MaxPooling(Pooling):
    """Max pooling over ``rank`` spatial axes; see the module docstring for the gradient rule."""

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        xp = self.backend.xp
        geo = self._geometry(x.shape)
        padded = pad(xp, x, geo, -float("inf"))
        windows = list(geo.offsets(x.ndim))
        y = padded[windows[0]].copy()
        for window in windows[1:]:
            xp.maximum(y, padded[window], out=y)

        def backward(dy: Any) -> Any:
            dpadded = xp.zeros(padded.shape, dtype=dy.dtype)
            unclaimed = None  # outputs whose maximum an earlier offset already took
            for window in windows:
                hit = padded[window] == y
                if unclaimed is None:
                    unclaimed = ~hit
                else:
                    hit &= unclaimed
                    unclaimed &= ~hit
                dpadded[window] += dy * hit
            return dpadded[geo.interior(x.ndim)] if geo.padded else dpadded

        return y, backward


class MaxPooling1D(MaxPooling):
    """Keras ``MaxPooling1D(pool_size=2, strides=None, padding="valid", data_format=None)`` on
    ``(batch, steps, channels)`` (or ``(batch, channels, steps)``)."""

    rank = 1
    example_configs = (
        {},
        {"pool_size": 3, "strides": 2, "padding": "same", "input_shape": (6, 2)},
        {"pool_size": 2, "strides": 1, "data_format": "channels_first", "input_shape": (2, 5)},
    )

    def __init__(self, pool_size: Any = 2, strides: Any = None, padding: str = "valid",
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling2D(MaxPooling):
    """Keras ``MaxPooling2D(pool_size=(2, 2), strides=None, padding="valid", data_format=None)`` on
    ``(batch, rows, cols, channels)`` (or ``(batch, channels, rows, cols)``)."""

    rank = 2
    example_configs = (
        {},
        {"pool_size": (3, 2), "strides": (2, 1), "padding": "same", "input_shape": (5, 4, 2)},
        {"pool_size": 2, "strides": 1, "padding": "same", "data_format": "channels_first",
         "input_shape": (2, 3, 4)},
        {"pool_size": (2, 3), "strides": (3, 2), "data_format": "channels_first", "input_shape": (1, 5, 6)},
    )

    def __init__(self, pool_size: Any = (2, 2), strides: Any = None, padding: str = "valid",
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling3D(MaxPooling):
    """Keras ``MaxPooling3D(pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None)``
    on ``(batch, d1, d2, d3, channels)`` (or channels first)."""

    rank = 3
    example_configs = (
        {},
        {"pool_size": (2, 3, 2), "strides": (1, 2, 2), "padding": "same", "input_shape": (3, 4, 3, 1)},
        {"pool_size": 2, "strides": 1, "data_format": "channels_first", "input_shape": (2, 3, 3, 3)},
    )

    def __init__(self, pool_size: Any = (2, 2, 2), strides: Any = None, padding: str = "valid",
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(pool_size, strides, padding, data_format, **kwargs)
