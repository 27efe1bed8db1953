"""The elementwise merges: Add, Subtract, Multiply, Average, Maximum, Minimum (Keras 3 semantics).

All inputs have one per-sample shape, or shapes that broadcast by Keras's rule (see
:func:`._merge.broadcast_shape`); each input's gradient is summed back over the axes it was stretched
along. Maximum and Minimum send the upstream gradient to the input that won each element; on a tie the
first input in the list holding the winning value takes all of it (TensorFlow's ``maximum`` gradient
rule, for the chain of pairwise maxima Keras computes), so the gradients always sum to ``dy``.
"""
from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from neuropil.base.layer import Backward

from .. import reference_merging as _reference
from ._merge import Merge, broadcast_shape, to_rank, unbroadcast


def distinct(grad: Any, n: int) -> list[Any]:
    """``n`` copies of one gradient as separate arrays: a graph may add into each input's gradient in
    place, which must not reach the others."""
    return [grad] + [grad.copy() for _ in range(n - 1)]


class ElementwiseMerge(Merge):
    """Shape checking and the broadcast for the elementwise merges; subclasses write ``merge``."""

    reference = _reference.elementwise  # the conformance suite's float64 loop

    example_input_shapes: ClassVar[tuple[Any, ...]] = (
        [(3,), (3,)], [(2, 3), (2, 3), (2, 3)], [(2, 3), (1, 3)], [(4, 2), (2,)])

    def build(self, input_shape: Any, backend: Any, rng: np.random.Generator) -> None:
        broadcast_shape(self, self.input_shapes(input_shape))

    def compute_output_shape(self, input_shape: Any) -> tuple[int, ...]:
        return broadcast_shape(self, self.input_shapes(input_shape))

    def forward(self, inputs: Any, training: bool = False) -> tuple[Any, Backward]:
        arrays = self.inputs_of(inputs)
        shapes = [tuple(x.shape) for x in arrays]
        rank = max(len(s) for s in shapes)
        y, grads_of = self.merge(self.backend.xp, [to_rank(x, rank) for x in arrays])
        xp = self.backend.xp

        def backward(dy: Any) -> list[Any]:
            return [unbroadcast(xp, g, shape) for g, shape in zip(grads_of(dy), shapes)]

        return y, backward

    def merge(self, xp: Any, arrays: list[Any]) -> tuple[Any, Any]:
        """``(y, grads_of)`` for inputs of one rank: ``grads_of(dy)`` gives each input's gradient in
        the broadcast (output) shape."""
        raise NotImplementedError


class Add(ElementwiseMerge):
    """Keras ``Add()``: the elementwise sum of a list of inputs."""

    symbolic_operator = "+"  # ``a + b`` on symbolic tensors

    def merge(self, xp: Any, arrays: list[Any]) -> tuple[Any, Any]:
        y = arrays[0]
        for x in arrays[1:]:
            y = y + x
        if len(arrays) == 1:
            y = y.copy()  # never hand out the caller's array as the output
        return y, lambda dy: distinct(dy, len(arrays))


class Subtract(ElementwiseMerge):
    """Keras ``Subtract()``: ``inputs[0] - inputs[1]``, exactly two inputs."""

    symbolic_operator = "-"  # ``a - b`` on symbolic tensors

    min_inputs = 2
    max_inputs = 2
    example_input_shapes = ([(3,), (3,)], [(2, 3), (1, 3)], [(4, 2), (2,)])

    def merge(self, xp: Any, arrays: list[Any]) -> tuple[Any, Any]:
        return arrays[0] - arrays[1], lambda dy: [dy, -dy]


class Multiply(ElementwiseMerge):
    """Keras ``Multiply()``: the elementwise product. Each input's gradient is ``dy`` times the product
    of the *other* inputs (prefix and suffix products, never a division, so zeros are exact)."""

    symbolic_operator = "*"  # ``a * b`` on symbolic tensors

    def merge(self, xp: Any, arrays: list[Any]) -> tuple[Any, Any]:
        prefix = [arrays[0]]
        for x in arrays[1:]:
            prefix.append(prefix[-1] * x)
        y = prefix[-1] if len(arrays) > 1 else arrays[0].copy()

        def grads_of(dy: Any) -> list[Any]:
            grads: list[Any] = [None] * len(arrays)
            suffix = dy
            for i in range(len(arrays) - 1, -1, -1):
                grads[i] = suffix * prefix[i - 1] if i > 0 else suffix
                suffix = suffix * arrays[i]
            return grads

        return y, grads_of


class Average(ElementwiseMerge):
    """Keras ``Average()``: the elementwise mean of the inputs."""

    def merge(self, xp: Any, arrays: list[Any]) -> tuple[Any, Any]:
        total = arrays[0]
        for x in arrays[1:]:
            total = total + x
        n = len(arrays)
        return total / n, lambda dy: distinct(dy / n, n)


class _Extremum(ElementwiseMerge):
    """The running extremum over the inputs in order. The backward finds each element's winner by
    equality with the output (the output *is* one of the inputs' values): the first input equal to
    it takes the gradient, so a tie goes to the earliest input and no index array is kept."""

    def extremum(self, xp: Any, a: Any, b: Any) -> Any:
        raise NotImplementedError

    def merge(self, xp: Any, arrays: list[Any]) -> tuple[Any, Any]:
        y = arrays[0]
        for x in arrays[1:]:
            y = self.extremum(xp, y, x)
        if len(arrays) == 1:
            y = y.copy()

        def grads_of(dy: Any) -> list[Any]:
            taken = arrays[0] == y
            grads = [dy * taken]
            for x in arrays[1:-1]:
                wins = (x == y) & ~taken
                taken = taken | wins
                grads.append(dy * wins)
            if len(arrays) > 1:
                grads.append(dy * ~taken)  # the last input won wherever no earlier one did
            return grads

        return y, grads_of


class Maximum(_Extremum):
    """Keras ``Maximum()``: the elementwise maximum; the gradient goes to the winning input (on a tie,
    to the first of the tied inputs)."""

    def extremum(self, xp: Any, a: Any, b: Any) -> Any:
        return xp.maximum(a, b)


class Minimum(_Extremum):
    """Keras ``Minimum()``: the elementwise minimum; the gradient goes to the winning input (on a tie,
    to the first of the tied inputs)."""

    def extremum(self, xp: Any, a: Any, b: Any) -> Any:
        return xp.minimum(a, b)
