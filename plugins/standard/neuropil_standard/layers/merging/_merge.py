"""What every merge layer shares: the list-of-inputs contract, Keras's broadcasting rule for the
elementwise merges, and summing a broadcast gradient back to each input's own shape.

A merge layer is a multi-input layer (see ``neuropil.base.layer.Layer``, "Multi-input layers"):
``build``/``compute_output_shape`` receive a list of per-sample shapes, ``forward`` a list of arrays,
and its ``backward(dy)`` returns one ``dx`` per input.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from neuropil.base.layer import Layer
from neuropil.errors import LayerError

Shapes = list[tuple[int, ...]]


class Merge(Layer):
    """Base class of the merge layers: checks the inputs' count and kind, one place for the wording.

    ``min_inputs``/``max_inputs`` bound how many inputs the layer merges (Keras 3 merges a list of one
    input too, except Subtract and Dot, which take exactly two).
    """

    min_inputs: int = 1
    max_inputs: int | None = None

    def input_shapes(self, input_shape: Any) -> Shapes:
        """``input_shape`` as a list of per-sample shapes, or a :class:`LayerError` saying that this
        layer merges a list of inputs and how many."""
        if not isinstance(input_shape, (list, tuple)) or not input_shape or not all(
                isinstance(s, (list, tuple)) for s in input_shape):
            raise LayerError(f"layer {self.name!r} ({type(self).__name__}) must be called on a list of "
                             f"{self._how_many()} inputs, received input_shape={input_shape!r} "
                             f"(not a list of shapes)")
        shapes = [tuple(int(d) for d in s) for s in input_shape]
        self.check_count(len(shapes))
        return shapes

    def check_count(self, received: int) -> None:
        if received < self.min_inputs or (self.max_inputs is not None and received > self.max_inputs):
            raise LayerError(f"layer {self.name!r} ({type(self).__name__}) must be called on a list of "
                             f"{self._how_many()} inputs, received {received}")

    def _how_many(self) -> str:
        if self.max_inputs == self.min_inputs:
            return f"exactly {self.min_inputs}"
        return f"at least {self.min_inputs}"

    def inputs_of(self, inputs: Any) -> list[Any]:
        """The arrays of a forward call: a list (or tuple) of arrays of one batch size."""
        if not isinstance(inputs, (list, tuple)):
            raise LayerError(f"layer {self.name!r} ({type(self).__name__}) must be called on a list of "
                             f"{self._how_many()} inputs, received a single {type(inputs).__name__}")
        arrays = list(inputs)
        self.check_count(len(arrays))
        batches = {int(x.shape[0]) for x in arrays}
        if len(batches) > 1:
            raise LayerError(f"layer {self.name!r} ({type(self).__name__}) cannot merge inputs of different "
                             f"batch sizes, received shapes {[tuple(x.shape) for x in arrays]}")
        return arrays


def broadcast_shape(layer: Merge, shapes: Sequence[tuple[int, ...]]) -> tuple[int, ...]:
    """Keras's elementwise-merge rule for per-sample shapes: aligned on the last axis, a side of 1
    stretches to the other, and a shorter shape gains leading sides of 1 (Keras inserts the axes right
    after the batch axis); any other difference is an error naming the layer and every shape."""
    rank = max(len(s) for s in shapes)
    out = [1] * rank
    for shape in shapes:
        padded = (1,) * (rank - len(shape)) + tuple(shape)
        for axis, side in enumerate(padded):
            if side != 1 and out[axis] not in (1, side):
                raise LayerError(
                    f"layer {layer.name!r} ({type(layer).__name__}) expects inputs of one per-sample shape, "
                    f"or shapes that broadcast (equal sides or 1), received shapes {[tuple(s) for s in shapes]}")
            if side != 1:
                out[axis] = side
    return tuple(out)


def to_rank(x: Any, rank: int) -> Any:
    """``x`` (batch first) with sides of 1 inserted after the batch axis up to ``rank`` axes, as Keras
    expands a lower-rank input before an elementwise merge."""
    missing = rank - x.ndim
    return x if missing <= 0 else x.reshape((x.shape[0],) + (1,) * missing + tuple(x.shape[1:]))


def unbroadcast(xp: Any, grad: Any, shape: tuple[int, ...]) -> Any:
    """The gradient of an input of full ``shape`` that was broadcast to ``grad``'s shape: summed over
    the axes it was stretched along, then given its own shape back."""
    rank = grad.ndim
    padded = (shape[0],) + (1,) * (rank - len(shape)) + tuple(shape[1:])
    axes = tuple(axis for axis in range(1, rank) if padded[axis] == 1 and grad.shape[axis] != 1)
    if axes:
        grad = xp.sum(grad, axis=axes, keepdims=True)
    return grad.reshape(shape)
