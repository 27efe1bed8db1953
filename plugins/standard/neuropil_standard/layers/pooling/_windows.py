"""The geometry and the window walk every pooling layer shares.

A pooling window visits ``prod(pool_size)`` offsets; for each offset, the elements it covers across
all output positions are one strided slice of the (padded) input. Pooling is then a reduction over
those few slices, and its backward a scatter-add into the same slices: Python loops over the window's
offsets (4 for a 2x2 pool), never over pixels, and every operation is a basic slice that NumPy and
CuPy both take as a view.

``"same"`` padding splits as TensorFlow (and so Keras) does: ``out = ceil(n / stride)``, the total
padding ``max((out - 1) * stride + pool - n, 0)``, its smaller half before and the larger after.
"""
from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Geometry:
    """Pool sizes, strides, the padding before/after and the output size of each spatial axis,
    where those axes sit in the batched array, and the input's spatial sizes."""

    pool: tuple[int, ...]
    strides: tuple[int, ...]
    pads: tuple[tuple[int, int], ...]
    out: tuple[int, ...]
    axes: tuple[int, ...]
    sizes: tuple[int, ...]

    @property
    def padded(self) -> bool:
        return any(before or after for before, after in self.pads)

    @property
    def disjoint(self) -> bool:
        """Whether no two windows share an element (strides at least the pool size)."""
        return all(s >= k for s, k in zip(self.strides, self.pool))

    @property
    def tiles(self) -> bool:
        """Whether the windows cover every element of the padded input exactly once."""
        return all(s == k for s, k in zip(self.strides, self.pool)) and all(
            o * k == n + before + after for o, k, n, (before, after) in zip(self.out, self.pool, self.sizes, self.pads))

    def padded_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        full = list(shape)
        for axis, (before, after) in zip(self.axes, self.pads):
            full[axis] += before + after
        return tuple(full)

    def interior(self, ndim: int) -> tuple[slice, ...]:
        """The slice of a padded array that holds the input itself."""
        index = [slice(None)] * ndim
        for axis, (before, after) in zip(self.axes, self.pads):
            index[axis] = slice(before, -after if after else None)
        return tuple(index)

    def offsets(self, ndim: int) -> Iterator[tuple[slice, ...]]:
        """For each offset of the window (in row-major order over the window), the slice of the
        padded input it covers at every output position."""
        for offset in itertools.product(*(range(k) for k in self.pool)):
            index = [slice(None)] * ndim
            for axis, start, stride, size in zip(self.axes, offset, self.strides, self.out):
                index[axis] = slice(start, start + stride * (size - 1) + 1, stride)
            yield tuple(index)


def output_size(size: int, pool: int, stride: int, padding: str) -> int:
    """Keras's output length of one axis (0 or less: the input is smaller than the window)."""
    if padding == "same":
        return (size + stride - 1) // stride
    return (size - pool) // stride + 1


def geometry(sizes: tuple[int, ...], pool: tuple[int, ...], strides: tuple[int, ...], padding: str,
             axes: tuple[int, ...]) -> Geometry:
    """The geometry of pooling spatial ``sizes`` (found at ``axes`` of the batched array)."""
    out = tuple(output_size(n, k, s, padding) for n, k, s in zip(sizes, pool, strides))
    pads = []
    for n, k, s, o in zip(sizes, pool, strides, out):
        total = max((o - 1) * s + k - n, 0) if padding == "same" else 0
        pads.append((total // 2, total - total // 2))
    return Geometry(tuple(pool), tuple(strides), tuple(pads), out, tuple(axes), tuple(sizes))


def pad(xp: Any, x: Any, geo: Geometry, value: float) -> Any:
    """``x`` padded with ``value`` as ``geo`` says (``x`` itself when there is no padding)."""
    if not geo.padded:
        return x
    padded = xp.full(geo.padded_shape(x.shape), value, dtype=x.dtype)
    padded[geo.interior(x.ndim)] = x
    return padded


def tie_distance(xp: Any, values: Any, axis: int) -> Any:
    """For ``values`` competing for one maximum along ``axis`` (a window's taps, a channel's
    positions): each value's signed distance from a tie for that maximum, the max pooling layers'
    ``kink_distance``. The first maximum (where the backward routes the gradient) gets
    ``x - max(others)``, every other value ``x - max``, and a value tied with the first maximum a
    tiny negative distance, so that moving along the signs breaks the tie instead of a gradient check
    landing where the max has no derivative."""
    axis = axis % values.ndim
    n = values.shape[axis]
    top = values.max(axis=axis, keepdims=True)
    if n > 1:
        second = xp.take(xp.sort(values, axis=axis), xp.asarray([n - 2]), axis=axis)
    else:
        second = xp.full_like(top, -xp.inf)
    index = xp.arange(n).reshape(tuple(n if a == axis else 1 for a in range(values.ndim)))
    is_first = index == xp.expand_dims(values.argmax(axis=axis), axis)
    gap = values - xp.where(is_first, second, top)
    return xp.where(~is_first & (gap == 0), -xp.finfo(values.dtype).tiny, gap)
