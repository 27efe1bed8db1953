"""Resampling images through per-sample affine maps, as Keras's ``affine_transform`` does, with the
transpose of that linear map as the backward.

The transform of each sample is Keras's (TensorFlow's) 8-number convention cut to its affine part
``(a0, a1, a2, b0, b1, b2)``: the output pixel at column ``x``, row ``y`` reads the input at
``(a0 * x + a1 * y + a2, b0 * x + b1 * y + b2)``. Bilinear interpolation weighs the four pixels
around that point, nearest takes the closest one; a pixel outside the image is found by
``fill_mode``: ``"reflect"`` (d c b a | a b c d | d c b a), ``"wrap"`` (a b c d | a b c d),
``"nearest"`` (a a | a b c d | d d) or ``"constant"`` (``fill_value``).

For fixed transforms the output is ``A x + c`` (``c`` collects the ``fill_value`` contributions),
so the backward is ``A^T dy``: the forward's gather becomes a scatter-add, done per channel with
``xp.bincount`` over the flat pixel indices, which NumPy and CuPy both provide.
"""
from __future__ import annotations

from typing import Any

Backward = Any


def _fixed(index: Any, size: int, fill_mode: str, xp: Any) -> tuple[Any, Any]:
    """Integer source indices moved inside ``[0, size)`` by ``fill_mode``, and (for "constant")
    the mask of indices that were inside already (None otherwise)."""
    if fill_mode == "constant":
        valid = (index >= 0) & (index < size)
        return xp.clip(index, 0, size - 1), valid
    if fill_mode == "nearest":
        return xp.clip(index, 0, size - 1), None
    if fill_mode == "wrap":
        return index % size, None
    period = index % (2 * size)  # "reflect": the edge pixel repeats, (d c b a | a b c d)
    return xp.where(period < size, period, 2 * size - 1 - period), None


def affine_resample(x: Any, transforms: Any, interpolation: str, fill_mode: str, fill_value: float,
                    xp: Any) -> tuple[Any, Backward]:
    """``x`` of shape (batch, height, width, channels) resampled through ``transforms`` (batch, 6)
    (on x's device, x's dtype); returns the output and its backward ``dy -> dx``."""
    batch, height, width, channels = x.shape
    rows = xp.arange(height, dtype=x.dtype).reshape(1, height, 1)
    cols = xp.arange(width, dtype=x.dtype).reshape(1, 1, width)
    t = [transforms[:, i].reshape(batch, 1, 1) for i in range(6)]
    src_x = t[0] * cols + t[1] * rows + t[2]
    src_y = t[3] * cols + t[4] * rows + t[5]
    if interpolation == "nearest":
        x0, y0 = xp.floor(src_x + 0.5), xp.floor(src_y + 0.5)
        row_steps, col_steps = [(0, xp.ones_like(src_y))], [(0, xp.ones_like(src_x))]
    else:
        x0, y0 = xp.floor(src_x), xp.floor(src_y)
        fx, fy = src_x - x0, src_y - y0
        row_steps, col_steps = [(0, 1 - fy), (1, fy)], [(0, 1 - fx), (1, fx)]
    # Each source row and column index is fixed once; a corner combines one of each.
    first_row, first_col = y0.astype(xp.int64), x0.astype(xp.int64)
    fixed_rows = [(_fixed(first_row + step, height, fill_mode, xp), weight) for step, weight in row_steps]
    fixed_cols = [(_fixed(first_col + step, width, fill_mode, xp), weight) for step, weight in col_steps]
    sample = xp.arange(batch).reshape(batch, 1, 1) * (height * width)
    indices, weights = [], []
    outside = None
    for (iy, valid_y), weight_y in fixed_rows:
        offset = sample + iy * width
        for (ix, valid_x), weight_x in fixed_cols:
            weight = weight_y * weight_x
            if valid_y is not None and valid_x is not None:
                inside = valid_y & valid_x
                missed = weight * ~inside
                outside = missed if outside is None else outside + missed
                weight = weight * inside
            indices.append(offset + ix)
            weights.append(weight)
    flat = x.reshape(batch * height * width, channels)
    y = xp.take(flat, indices[0], axis=0)
    y *= weights[0][..., None]
    for index, weight in zip(indices[1:], weights[1:]):
        corner = xp.take(flat, index, axis=0)
        corner *= weight[..., None]
        y += corner
    if outside is not None and fill_value != 0.0:
        y += outside[..., None] * fill_value
    pixels = batch * height * width

    def backward(dy: Any) -> Any:
        # A scatter-add per channel: bincount over the corners' flat pixel indices.
        targets = xp.concatenate([index.reshape(-1) for index in indices])
        dx = xp.empty((pixels, channels), dtype=dy.dtype)
        for c in range(channels):
            values = xp.concatenate([(dy[..., c] * weight).reshape(-1) for weight in weights])
            dx[:, c] = xp.bincount(targets, weights=values, minlength=pixels)
        return dx.reshape(x.shape)

    return y, backward
