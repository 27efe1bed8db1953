"""The arrangement a max pooling with disjoint windows asks of the layer feeding it in training
(``Layer.input_arrangement`` / ``Layer.arranges``, planned by the graph executor).

Why: a channels-last max pooling reads each window offset as a strided slice, so NumPy gets runs of
``channels`` numbers at a time (32 on the MNIST convnet's first pooling), and that per-run cost is
most of the pooling's time. Window by window, each offset's values for every pooled position are one
contiguous block, read in whole rows. A convolution can write its output in that order at no cost
(the order of its im2col rows is free), and it skips the positions no window reads.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class WindowMajor:
    """A channels-last ``(batch, *spatial, channels)`` array given as ``(batch, *pool, *pooled,
    channels)``: element ``[n, *a, *i, c]`` is the plain array's ``[n, *(i * pool + a), c]``, with
    ``pooled = spatial // pool`` (what valid pooling with strides equal to the pool reads; positions
    past the last whole window are left out)."""

    pool: tuple[int, ...]

    @property
    def rank(self) -> int:
        return len(self.pool)

    def pooled(self, spatial: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(n // p for n, p in zip(spatial, self.pool))

    def covered(self, spatial: tuple[int, ...]) -> tuple[int, ...]:
        """The leading part of each spatial axis that whole windows cover."""
        return tuple((n // p) * p for n, p in zip(spatial, self.pool))

    def arrange(self, plain: Any) -> Any:
        """The view ``(batch, *pool, *pooled, *rest)`` of a plain ``(batch, *covered, *rest)`` array:
        each spatial axis split into ``(pooled, pool)`` and the pool axes moved first."""
        split, order = _arrange_plan(self.pool, plain.shape)
        return plain.reshape(split).transpose(order)

    def plain(self, arranged: Any) -> Any:
        """The plain ``(batch, *covered, *rest)`` array of an arranged one (a copy): the inverse of
        :meth:`arrange`."""
        order, shape = _plain_plan(self.pool, arranged.shape)
        return arranged.transpose(order).reshape(shape)


# The layers call these once per piece of the batch and per kernel tap, on a few shapes each, on
# threads that share the interpreter: worked out once per shape.
@functools.lru_cache(maxsize=512)
def _arrange_plan(pool: tuple[int, ...], shape: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    rank = len(pool)
    pooled = tuple(n // p for n, p in zip(shape[1:1 + rank], pool))
    split = (shape[0], *(d for pair in zip(pooled, pool) for d in pair), *shape[1 + rank:])
    rest = range(1 + 2 * rank, len(split))
    return split, (0, *range(2, 2 * rank + 1, 2), *range(1, 2 * rank, 2), *rest)


@functools.lru_cache(maxsize=512)
def _plain_plan(pool: tuple[int, ...], shape: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    rank = len(pool)
    order = [0]
    for axis in range(rank):
        order += [1 + rank + axis, 1 + axis]
    covered = tuple(math.prod(pair) for pair in zip(shape[1 + rank:1 + 2 * rank], pool))
    return (*order, *range(1 + 2 * rank, len(shape))), (shape[0], *covered, *shape[1 + 2 * rank:])
