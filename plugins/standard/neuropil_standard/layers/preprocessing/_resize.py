"""Resizing as two matrices: every Keras resize (bilinear or nearest, optionally after a centered crop
or a padding to the target aspect ratio) is separable, ``y = Wh @ x @ Ww^T (+ c)`` per channel, so
one pair of small matrices built once on the host carries the whole map, and the backward is the
same pair transposed.

The weights are Keras's (``keras.src.backend.numpy.image``): half-pixel centers, ``src = (j + 0.5) *
in / out - 0.5``, a kernel (triangle for bilinear, Keys's cubic for bicubic, Lanczos-3/5) over the
distance to each input pixel, normalized to sum 1 over the pixels inside the image (so bilinear
repeats the edge pixel beyond the border), and with ``antialias`` the kernel widened by ``in / out``
when shrinking.
Nearest takes ``floor((j + 0.5) * in / out)``. A crop to the aspect ratio keeps the largest centered
window of the target's aspect ratio; a pad to it adds ``fill_value`` borders, which the constant
``c`` carries.
"""
from __future__ import annotations

from typing import Any

import numpy as np


def _triangle(d: np.ndarray) -> np.ndarray:
    return np.maximum(0.0, 1.0 - d)


def _keys_cubic(d: np.ndarray) -> np.ndarray:
    """Keys's cubic convolution kernel with a = -0.5 (bicubic)."""
    near = (1.5 * d - 2.5) * d * d + 1.0
    far = ((-0.5 * d + 2.5) * d - 4.0) * d + 2.0
    return np.where(d < 1.0, near, np.where(d < 2.0, far, 0.0))


def _lanczos(radius: float) -> Any:
    def kernel(d: np.ndarray) -> np.ndarray:
        safe = np.where(d == 0, 1.0, d)
        value = radius * np.sin(np.pi * safe) * np.sin(np.pi * safe / radius) / (np.pi ** 2 * safe ** 2)
        return np.where(d < 1e-3, 1.0, np.where(d < radius, value, 0.0))

    return kernel


#: The resampling kernel of each interpolation but "nearest", as a function of the distance in pixels.
KERNELS = {"bilinear": _triangle, "bicubic": _keys_cubic, "lanczos3": _lanczos(3.0), "lanczos5": _lanczos(5.0)}


def axis_weights(in_size: int, out_size: int, interpolation: str, antialias: bool = False) -> np.ndarray:
    """The (out_size, in_size) matrix resampling one axis."""
    weights = np.zeros((out_size, in_size))
    if interpolation == "nearest":
        source = np.floor((np.arange(out_size) + 0.5) * in_size / out_size).astype(int)
        weights[np.arange(out_size), np.minimum(source, in_size - 1)] = 1.0
        return weights
    if in_size == out_size:
        return np.eye(in_size)
    scale = out_size / in_size
    kernel_scale = max(1.0 / scale, 1.0) if antialias else 1.0
    sample = (np.arange(out_size) + 0.5) / scale - 0.5
    weights = KERNELS[interpolation](np.abs(sample[:, None] - np.arange(in_size)[None, :]) / kernel_scale)
    total = weights.sum(axis=1, keepdims=True)
    weights = np.where(total > 1000.0 * np.finfo(np.float32).eps, weights / np.where(total != 0, total, 1.0), 0.0)
    inside = (sample >= -0.5) & (sample <= in_size - 0.5)
    return weights * inside[:, None]


def crop_box(height: int, width: int, target_height: int, target_width: int) -> tuple[int, int, int, int]:
    """Keras's largest centered window of the target aspect ratio: (row, column, height, width)."""
    crop_height = max(min(height, int(float(width * target_height) / target_width)), 1)
    crop_width = max(min(width, int(float(height * target_width) / target_height)), 1)
    return int(float(height - crop_height) / 2), int(float(width - crop_width) / 2), crop_height, crop_width


def resize_matrices(height: int, width: int, target_height: int, target_width: int, interpolation: str,
                    crop_to_aspect_ratio: bool = False, pad_to_aspect_ratio: bool = False,
                    antialias: bool = False, fill_value: float = 0.0
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``(Wh, Ww, c)``: ``y = Wh @ x @ Ww^T + c`` for one channel of a (height, width) image (``c`` is
    None unless padding adds ``fill_value`` borders)."""
    if crop_to_aspect_ratio:
        top, left, crop_height, crop_width = crop_box(height, width, target_height, target_width)
        rows = np.zeros((target_height, height))
        rows[:, top:top + crop_height] = axis_weights(crop_height, target_height, interpolation, antialias)
        cols = np.zeros((target_width, width))
        cols[:, left:left + crop_width] = axis_weights(crop_width, target_width, interpolation, antialias)
        return rows, cols, None
    if pad_to_aspect_ratio:
        pad_height = max(height, int(float(width * target_height) / target_width))
        pad_width = max(width, int(float(height * target_width) / target_height))
        top, left = int(float(pad_height - height) / 2), int(float(pad_width - width) / 2)
        rows = axis_weights(height + 2 * top, target_height, interpolation, antialias)[:, top:top + height]
        cols = axis_weights(width + 2 * left, target_width, interpolation, antialias)[:, left:left + width]
        if top == 0 and left == 0:
            return rows, cols, None
        # The padded image is fill_value everywhere but the image: its share is fill * (1 - a_h a_w^T).
        constant = fill_value * (1.0 - np.outer(rows.sum(axis=1), cols.sum(axis=1)))
        return rows, cols, constant
    return (axis_weights(height, target_height, interpolation, antialias),
            axis_weights(width, target_width, interpolation, antialias), None)


class SeparableResize:
    """The map of :func:`resize_matrices` on a backend, applied to channels-last batches.

    The matrices are uploaded once, here; the host copies are kept so that :meth:`moved_to` can put
    them on another backend when ``compile(backend=...)`` moves a built layer (otherwise the layer
    would multiply the new backend's arrays by the old backend's matrices: a NumPy operand on CuPy).
    """

    def __init__(self, backend: Any, dtype: str, rows: np.ndarray, cols: np.ndarray,
                 constant: np.ndarray | None) -> None:
        self._host = (dtype, rows, cols, constant)
        self.xp = backend.xp
        self.rows = backend.asarray(rows.astype(dtype))
        self.cols = backend.asarray(cols.astype(dtype))
        self.rows_t = backend.asarray(np.ascontiguousarray(rows.T).astype(dtype))
        self.cols_t = backend.asarray(np.ascontiguousarray(cols.T).astype(dtype))
        self.constant = None if constant is None else backend.asarray(constant[:, :, None].astype(dtype))

    def moved_to(self, backend: Any) -> SeparableResize:
        """The same map with its matrices on ``backend`` (one upload of each)."""
        dtype, rows, cols, constant = self._host
        return SeparableResize(backend, dtype, rows, cols, constant)

    def __call__(self, x: Any) -> tuple[Any, Any]:
        xp = self.xp
        batch, height, width, channels = x.shape
        out_height = self.rows.shape[0]
        along_rows = xp.matmul(self.rows, x.reshape(batch, height, width * channels))
        y = xp.matmul(self.cols, along_rows.reshape(batch, out_height, width, channels))
        if self.constant is not None:
            y += self.constant

        def backward(dy: Any) -> Any:
            along_cols = xp.matmul(self.cols_t, dy)
            dx = xp.matmul(self.rows_t, along_cols.reshape(batch, out_height, width * channels))
            return dx.reshape(batch, height, width, channels)

        return y, backward
