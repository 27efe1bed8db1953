"""Slow, obviously right float64 loop implementations of windowed pooling and its gradient, written
from Keras's definition (TensorFlow's "same" split), to check the vectorised layers against.

Everything works on channels-last arrays ``(batch, *spatial, channels)``; tests transpose
channels-first inputs before and after.
"""
from __future__ import annotations

import itertools
import math

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


def windows(sizes, pool, strides, padding):
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


def pool_loop(x: np.ndarray, pool, strides, padding, kind: str) -> np.ndarray:
    sizes = x.shape[1:-1]
    _, out = pads_and_sizes(sizes, pool, strides, padding)
    y = np.zeros((x.shape[0], *out, x.shape[-1]))
    for b in range(x.shape[0]):
        for c in range(x.shape[-1]):
            for o, members in windows(sizes, pool, strides, padding):
                values = [float(x[(b, *m, c)]) for m in members]
                y[(b, *o, c)] = max(values) if kind == "max" else sum(values) / len(values)
    return y


def pool_gradient_loop(x: np.ndarray, dy: np.ndarray, pool, strides, padding, kind: str) -> np.ndarray:
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
