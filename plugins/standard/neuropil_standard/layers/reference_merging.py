"""Float64 references for the merge layers, written from Keras's definitions and sharing no code with
their forwards: element-by-element loops that map each output element to its inputs by Keras's
broadcasting rule (independently of NumPy broadcasting), a position-by-position Concatenate, and a
sample-by-sample Dot. The conformance suite's ``reference`` for each merge layer (which receives
the list of inputs), and the unit tests' loops (``tests/test_merging.py``)."""
from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np


def elementwise_loop(op: Callable[[list[float]], float], xs: list[np.ndarray]) -> np.ndarray:
    """Keras's rule, element by element: a lower-rank input gains sides of 1 right after the batch
    axis; along each axis a side of 1 is read at index 0 whatever the output index."""
    rank = max(x.ndim for x in xs)
    padded = [x.reshape((x.shape[0],) + (1,) * (rank - x.ndim) + x.shape[1:]) for x in xs]
    out_shape: tuple[int, ...] = tuple(int(max(p.shape[a] for p in padded)) for a in range(rank))
    out = np.zeros(out_shape)
    for index in itertools.product(*(range(n) for n in out_shape)):
        values = [float(p[tuple(i if p.shape[a] > 1 else 0 for a, i in enumerate(index))]) for p in padded]
        out[index] = op(values)
    return out


#: Each elementwise merge's operation on the values one output element reads, by class name.
OPERATIONS: dict[str, Callable[[list[float]], float]] = {
    "Add": lambda v: sum(v),
    "Subtract": lambda v: v[0] - v[1],
    "Multiply": lambda v: float(np.prod(v)),
    "Average": lambda v: sum(v) / len(v),
    "Maximum": lambda v: max(v),
    "Minimum": lambda v: min(v),
}


def concatenate_loop(xs: list[np.ndarray], axis: int) -> np.ndarray:
    """Sample by sample, output position along ``axis`` (batch-inclusive, may be negative) walks
    through each input's positions in turn."""
    rank = xs[0].ndim
    axis = axis % rank
    total = sum(x.shape[axis] for x in xs)
    shape = list(xs[0].shape)
    shape[axis] = total
    out = np.zeros(shape)
    position = 0
    for x in xs:
        for i in range(x.shape[axis]):
            target: list[Any] = [slice(None)] * rank
            source: list[Any] = [slice(None)] * rank
            target[axis], source[axis] = position, i
            out[tuple(target)] = x[tuple(source)]
            position += 1
    return out


def dot_loop(xs: list[np.ndarray], axes: Any, normalize: bool) -> np.ndarray:
    """Sample by sample: optionally divide by the L2 norm along the dot axis (floored at 1e-7, as
    Keras 3's ``ops.normalize``), then sum the products over that axis of both."""
    x1, x2 = xs
    pair = (axes, axes) if isinstance(axes, int) else axes
    a0, a1 = (a % x.ndim for a, x in zip(pair, (x1, x2)))  # batch-inclusive
    outs = []
    for b in range(x1.shape[0]):
        u, v = x1[b], x2[b]
        if normalize:
            u = u / np.maximum(np.sqrt(np.sum(u ** 2, axis=a0 - 1, keepdims=True)), 1e-7)
            v = v / np.maximum(np.sqrt(np.sum(v ** 2, axis=a1 - 1, keepdims=True)), 1e-7)
        um, vm = np.moveaxis(u, a0 - 1, 0), np.moveaxis(v, a1 - 1, 0)
        out = np.zeros(um.shape[1:] + vm.shape[1:])
        for index in itertools.product(*(range(n) for n in out.shape)):
            i, j = index[:um.ndim - 1], index[um.ndim - 1:]
            out[index] = sum(um[(k,) + i] * vm[(k,) + j] for k in range(um.shape[0]))
        outs.append(out.reshape(out.shape or (1,)))
    return np.stack(outs)



# -- the layers' declared references ---------------------------------------------------------------
def _arrays(xs: Any) -> list[np.ndarray]:
    return [np.asarray(x, dtype=np.float64) for x in xs]


def elementwise(layer: Any, params: dict[str, np.ndarray], xs: Any, training: bool) -> np.ndarray:
    """Add, Subtract, Multiply, Average, Maximum, Minimum: the layer's operation, element by element."""
    return elementwise_loop(OPERATIONS[type(layer).__name__], _arrays(xs))


def concatenate(layer: Any, params: dict[str, np.ndarray], xs: Any, training: bool) -> np.ndarray:
    """Concatenate along the layer's (batch-inclusive) axis."""
    return concatenate_loop(_arrays(xs), layer.axis)


def dot(layer: Any, params: dict[str, np.ndarray], xs: Any, training: bool) -> np.ndarray:
    """Dot along the layer's axes, optionally of the L2-normalised inputs."""
    return dot_loop(_arrays(xs), layer.axes, layer.normalize)
