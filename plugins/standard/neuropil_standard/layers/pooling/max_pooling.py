"""MaxPooling1D/2D/3D: the largest value of each window.

Backward routes each output's gradient to one input: the window's *first* maximum in row-major
order over the window (as TensorFlow's max-pool gradient does). With ties, the other equal elements
get nothing; where windows overlap, an input that is the first maximum of several windows collects
the sum of their gradients. "same" padding pads with -inf, so padding is never the maximum. (A
window holding NaN has a NaN maximum, which equals nothing: its gradient goes to the last offset.)
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from neuropil.base.layer import Backward

from .. import reference_pooling as _reference
from .._arrangement import WindowMajor
from ._base import Pooling
from ._windows import pad, tie_distance


def _take_max(xp: Any, out: Any, sources: list[Any]) -> None:
    """``out`` = the elementwise maximum of ``sources`` (one per window offset)."""
    out[...] = sources[0]
    for source in sources[1:]:
        xp.maximum(out, source, out=out)


def _route(xp: Any, sources: list[Any], top: Any, grad: Any, targets: list[Any], accumulate: bool) -> None:
    """Each output's gradient ``grad`` to the first of the window offsets ``sources`` holding its
    maximum ``top``, written (or with ``accumulate``, added) into the matching ``targets``."""
    last = len(sources) - 1
    hit = xp.empty(top.shape, dtype=bool)
    unclaimed = None  # outputs whose maximum no earlier offset has taken
    for i, (source, target) in enumerate(zip(sources, targets)):
        if unclaimed is None:
            xp.equal(source, top, out=hit)
            if last:
                unclaimed = ~hit
        elif i < last:
            xp.equal(source, top, out=hit)
            hit &= unclaimed
            unclaimed ^= hit  # hit is a subset of unclaimed: this removes it
        else:  # every maximum is somewhere in its window: the last offset holds the rest
            hit = unclaimed
        if accumulate:
            target += grad * hit
        else:
            xp.multiply(grad, hit, out=target)


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
            source = padded[rows]
            _take_max(xp, y[rows], [source[window] for window in windows])

        backend.map_batch(pool, x.shape[0], padded.size)  # samples are independent: spread over the cores
        disjoint = geo.disjoint

        def backward(dy: Any) -> Any:
            # Disjoint windows each write their own elements: assign, into uninitialised memory when
            # the windows tile the whole padded input; overlapping ones accumulate.
            dpadded = xp.empty(padded.shape, dtype=dy.dtype)

            def route(rows: slice) -> None:
                source, target = padded[rows], dpadded[rows]
                if not geo.tiles:
                    target[...] = 0
                _route(xp, [source[window] for window in windows], y[rows], dy[rows],
                       [target[window] for window in windows], accumulate=not disjoint)

            backend.map_batch(route, dy.shape[0], padded.size)
            return dpadded[geo.interior(x.ndim)] if geo.padded else dpadded

        return y, backward

    def input_arrangement(self) -> Any:
        """The Layer protocol: with disjoint windows covering the input from its start (valid
        padding, strides equal to the pool) on channels-last inputs, the input window by window
        (:class:`WindowMajor`), which the convolution feeding it can write at no cost."""
        if self.padding != "valid" or self.strides != self.pool_size or self.data_format != "channels_last":
            return None
        return WindowMajor(self.pool_size)

    def forward_from_arranged(self, x: Any, training: bool, arrangement: Any) -> tuple[Any, Backward]:
        """The Layer protocol: the same pooling of a :class:`WindowMajor` input, where each window
        offset is one contiguous block per sample; the same numbers as :meth:`forward`."""
        backend = self.backend
        xp = backend.xp
        offsets = math.prod(arrangement.pool)
        by_offset = x.reshape((x.shape[0], offsets, *x.shape[1 + arrangement.rank:]))
        y = xp.empty((x.shape[0], *by_offset.shape[2:]), dtype=x.dtype)

        def pool(rows: slice) -> None:
            source = by_offset[rows]
            _take_max(xp, y[rows], [source[:, k] for k in range(offsets)])

        backend.map_batch(pool, x.shape[0], x.size)

        def backward(dy: Any) -> Any:
            dx = xp.empty(by_offset.shape, dtype=dy.dtype)  # the windows cover every element

            def route(rows: slice) -> None:
                source, target = by_offset[rows], dx[rows]
                _route(xp, [source[:, k] for k in range(offsets)], y[rows], dy[rows],
                       [target[:, k] for k in range(offsets)], accumulate=False)

            backend.map_batch(route, dy.shape[0], x.size)
            return dx.reshape(x.shape)

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
