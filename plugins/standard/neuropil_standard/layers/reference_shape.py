"""Slow, obviously right float64 loop versions of the shape layers (Reshape, Permute, RepeatVector,
UpSampling, ZeroPadding, Cropping, Flatten), one element at a time on channels-last arrays, sharing
no code with the layers' forwards: the conformance suite's ``reference`` for each of them, and the
unit tests' loops (``tests/test_shape_layers.py``, which also holds their backwards to the adjoint of
these maps).

The layer methods at the bottom move a channels-first input's channel axis last on the way in and
back on the way out.
"""
from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np


def positions(shape: tuple[int, ...]) -> Any:
    return itertools.product(*(range(n) for n in shape))


def reshape_loop(x: np.ndarray, target: tuple[int, ...]) -> np.ndarray:
    """The ``k``-th element of a sample in row-major order goes to the ``k``-th place of the target."""
    y = np.zeros((x.shape[0], *target))
    for b in range(x.shape[0]):
        for k, index in enumerate(positions(x.shape[1:])):
            place = tuple(int(i) for i in np.unravel_index(k, target))
            y[(b, *place)] = x[(b, *index)]
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


def flatten_loop(x: np.ndarray) -> np.ndarray:
    """Each sample's elements in row-major order (the last axis fastest)."""
    y = np.zeros((x.shape[0], x[0].size))
    for b in range(x.shape[0]):
        for k, index in enumerate(positions(x.shape[1:])):
            y[b, k] = x[(b, *index)]
    return y


# -- the layers' declared references ---------------------------------------------------------------
def _channels_last(layer: Any, x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return np.moveaxis(x, 1, -1) if getattr(layer, "data_format", "channels_last") == "channels_first" else x


def _back(layer: Any, y: np.ndarray) -> np.ndarray:
    return np.moveaxis(y, -1, 1) if getattr(layer, "data_format", "channels_last") == "channels_first" else y


def reshape(layer: Any, params: dict[str, np.ndarray], x: np.ndarray, training: bool) -> np.ndarray:
    """Reshape: the one -1 of ``target_shape`` is the sample's size over the product of the others."""
    size = math.prod(x.shape[1:])
    known = math.prod(d for d in layer.target_shape if d != -1)
    return reshape_loop(np.asarray(x, dtype=np.float64),
                        tuple(size // known if d == -1 else d for d in layer.target_shape))


def permute(layer: Any, params: dict[str, np.ndarray], x: np.ndarray, training: bool) -> np.ndarray:
    """Permute: output axis ``k`` is input axis ``dims[k]`` (1-indexed, the batch axis fixed)."""
    return permute_loop(np.asarray(x, dtype=np.float64), tuple(layer.dims))


def repeat_vector(layer: Any, params: dict[str, np.ndarray], x: np.ndarray, training: bool) -> np.ndarray:
    """RepeatVector: ``y[b, k, f] = x[b, f]`` for each of the ``n`` copies ``k``."""
    return repeat_loop(np.asarray(x, dtype=np.float64), layer.n)


def up_sampling(layer: Any, params: dict[str, np.ndarray], x: np.ndarray, training: bool) -> np.ndarray:
    """UpSampling1D/2D/3D: nearest (each element repeated) or, for 2-D, bilinear."""
    x_last = _channels_last(layer, x)
    size = tuple(layer.size)
    y = bilinear_loop(x_last, (size[0], size[1])) if layer.interpolation == "bilinear" else nearest_loop(x_last, size)
    return _back(layer, y)


def zero_padding(layer: Any, params: dict[str, np.ndarray], x: np.ndarray, training: bool) -> np.ndarray:
    """ZeroPadding1D/2D/3D: the input placed at ``before`` in zeros, per spatial axis."""
    return _back(layer, pad_loop(_channels_last(layer, x), tuple(layer.padding)))


def cropping(layer: Any, params: dict[str, np.ndarray], x: np.ndarray, training: bool) -> np.ndarray:
    """Cropping1D/2D/3D: the input without ``before`` and ``after`` rows, per spatial axis."""
    return _back(layer, crop_loop(_channels_last(layer, x), tuple(layer.cropping)))


def flatten(layer: Any, params: dict[str, np.ndarray], x: np.ndarray, training: bool) -> np.ndarray:
    """Flatten: row-major; channels first (rank above 2 with the batch) ordered as if channels were last."""
    x = np.asarray(x, dtype=np.float64)
    if layer.data_format == "channels_first" and x.ndim > 2:
        return flatten_channels_first_loop(x)
    return flatten_loop(x)
