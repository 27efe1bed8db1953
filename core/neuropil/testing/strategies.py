"""Hypothesis strategies drawing inputs for each component kind.

Shapes stay tiny (a batch of 1-4, sides of 1-4): conformance bugs are structural (a missing term, a
wrong axis, a mutated buffer) and show on small shapes, where Hypothesis shrinks fastest and the full
Jacobian is affordable. Values avoid non-differentiable points by *moving* away from them by
``KINK_MARGIN`` (never by rejecting the example), so a component with many kinks is tested as often
as a smooth one.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ..errors import ArgumentError

#: Distance kept from a kink: far above the finite-difference step (6e-6 * max(1, |x|) for |x| <= 3).
KINK_MARGIN = 1e-3
#: Value kinds a loss or metric may declare for targets and predictions.
VALUE_KINDS = ("real", "binary", "one_hot", "sparse", "probability", "distribution", "positive")

#: Ranks of a loss's inputs: a batch of vectors and a batch of sequences (Keras losses take both).
LOSS_RANKS = (2, 3)
#: Magnitudes of real predictions: the usual one, and logits or outputs ten times larger (saturated
#: sigmoids: exp(-20) is 2e-9). Not more: the gradient checker's step grows with the largest
#: magnitude in the array, and would then be too coarse for the small values next to it; the
#: ``finite`` property covers magnitudes up to 1e4.
LOSS_SCALES = (1.0, 10.0)

batch_sizes = st.integers(1, 4)
seeds = st.integers(0, 2**32 - 1)


def floats(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def arrays(shape: Any, low: float = -2.0, high: float = 2.0) -> st.SearchStrategy:
    """float64 arrays of ``shape`` with elements in ``[low, high]``."""
    return hnp.arrays(np.float64, shape, elements=floats(low, high))


def shapes(min_dims: int = 1, max_dims: int = 3, min_side: int = 1, max_side: int = 4) -> st.SearchStrategy:
    """Full array shapes, batch axis first."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def move_from_points(x: np.ndarray, points: Sequence[float], margin: float = KINK_MARGIN) -> np.ndarray:
    """``x`` with every element closer than ``margin`` to one of ``points`` pushed out to ``margin``."""
    x = np.array(x, dtype=np.float64)
    for p in points:
        d = x - p
        close = np.abs(d) < margin
        x[close] = p + np.where(d[close] >= 0, margin, -margin)
    return x


def move_from_kinks(distance: Callable[[np.ndarray], Any], y: np.ndarray, margin: float = KINK_MARGIN,
                    clip: tuple[float, float] | None = None) -> np.ndarray:
    """Push ``y`` away from where ``distance(y)`` (a signed kink distance, slope about +-1) vanishes.

    Each pass moves the offending elements by ``2 * margin`` in the direction of their sign, which
    leaves the band for any slope of magnitude >= 1; a point still too close after a few passes (two
    kinks within a margin of each other) is rejected as a last resort.
    """
    y = np.array(y, dtype=np.float64)
    for _ in range(4):
        d = distance(y)
        if d is None:
            return y
        d = np.broadcast_to(np.asarray(d, dtype=np.float64), y.shape)
        close = np.abs(d) < margin
        if not close.any():
            return y
        y = y + np.where(close, np.where(d >= 0, 2 * margin, -2 * margin), 0.0)
        if clip is not None:
            y = np.clip(y, *clip)
    assume(False)
    return y


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@st.composite
def values_of_kind(draw: st.DrawFn, kind: str, batch: int, width: int, steps: tuple[int, ...] = (),
                   scale: float = 1.0, normalised: bool = True) -> np.ndarray:
    """A ``(batch, *steps, width)`` array of values of ``kind`` (``sparse``: ``(batch, *steps)``
    integers). ``scale`` multiplies real values (large logits and regression outputs); with
    ``normalised=False`` distributions are positive rows that do *not* sum to one (each scaled by 0.5
    to 2), for a loss that normalises its predictions itself, as Keras's crossentropy does."""
    shape = (batch, *steps, width)
    if kind == "real":
        return draw(arrays(shape)) * scale
    if kind == "positive":
        return draw(arrays(shape, 0.1, 3.0))
    if kind == "probability":
        return draw(arrays(shape, 0.05, 0.95))
    if kind == "binary":
        return draw(hnp.arrays(np.int8, shape, elements=st.integers(0, 1))).astype(np.float64)
    if kind == "sparse":
        return draw(hnp.arrays(np.int64, shape[:-1], elements=st.integers(0, width - 1)))
    if kind == "one_hot":
        labels = draw(hnp.arrays(np.int64, shape[:-1], elements=st.integers(0, width - 1)))
        return np.eye(width)[labels]
    if kind == "distribution":
        rows = _softmax(draw(arrays(shape)))
        if not normalised:
            rows = rows * draw(arrays(shape[:-1] + (1,), 0.5, 2.0))
        return rows
    raise ArgumentError(f"unknown value kind {kind!r}; known: {', '.join(VALUE_KINDS)}")


def needs_classes(*kinds: str) -> bool:
    return any(k in ("one_hot", "sparse", "distribution") for k in kinds)


@dataclass(frozen=True)
class Targets:
    """Targets and predictions for a loss or a metric."""

    y_true: np.ndarray
    y_pred: np.ndarray


@st.composite
def target_pairs(draw: st.DrawFn, target_kind: str, prediction_kind: str,
                 kink_distance: Callable[[np.ndarray, np.ndarray], Any] | None = None,
                 max_batch: int = 4, ranks: Sequence[int] = (2,), scales: Sequence[float] = (1.0,),
                 normalised: bool = True, margin: float = KINK_MARGIN) -> Targets:
    """Targets of ``target_kind`` and predictions of ``prediction_kind`` of one of ``ranks`` (2: a
    batch of vectors, 3: a batch of sequences), real predictions scaled by one of ``scales``, moved
    off the kinks that ``kink_distance(y_true, y_pred)`` reports."""
    batch = draw(st.integers(1, max_batch))
    width = draw(st.integers(2, 4) if needs_classes(target_kind, prediction_kind) else st.integers(1, 3))
    rank = draw(st.sampled_from(sorted(ranks)))
    steps = tuple(draw(st.integers(1, 3)) for _ in range(rank - 2))
    scale = draw(st.sampled_from(list(scales)))
    y_true = draw(values_of_kind(target_kind, batch, width, steps))
    y_pred = draw(values_of_kind(prediction_kind, batch, width, steps, scale, normalised))
    if kink_distance is not None:
        clip = {"probability": (0.01, 0.99), "positive": (0.01, None)}.get(prediction_kind)
        y_pred = move_from_kinks(lambda p: kink_distance(y_true, p), y_pred, margin,
                                 clip=None if clip is None else (clip[0], clip[1] if clip[1] else np.inf))
    return Targets(y_true, y_pred)


@st.composite
def loss_examples(draw: st.DrawFn, loss: Any) -> Targets:
    """Targets and predictions for ``loss``: of its declared ``target_kind`` and ``prediction_kind``
    (moved off its ``kink_distance``), or, when the loss declares ``conformance_example(rng) ->
    (y_true, y_pred)`` because no value kind describes its inputs (CTC's label sequences and
    per-timestep logits), made by that from a drawn seed.

    Predictions come as a batch of vectors or of sequences (rank 3; a loss accepting only one rank
    declares ``input_ranks = (2,)``), real ones (logits, regression outputs) also at 10 times the
    usual magnitude, and distributions unnormalised where the loss declares ``normalizes_predictions
    = True`` (it divides by their sum, as Keras's categorical crossentropy does). A loss whose
    curvature near a kink is too steep for finite differences at the default margin (cosine
    similarity's, near the zero vector) declares a wider ``kink_margin``."""
    own = getattr(loss, "conformance_example", None)
    if own is not None:
        y_true, y_pred = own(np.random.default_rng(draw(seeds)))
        return Targets(np.asarray(y_true), np.asarray(y_pred, dtype=np.float64))
    kinds = getattr(loss, "target_kind", "real"), getattr(loss, "prediction_kind", "real")
    return draw(target_pairs(*kinds, getattr(loss, "kink_distance", None),
                             ranks=tuple(getattr(loss, "input_ranks", LOSS_RANKS)), scales=LOSS_SCALES,
                             normalised=not getattr(loss, "normalizes_predictions", False),
                             margin=float(getattr(loss, "kink_margin", KINK_MARGIN))))


@st.composite
def activation_inputs(draw: st.DrawFn, kinks: Sequence[float] = (),
                      axis_multiple: tuple[int, int] | None = None) -> np.ndarray:
    """Inputs in [-3, 3] of 1-3 axes (batch first), kept ``KINK_MARGIN`` away from ``kinks``.

    ``axis_multiple = (axis, k)`` (an activation's ``input_axis_multiple``) makes the size along
    ``axis`` a multiple of ``k``: GLU splits its axis in two halves.
    """
    shape = draw(shapes())
    if axis_multiple is not None:
        axis, k = axis_multiple
        if not -len(shape) <= axis < len(shape):
            shape = shape + (1,) * (axis + 1 - len(shape) if axis >= 0 else 0)
        shape = tuple(n * k if i == axis % len(shape) else n for i, n in enumerate(shape))
    return move_from_points(draw(arrays(shape, -3.0, 3.0)), kinks)


#: Numbers of axes a weight has: a bias (1), a Dense kernel (2), convolution kernels (3, 4). An
#: initializer or constraint that accepts fewer (Keras's Identity is 2-D only) declares ``ndims``.
WEIGHT_NDIMS = (1, 2, 3, 4)
#: The compute dtypes a model asks for.
weight_dtypes = st.sampled_from(("float32", "float64"))


@st.composite
def weight_shapes(draw: st.DrawFn, ndims: Sequence[int] = WEIGHT_NDIMS, max_side: int = 8) -> tuple[int, ...]:
    """Weight shapes of one of ``ndims`` axes, each side 1 to ``max_side`` (so a kernel's fan-in and
    fan-out differ); shrinks towards the fewest axes and sides of 1."""
    n = draw(st.sampled_from(sorted(ndims)))
    return tuple(draw(st.integers(1, max_side)) for _ in range(n))


def weights(shape: Any) -> st.SearchStrategy:
    """float64 weights whose entries are 0 or of magnitude 0.05 to 3.

    Exact zeros are where constraints branch (non-negativity, a zero column); magnitudes stay far above
    the epsilon guards of norm denominators (Keras's 1e-7), which change a slice whose norm is
    comparable to them and would make any norm constraint look wrong; up to 3 puts norms on both
    sides of MaxNorm's default limit of 2.
    """
    magnitude = floats(0.05, 3.0)
    return hnp.arrays(np.float64, shape, elements=st.just(0.0) | magnitude | magnitude.map(lambda v: -v))


#: A layer's per-sample input shape: a tuple for one input, a list of tuples for a multi-input layer.
InputShape = tuple[int, ...] | list[tuple[int, ...]]


@dataclass(frozen=True)
class LayerExample:
    """One layer to check: which example config, the per-sample input shape, the input, the seed.

    A multi-input layer's ``input_shape`` is a list of per-sample shapes and its ``x`` a list of
    arrays of one batch size, in the same order.
    """

    config: dict
    input_shape: InputShape
    x: np.ndarray | list[np.ndarray]
    seed: int


@st.composite
def layer_examples(draw: st.DrawFn, configs: Sequence[tuple[dict, InputShape, bool]]) -> LayerExample:
    """``configs`` pairs each example config with a per-sample input shape it is known to accept and
    whether the config fixes that shape.

    Sides grow from that shape by up to 2 (a shape the config fixes stays fixed), so shrinking returns
    to the known-good shape. Several inputs' shapes stay as declared: their sides depend on each other
    (equal for Add, equal but one for Concatenate), which the layer knows and the suite does not, so a
    multi-input layer declares every combination worth checking in ``example_input_shapes``.
    """
    config, base, fixed = draw(st.sampled_from(list(configs)))
    if isinstance(base, list):
        shapes = [tuple(s) for s in base]
        batch = draw(batch_sizes)
        xs = [draw(arrays((batch,) + s)) for s in shapes]
        return LayerExample(config, shapes, xs, draw(seeds))
    if fixed:
        shape = tuple(base)
    else:
        shape = tuple(draw(st.integers(side, side + 2)) for side in base)
    batch = draw(batch_sizes)
    x = draw(arrays((batch,) + shape))
    return LayerExample(config, shape, x, draw(seeds))


@dataclass(frozen=True)
class OptimizerRun:
    """Parameters, a gradient per step for each, and a learning rate."""

    params: dict[str, np.ndarray]
    grads: list[dict[str, np.ndarray]]
    learning_rate: float


@st.composite
def optimizer_runs(draw: st.DrawFn, min_steps: int = 1, max_steps: int = 4) -> OptimizerRun:
    names = ["dense/kernel", "dense/bias"][: draw(st.integers(1, 2))]
    shape_of = {n: draw(hnp.array_shapes(min_dims=1, max_dims=2, max_side=3)) for n in names}
    params = {n: draw(arrays(shape_of[n])) for n in names}
    steps = draw(st.integers(min_steps, max_steps))
    grads = [{n: draw(arrays(shape_of[n])) for n in names} for _ in range(steps)]
    lr = draw(st.sampled_from([0.001, 0.01, 0.1]))
    return OptimizerRun(params, grads, lr)


@dataclass(frozen=True)
class Quadratic:
    """``f(p) = 0.5 * sum(a * (p - c) ** 2)`` with ``a > 0``, started at distance >= 0.5 per element."""

    a: np.ndarray
    c: np.ndarray
    start: np.ndarray

    def value(self, p: np.ndarray) -> float:
        return float(0.5 * np.sum(self.a * (p - self.c) ** 2))

    def gradient(self, p: np.ndarray) -> np.ndarray:
        return self.a * (p - self.c)


@st.composite
def quadratics(draw: st.DrawFn) -> Quadratic:
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=2, max_side=3))
    a = draw(arrays(shape, 0.5, 2.0))
    c = draw(arrays(shape))
    offset = draw(arrays(shape, 0.5, 2.0)) * draw(hnp.arrays(np.int8, shape, elements=st.sampled_from([-1, 1])))
    return Quadratic(a, c, c + offset)


@dataclass(frozen=True)
class MetricStream:
    """Data for a metric, its split into batches, optional sample weights, and a second data set."""

    y_true: np.ndarray
    y_pred: np.ndarray
    sample_weight: np.ndarray | None
    splits: tuple[int, ...]
    other: Targets


@st.composite
def metric_streams(draw: st.DrawFn, target_kind: str, prediction_kind: str) -> MetricStream:
    data = draw(target_pairs(target_kind, prediction_kind, max_batch=8))
    n = data.y_true.shape[0]
    splits = tuple(sorted(draw(st.sets(st.integers(1, max(n - 1, 1)), max_size=3)))) if n > 1 else ()
    # Positive weights: a zero total weight is 0/0, where metrics legitimately differ (nan or 0).
    weights = draw(st.none() | arrays((n,), 0.1, 2.0))
    other = draw(target_pairs(target_kind, prediction_kind))
    return MetricStream(data.y_true, data.y_pred, weights, splits, other)
