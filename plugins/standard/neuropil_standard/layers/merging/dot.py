"""Dot: the per-sample dot product of two inputs along one axis of each (Keras 3 ``Dot``)."""
from __future__ import annotations

import math
from numbers import Integral
from typing import Any

import numpy as np
from neuropil import checks
from neuropil.base.layer import Backward
from neuropil.errors import ArgumentError, ArgumentTypeError, LayerError

from .. import reference_merging as _reference
from ._merge import Merge, Shapes

#: Keras's floor under the norm in ``ops.normalize`` (``backend.epsilon()``): a slice whose L2 norm is
#: below it is divided by 1e-7 instead (an all-zero slice stays zero, never 0 / 0).
NORM_EPSILON = 1e-7


def _axes_argument(axes: Any) -> tuple[int, int]:
    if isinstance(axes, Integral) and not isinstance(axes, bool):
        pair = (int(axes), int(axes))
    elif isinstance(axes, (list, tuple)):
        if len(axes) != 2:
            raise ArgumentError(f"Dot expects axes to be an integer or a pair of integers, received axes={axes!r}")
        pair = (checks.integer("Dot", "axes[0]", axes[0]), checks.integer("Dot", "axes[1]", axes[1]))
    else:
        raise ArgumentTypeError(f"Dot expects axes to be an integer or a pair of integers, received axes={axes!r}")
    if 0 in pair:
        raise ArgumentError(f"Dot expects axes to name non-batch axes (not 0), received axes={axes!r}")
    return pair


class Dot(Merge):
    """Keras ``Dot(axes, normalize=False)``: ``y[b, i..., j...] = sum_k x1[b, i..., k, ...] *
    x2[b, j..., k, ...]`` with ``k`` running along ``axes[0]`` of the first input and ``axes[1]`` of
    the second (one integer: the same axis of both). Axes count the batch axis as 0, as in Keras, and
    negative ones count from the last. The output holds the first input's remaining axes, then the
    second's; two vectors give ``(batch, 1)``.

    ``normalize=True`` first divides each input by its L2 norm along its dot axis (Keras 3's
    ``ops.normalize``: ``x / max(norm(x), 1e-7)``), so the output is the cosine proximity of the two.
    """

    min_inputs = 2
    max_inputs = 2
    reference = _reference.dot  # the conformance suite's float64 loop
    example_configs = ({"axes": 1}, {"axes": -1, "normalize": True}, {"axes": (1, 2)},
                       {"axes": (2, 1), "normalize": True})
    example_input_shapes = ([(3,), (3,)], [(3, 2), (3, 4)], [(2, 3), (4, 3)], [(2, 3), (3, 2)], [(3, 2), (4, 3)],
                            [(3,), (2, 3)])

    def __init__(self, axes: Any, normalize: bool = False, **kwargs: Any) -> None:
        pair = _axes_argument(axes)
        normalize_ = checks.boolean("Dot", "normalize", normalize)
        super().__init__(**kwargs)
        self.axes: int | tuple[int, int] = pair[0] if isinstance(axes, Integral) else pair
        self.normalize: bool = normalize_

    def dot_axes(self, shapes: Shapes) -> tuple[int, int]:
        """The dot axes as indices into the per-sample shapes, checked to exist and to match."""
        pair = (self.axes, self.axes) if isinstance(self.axes, int) else self.axes
        resolved = []
        for axis, shape in zip(pair, shapes):
            full = axis if axis > 0 else axis + len(shape) + 1
            if not 1 <= full <= len(shape):
                raise LayerError(f"layer {self.name!r} (Dot) with axes={self.axes} expects inputs with an axis "
                                 f"{axis} besides the batch axis, received per-sample shapes {shapes}")
            resolved.append(full - 1)
        a0, a1 = resolved
        if shapes[0][a0] != shapes[1][a1]:
            raise LayerError(f"layer {self.name!r} (Dot) with axes={self.axes} expects equal sides along the dot "
                             f"axes, received per-sample shapes {shapes} (sides {shapes[0][a0]} and "
                             f"{shapes[1][a1]})")
        return a0, a1

    def build(self, input_shape: Any, backend: Any, rng: np.random.Generator) -> None:
        self.compute_output_shape(input_shape)

    def compute_output_shape(self, input_shape: Any) -> tuple[int, ...]:
        shapes = self.input_shapes(input_shape)
        a0, a1 = self.dot_axes(shapes)
        out = shapes[0][:a0] + shapes[0][a0 + 1:] + shapes[1][:a1] + shapes[1][a1 + 1:]
        return out or (1,)

    def forward(self, inputs: Any, training: bool = False) -> tuple[Any, Backward]:
        xp = self.backend.xp
        x1, x2 = self.inputs_of(inputs)
        a0, a1 = (a + 1 for a in self.dot_axes([tuple(x1.shape[1:]), tuple(x2.shape[1:])]))
        if self.normalize:
            u1, unnormalize1 = _l2_normalize(xp, x1, a0)
            u2, unnormalize2 = _l2_normalize(xp, x2, a1)
        else:
            u1, u2 = x1, x2
        # Bring the dot axis of the first input last and of the second next to the batch, and batch-matmul
        # (batch, P, n) @ (batch, n, Q): P and Q are the products of the axes each input keeps.
        left = xp.moveaxis(u1, a0, -1)
        right = xp.moveaxis(u2, a1, 1)
        kept1, kept2 = tuple(left.shape[1:-1]), tuple(right.shape[2:])
        batch, n = int(x1.shape[0]), int(left.shape[-1])
        p, q = math.prod(kept1), math.prod(kept2)
        left3, right3 = left.reshape(batch, p, n), right.reshape(batch, n, q)
        if p == q == 1:  # a dot of two vectors per sample: a product and a sum beat a batch of 1x1 matmuls
            rows1, rows2 = left3.reshape(batch, n), right3.reshape(batch, n)
            y = xp.sum(rows1 * rows2, axis=1, keepdims=True).reshape((batch,) + (kept1 + kept2 or (1,)))
        else:
            y = xp.matmul(left3, right3).reshape((batch,) + (kept1 + kept2 or (1,)))

        def backward(dy: Any) -> list[Any]:
            if p == q == 1:
                g = dy.reshape(batch, 1)
                d_left, d_right = (g * rows2).reshape(left.shape), (g * rows1).reshape(right.shape)
            else:
                g = dy.reshape(batch, p, q)
                d_left = xp.matmul(g, xp.swapaxes(right3, 1, 2)).reshape(left.shape)
                d_right = xp.matmul(xp.swapaxes(left3, 1, 2), g).reshape(right.shape)
            d1, d2 = xp.moveaxis(d_left, -1, a0), xp.moveaxis(d_right, 1, a1)
            if self.normalize:
                d1, d2 = unnormalize1(d1), unnormalize2(d2)
            return [d1, d2]

        return y, backward

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["axes"] = self.axes if isinstance(self.axes, int) else list(self.axes)
        config["normalize"] = self.normalize
        return config


def _l2_normalize(xp: Any, x: Any, axis: int) -> tuple[Any, Any]:
    """``u = x / max(norm(x, axis), eps)`` and the map from ``du`` to ``dx``.

    Where the norm is above the floor, ``dx = (du - u * sum(du * u)) / norm``: the part of ``du``
    along ``u`` is removed, since scaling ``x`` leaves ``u`` unchanged; below it the divisor is a
    constant and ``dx = du / eps``.
    """
    norm = xp.sqrt(xp.sum(x * x, axis=axis, keepdims=True))
    floored = norm <= NORM_EPSILON
    inverse = 1.0 / xp.maximum(norm, NORM_EPSILON)
    u = x * inverse

    def backward(du: Any) -> Any:
        along = xp.sum(du * u, axis=axis, keepdims=True)
        return (du - xp.where(floored, 0.0, along) * u) * inverse

    return u, backward
