"""Slow, obviously right float64 loop versions of the shape layers (channels-last, one element at a
time), and the adjoint check their backward passes are held to: a shape layer is linear, so its
backward must be the transpose of the matrix its reference forward applies."""
from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import numpy as np


def adjoint(reference: Callable[[np.ndarray], np.ndarray], x: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """``J^T dy`` for the linear map ``reference``, its matrix ``J`` built column by column from unit
    inputs (one sample: the maps act per sample)."""
    sample = x.shape[1:]
    columns = []
    for k in range(math.prod(sample)):
        unit = np.zeros((1, *sample))
        unit.reshape(-1)[k] = 1.0
        columns.append(reference(unit).reshape(-1))
    matrix = np.stack(columns, axis=1)
    return np.stack([(matrix.T @ g.reshape(-1)).reshape(sample) for g in dy])


def positions(shape: tuple[int, ...]):
    return itertools.product(*(range(n) for n in shape))


def reshape_loop(x: np.ndarray, target: tuple[int, ...]) -> np.ndarray:
    y = np.zeros((x.shape[0], *target))
    for b in range(x.shape[0]):
        for k, index in enumerate(positions(x.shape[1:])):
            y[(b, *np.unravel_index(k, target))] = x[(b, *index)]
    return y


def permute_loop(x: np.ndarray, dims: tuple[int, ...]) -> np.ndarray:
    y = np.zeros((x.shape[0], *(x.shape[d] for d in dims)))
    for b in range(x.shape[0]):
        for out in positions(y.shape[1:]):
            source = [0] * len(dims)
            for k, d in enumerate(dims):
                source[d - 1] = out[k]
            y[(b, *out)] = x[(b, *source)]
    return y


def repeat_loop(x: np.ndarray, n: int) -> np.ndarray:
    y = np.zeros((x.shape[0], n, x.shape[1]))
    for b, k, f in positions(y.shape):
        y[b, k, f] = x[b, f]
    return y


def nearest_loop(x: np.ndarray, size: tuple[int, ...]) -> np.ndarray:
    out = tuple(n * s for n, s in zip(x.shape[1:-1], size))
    y = np.zeros((x.shape[0], *out, x.shape[-1]))
    for b in range(x.shape[0]):
        for index in positions(out):
            y[(b, *index)] = x[(b, *(i // s for i, s in zip(index, size)))]
    return y


def bilinear_loop(x: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Half-pixel centers: output ``j`` samples input coordinate ``(j + 0.5) / s - 0.5``, clamped."""
    batch, rows, cols, channels = x.shape
    y = np.zeros((batch, rows * size[0], cols * size[1], channels))
    for i, j in positions(y.shape[1:3]):
        r = min(max((i + 0.5) / size[0] - 0.5, 0.0), rows - 1.0)
        c = min(max((j + 0.5) / size[1] - 0.5, 0.0), cols - 1.0)
        r0, c0 = math.floor(r), math.floor(c)
        r1, c1 = min(r0 + 1, rows - 1), min(c0 + 1, cols - 1)
        fr, fc = r - r0, c - c0
        y[:, i, j, :] = ((1 - fr) * (1 - fc) * x[:, r0, c0, :] + (1 - fr) * fc * x[:, r0, c1, :]
                         + fr * (1 - fc) * x[:, r1, c0, :] + fr * fc * x[:, r1, c1, :])
    return y


def pad_loop(x: np.ndarray, pads: tuple[tuple[int, int], ...]) -> np.ndarray:
    out = tuple(n + a + b for n, (a, b) in zip(x.shape[1:-1], pads))
    y = np.zeros((x.shape[0], *out, x.shape[-1]))
    for b in range(x.shape[0]):
        for index in positions(x.shape[1:-1]):
            y[(b, *(i + a for i, (a, _) in zip(index, pads)))] = x[(b, *index)]
    return y


def crop_loop(x: np.ndarray, crops: tuple[tuple[int, int], ...]) -> np.ndarray:
    out = tuple(n - a - b for n, (a, b) in zip(x.shape[1:-1], crops))
    y = np.zeros((x.shape[0], *out, x.shape[-1]))
    for b in range(x.shape[0]):
        for index in positions(out):
            y[(b, *index)] = x[(b, *(i + a for i, (a, _) in zip(index, crops)))]
    return y


def flatten_channels_first_loop(x: np.ndarray) -> np.ndarray:
    """Keras's order for channels-first input: as if the channels were last, then row-major."""
    batch, channels, *spatial = x.shape
    y = np.zeros((batch, x[0].size))
    for b in range(batch):
        k = 0
        for index in positions(tuple(spatial)):
            for c in range(channels):
                y[b, k] = x[(b, c, *index)]
                k += 1
    return y
