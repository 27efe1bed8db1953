"""Integer-factor up-sampling along one axis, forward and backward, as the spatial layers use it.

Nearest repeats every element ``factor`` times. Linear follows half-pixel centers (TensorFlow's
``half_pixel_centers``, JAX's ``jax.image.resize``, which Keras's "bilinear" runs on): output ``j``
samples the input at ``(j + 0.5) / factor - 0.5``, clamped to the edges. With an integer factor the
output falls into ``factor`` phases ``j = factor * i + r``, each a fixed blend of input ``i`` with its
neighbour ``i + 1`` (offset ``d_r >= 0``) or ``i - 1`` (``d_r < 0``), so forward and backward are a
few whole-array operations per phase, with no index arrays.
"""
from __future__ import annotations

from typing import Any


def _along(ndim: int, axis: int, index: slice) -> tuple[slice, ...]:
    full = [slice(None)] * ndim
    full[axis] = index
    return tuple(full)


def nearest(xp: Any, x: Any, axis: int, factor: int) -> Any:
    return xp.repeat(x, factor, axis=axis)


def nearest_backward(dy: Any, axis: int, factor: int) -> Any:
    shape = dy.shape
    split = shape[:axis] + (shape[axis] // factor, factor) + shape[axis + 1:]
    return dy.reshape(split).sum(axis=axis + 1)


def _phases(factor: int) -> list[tuple[int, float]]:
    """For each phase ``r``: which neighbour (+1 or -1) it blends with, and that neighbour's weight."""
    out = []
    for r in range(factor):
        offset = (r + 0.5) / factor - 0.5
        out.append((1, offset) if offset >= 0 else (-1, -offset))
    return out


def _neighbour(xp: Any, x: Any, axis: int, step: int) -> Any:
    """``x`` shifted by one along ``axis`` towards ``step``, the edge element repeated (clamping)."""
    n = x.shape[axis]
    if n == 1:
        return x
    if step > 0:
        return xp.concatenate([x[_along(x.ndim, axis, slice(1, None))], x[_along(x.ndim, axis, slice(n - 1, n))]],
                              axis=axis)
    return xp.concatenate([x[_along(x.ndim, axis, slice(0, 1))], x[_along(x.ndim, axis, slice(0, n - 1))]],
                          axis=axis)


def linear(xp: Any, x: Any, axis: int, factor: int) -> Any:
    shape = list(x.shape)
    shape[axis] *= factor
    y = xp.empty(tuple(shape), dtype=x.dtype)
    shifted = {step: _neighbour(xp, x, axis, step) for step in (1, -1)}
    for r, (step, weight) in enumerate(_phases(factor)):
        y[_along(x.ndim, axis, slice(r, None, factor))] = x * (1.0 - weight) + shifted[step] * weight
    return y


def linear_backward(xp: Any, dy: Any, axis: int, factor: int) -> Any:
    """The transpose of :func:`linear`: each phase's gradient goes back to ``i`` and its neighbour
    (the clamped edge collecting what fell outside)."""
    ndim = dy.ndim
    n = dy.shape[axis] // factor
    shape = list(dy.shape)
    shape[axis] = n
    dx = xp.zeros(tuple(shape), dtype=dy.dtype)
    for r, (step, weight) in enumerate(_phases(factor)):
        g = dy[_along(ndim, axis, slice(r, None, factor))]
        dx += g * (1.0 - weight)
        if weight == 0.0:
            continue
        if n == 1:
            dx += g * weight
        elif step > 0:  # output i read input min(i + 1, n - 1)
            dx[_along(ndim, axis, slice(1, None))] += g[_along(ndim, axis, slice(0, n - 1))] * weight
            dx[_along(ndim, axis, slice(n - 1, n))] += g[_along(ndim, axis, slice(n - 1, n))] * weight
        else:  # output i read input max(i - 1, 0)
            dx[_along(ndim, axis, slice(0, n - 1))] += g[_along(ndim, axis, slice(1, None))] * weight
            dx[_along(ndim, axis, slice(0, 1))] += g[_along(ndim, axis, slice(0, 1))] * weight
    return dx
