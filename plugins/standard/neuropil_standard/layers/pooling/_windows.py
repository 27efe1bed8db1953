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
    """Pool sizes, strides, the padding before/after and the output size of each spatial axis, and
    where those axes sit in the batched array."""

    pool: tuple[int, ...]
    strides: tuple[int, ...]
    pads: tuple[tuple[int, int], ...]
    out: tuple[int, ...]
    axes: tuple[int, ...]

    @property
    def padded(self) -> bool:
        return any(before or after for before, after in self.pads)

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
    out = tuple(output_size(n, k, s, padding) for n, k, s in zip(sizes, pool, strides))
    pads = []
    for n, k, s, o in zip(sizes, pool, strides, out):
        total = max((o - 1) * s + k - n, 0) if padding == "same" else 0
        pads.append((total // 2, total - total // 2))
    return Geometry(tuple(pool), tuple(strides), tuple(pads), out, tuple(axes))


def pad(xp: Any, x: Any, geo: Geometry, value: float) -> Any:
    """``x`` padded with ``value`` as ``geo`` says (``x`` itself when there is no padding)."""
    if not geo.padded:
        return x
    padded = xp.full(geo.padded_shape(x.shape), value, dtype=x.dtype)
    padded[geo.interior(x.ndim)] = x
    return padded
