"""Slow, obviously right float64 loop implementations of pooling and its gradient, written from
Keras's definition (TensorFlow's "same" split), sharing no code with the vectorised layers: the
conformance suite's ``reference`` for every pooling layer, and the unit tests' loops.

The loops work on channels-last arrays ``(batch, *spatial, channels)``; the layer methods at the
bottom (and the tests) move a channels-first input's channel axis last and back.
"""
from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np


def pads_and_sizes(sizes: tuple[int, ...], pool: tuple[int, ...], strides: tuple[int, ...],
                   padding: str) -> tuple[list[int], list[int]]:
    """Padding before each axis and the output sizes."""
    before, out = [], []
    for n, k, s in zip(sizes, pool, strides):
        if padding == "valid":
            out.append(math.floor((n - k) / s) + 1)
            before.append(0)
        else:
            o = math.ceil(n / s)
            out.append(o)
            before.append(max((o - 1) * s + k - n, 0) // 2)
    return before, out


def windows(sizes: tuple[int, ...], pool: tuple[int, ...], strides: tuple[int, ...],
            padding: str) -> Any:
    """Yield (output index, list of input indices of the real elements in its window, in row-major
    order over the window)."""
    before, out = pads_and_sizes(sizes, pool, strides, padding)
    for o in itertools.product(*(range(m) for m in out)):
        members = []
        for offset in itertools.product(*(range(k) for k in pool)):
            index = tuple(oi * s - b + d for oi, s, b, d in zip(o, strides, before, offset))
            if all(0 <= i < n for i, n in zip(index, sizes)):
                members.append(index)
        yield o, members


def pool_loop(x: np.ndarray, pool: tuple[int, ...], strides: tuple[int, ...], padding: str,
              kind: str) -> np.ndarray:
    """Max: the largest real element of each window; average: the mean of its real elements only
    (padding never counts, as Keras and TensorFlow divide)."""
    sizes = x.shape[1:-1]
    _, out = pads_and_sizes(sizes, pool, strides, padding)
    y = np.zeros((x.shape[0], *out, x.shape[-1]))
    for b in range(x.shape[0]):
        for c in range(x.shape[-1]):
            for o, members in windows(sizes, pool, strides, padding):
                values = [float(x[(b, *m, c)]) for m in members]
                y[(b, *o, c)] = max(values) if kind == "max" else sum(values) / len(values)
    return y


def pool_gradient_loop(x: np.ndarray, dy: np.ndarray, pool: tuple[int, ...], strides: tuple[int, ...],
                       padding: str, kind: str) -> np.ndarray:
    """Max: each output's gradient to the first maximum of its window; average: shared equally by
    the window's real elements."""
    sizes = x.shape[1:-1]
    dx = np.zeros(x.shape)
    for b in range(x.shape[0]):
        for c in range(x.shape[-1]):
            for o, members in windows(sizes, pool, strides, padding):
                g = float(dy[(b, *o, c)])
                if kind == "max":
                    values = [float(x[(b, *m, c)]) for m in members]
                    first = members[values.index(max(values))]
                    dx[(b, *first, c)] += g
                else:
                    for m in members:
                        dx[(b, *m, c)] += g / len(members)
    return dx


def to_channels_last(x: np.ndarray) -> np.ndarray:
    return np.moveaxis(x, 1, -1)


def to_channels_first(x: np.ndarray) -> np.ndarray:
    return np.moveaxis(x, -1, 1)


def global_pool_loop(x: np.ndarray, kind: str) -> np.ndarray:
    """``(batch, channels)``: per sample and channel, the max or mean over every spatial position,
    scanned one by one."""
    batch, channels = x.shape[0], x.shape[-1]
    y = np.zeros((batch, channels))
    for b in range(batch):
        for c in range(channels):
            values = [float(x[(b, *p, c)]) for p in itertools.product(*(range(n) for n in x.shape[1:-1]))]
            y[b, c] = max(values) if kind == "max" else sum(values) / len(values)
    return y


# -- the layers' declared references ---------------------------------------------------------------
def _channels_last(layer: Any, x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return to_channels_last(x) if layer.data_format == "channels_first" else x


def _windowed(layer: Any, x: np.ndarray, kind: str) -> np.ndarray:
    y = pool_loop(_channels_last(layer, x), tuple(layer.pool_size), tuple(layer.strides), layer.padding, kind)
    return to_channels_first(y) if layer.data_format == "channels_first" else y


def max_pooling(layer: Any, params: dict[str, np.ndarray], x: np.ndarray, training: bool) -> np.ndarray:
    """MaxPooling1D/2D/3D."""
    return _windowed(layer, x, "max")


def average_pooling(layer: Any, params: dict[str, np.ndarray], x: np.ndarray, training: bool) -> np.ndarray:
    """AveragePooling1D/2D/3D."""
    return _windowed(layer, x, "average")


def _global(layer: Any, x: np.ndarray, kind: str) -> np.ndarray:
    """``(batch, channels)``, or with ``keepdims`` every spatial axis kept with size 1 in the layer's
    data format."""
    y = global_pool_loop(_channels_last(layer, x), kind)
    if not layer.keepdims:
        return y
    ones = (1,) * (x.ndim - 2)
    if layer.data_format == "channels_first":
        return y.reshape(y.shape[0], y.shape[1], *ones)
    return y.reshape(y.shape[0], *ones, y.shape[1])


def global_max_pooling(layer: Any, params: dict[str, np.ndarray], x: np.ndarray, training: bool) -> np.ndarray:
    """GlobalMaxPooling1D/2D/3D."""
    return _global(layer, x, "max")


def global_average_pooling(layer: Any, params: dict[str, np.ndarray], x: np.ndarray,
                           training: bool) -> np.ndarray:
    """GlobalAveragePooling1D/2D/3D."""
    return _global(layer, x, "average")
