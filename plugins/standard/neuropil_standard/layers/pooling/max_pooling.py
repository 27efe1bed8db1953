"""MaxPooling1D/2D/3D: the largest value of each window.

Backward routes each output's gradient to one input: the window's *first* maximum in row-major
order over the window (as TensorFlow's max-pool gradient does). With ties, the other equal elements
get nothing; where windows overlap, an input that is the first maximum of several windows collects
the sum of their gradients. "same" padding pads with -inf, so padding is never the maximum. (A
window holding NaN has a NaN maximum, which equals nothing: its gradient goes to the last offset.)
"""
from __future__ import annotations

from typing import Any

import numpy as np
from neuropil.base.layer import Backward

from .. import reference_pooling as _reference
from ._base import Pooling
from ._windows import pad, tie_distance


class MaxPooling(Pooling):
    """Max pooling over ``rank`` spatial axes; see the module docstring for the gradient rule."""

    reference = _reference.max_pooling  # the conformance suite's float64 loop

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Backward]:
        backend = self.backend
        xp = backend.xp
        geo = self._geometry(x.shape)
        padded = pad(xp, x, geo, -float("inf"))
        windows = list(geo.offsets(x.ndim))
        y = xp.empty(padded[windows[0]].shape, dtype=x.dtype)

        def pool(rows: slice) -> None:
            source, out = padded[rows], y[rows]
            out[...] = source[windows[0]]
            for window in windows[1:]:
                xp.maximum(out, source[window], out=out)

        backend.map_batch(pool, x.shape[0], padded.size)  # samples are independent: spread over the cores
        disjoint = geo.disjoint
        last = len(windows) - 1

        def backward(dy: Any) -> Any:
            # Disjoint windows each write their own elements: assign, into uninitialised memory when
            # the windows tile the whole padded input; overlapping ones accumulate.
            dpadded = xp.empty(padded.shape, dtype=dy.dtype)

            def route(rows: slice) -> None:
                source, target, grad, top = padded[rows], dpadded[rows], dy[rows], y[rows]
                if not geo.tiles:
                    target[...] = 0
                hit = xp.empty(top.shape, dtype=bool)
                unclaimed = None  # outputs whose maximum no earlier offset has taken
                for i, window in enumerate(windows):
                    if unclaimed is None:
                        xp.equal(source[window], top, out=hit)
                        if last:
                            unclaimed = ~hit
                    elif i < last:
                        xp.equal(source[window], top, out=hit)
                        hit &= unclaimed
                        unclaimed ^= hit  # hit is a subset of unclaimed: this removes it
                    else:  # every maximum is somewhere in its window: the last offset holds the rest
                        hit = unclaimed
                    if disjoint:
                        xp.multiply(grad, hit, out=target[window])
                    else:
                        target[window] += grad * hit

            backend.map_batch(route, dy.shape[0], padded.size)
            return dpadded[geo.interior(x.ndim)] if geo.padded else dpadded

        return y, backward

    def commutes_with(self, activation: Any) -> bool:
        """The Layer protocol: ``max(f(window)) == f(max(window))`` for a non-decreasing ``f``, and the
        gradient reaches the same element (where ``f`` ties two different inputs it is flat, so
        both routes give 0), so a model may pool a convolution's pre-activations and apply its relu to
        the pooled values: the same numbers for a quarter of the activation's work."""
        return bool(getattr(activation, "non_decreasing", False))

    def kink_distance(self, x: Any) -> Any:
        """The Layer protocol for gradient checks: how far each input is from a tie for its window's
        maximum (where the max is not differentiable), signed so that moving along the sign leaves the
        tie: ``x - max(others)`` for the window's maximum, ``x - max`` for the rest, the smallest in
        magnitude over the windows an input belongs to (inputs in no window: infinitely far)."""
        xp = self.backend.xp if self.backend is not None else np
        geo = self._geometry(x.shape)
        padded = pad(xp, x, geo, -float("inf"))
        windows = list(geo.offsets(x.ndim))
        gaps = tie_distance(xp, xp.stack([padded[window] for window in windows]), axis=0)
        distance = xp.full(padded.shape, xp.inf, dtype=padded.dtype)
        for k, window in enumerate(windows):
            current = distance[window]
            distance[window] = xp.where(xp.abs(gaps[k]) < xp.abs(current), gaps[k], current)
        return distance[geo.interior(x.ndim)] if geo.padded else distance


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
