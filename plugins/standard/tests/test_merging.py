"""The merge layers (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot) against
the direct float64 references of ``neuropil_standard.layers.reference_merging`` (loops over every
output element, which map each to its input elements by Keras's broadcasting rule independently of
NumPy broadcasting; loops over samples for Dot), and central differences of those references for
every input's gradient. Plus Keras's documented examples, the tie rule of Maximum/Minimum, dtypes,
configs and the errors."""
from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from typing import Any

import neuropil
import numpy as np
import pytest
from finite_differences import central_difference
from neuropil.errors import ArgumentError, ArgumentTypeError, LayerError
from neuropil.layers import Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract
from neuropil.plugin_system.namespace import resolve, serialize
from neuropil_standard.layers.reference_merging import OPERATIONS, concatenate_loop, dot_loop, elementwise_loop


def build(layer: Any, shapes: list[tuple[int, ...]], dtype: str = "float64") -> Any:
    layer.dtype = dtype
    layer.ensure_built(shapes, neuropil.backends.get("numpy"), np.random.default_rng(0))
    return layer


def samples(shapes: list[tuple[int, ...]], batch: int = 2, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(batch, *s)) for s in shapes]


# -- references ------------------------------------------------------------------------------------
def gradients_of(reference: Callable[[list[np.ndarray]], np.ndarray], xs: list[np.ndarray],
                 dy: np.ndarray) -> list[np.ndarray]:
    """d sum(reference(xs) * dy) / d xs[i], by central differences of the reference."""
    work = [x.copy() for x in xs]
    return [central_difference(lambda: float(np.sum(reference(work) * dy)), w) for w in work]


OPS: dict[type, Callable[[list[float]], float]] = {
    cls: OPERATIONS[cls.__name__] for cls in (Add, Subtract, Multiply, Average, Maximum, Minimum)}


def check_against(layer: Any, xs: list[np.ndarray], reference: Callable[[list[np.ndarray]], np.ndarray]) -> None:
    """Output equals the reference, each input's gradient its central difference, shapes agree."""
    build(layer, [x.shape[1:] for x in xs])
    y, backward = layer.forward(xs)
    expected = reference(xs)
    assert y.shape == expected.shape and layer.output_shape == y.shape[1:]
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12)
    dy = np.random.default_rng(3).normal(size=y.shape)
    dxs = backward(dy)
    assert len(dxs) == len(xs)
    for dx, want, x in zip(dxs, gradients_of(reference, xs, dy), xs):
        assert dx.shape == x.shape
        np.testing.assert_allclose(dx, want, rtol=1e-6, atol=1e-8)


# -- elementwise ------------------------------------------------------------------------------------
SHAPES = [
    [(3,), (3,)],
    [(2, 3), (2, 3), (2, 3)],
    [(2, 3), (1, 3)],          # a side of 1 stretches
    [(4, 2), (2,)],            # a lower rank gains a leading side of 1
    [(2, 1, 3), (1, 4, 1)],    # both stretch
]


@pytest.mark.parametrize("cls", [Add, Multiply, Average, Maximum, Minimum], ids=lambda c: c.__name__)
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
def test_elementwise_merges_match_a_loop_and_its_central_differences(cls: type, shapes: list) -> None:
    op = OPS[cls]
    check_against(cls(), samples(shapes), lambda xs: elementwise_loop(op, xs))


@pytest.mark.parametrize("shapes", [[(3,), (3,)], [(2, 3), (1, 3)], [(4, 2), (2,)]], ids=str)
def test_subtract_matches_a_loop(shapes: list) -> None:
    check_against(Subtract(), samples(shapes), lambda xs: elementwise_loop(OPS[Subtract], xs))


def test_one_input_is_merged_as_itself_without_aliasing_it() -> None:
    """Keras 3 merges a list of one input; the output is a new array, not the caller's."""
    for cls in (Add, Multiply, Average, Maximum, Minimum):
        (x,) = samples([(3,)])
        y = build(cls(), [(3,)])([x])
        np.testing.assert_array_equal(y, x)
        assert y is not x and not np.shares_memory(y, x)


def test_add_gives_each_input_its_own_gradient_array() -> None:
    """A graph may accumulate into one input's gradient in place: it must not reach another's."""
    layer = build(Add(), [(2,), (2,), (2,)])
    _, backward = layer.forward(samples([(2,), (2,), (2,)]))
    dxs = backward(np.ones((2, 2)))
    assert not any(np.shares_memory(a, b) for a, b in itertools.combinations(dxs, 2))


def test_maximum_and_minimum_send_a_tied_gradient_to_the_first_tied_input() -> None:
    a = np.array([[1.0, 5.0, 2.0]])
    b = np.array([[1.0, 3.0, 7.0]])
    c = np.array([[0.0, 5.0, 7.0]])
    dy = np.array([[10.0, 20.0, 30.0]])
    _, backward = build(Maximum(), [(3,)] * 3).forward([a, b, c])
    da, db, dc = backward(dy)
    np.testing.assert_array_equal(da, [[10.0, 20.0, 0.0]])  # ties at 0 (a, b) and 1 (a, c) go to a
    np.testing.assert_array_equal(db, [[0.0, 0.0, 30.0]])   # the tie at 2 (b, c) goes to b
    np.testing.assert_array_equal(dc, [[0.0, 0.0, 0.0]])
    y, backward = build(Minimum(), [(3,)] * 2).forward([a, b])
    np.testing.assert_array_equal(y, [[1.0, 3.0, 2.0]])
    da, db = backward(dy)
    np.testing.assert_array_equal(da, [[10.0, 0.0, 30.0]])
    np.testing.assert_array_equal(db, [[0.0, 20.0, 0.0]])


def test_keras_documented_merge_results() -> None:
    """Keras's docstring examples: ``Add()([x1, x2])``, ``Subtract`` of two inputs, ``Average`` of two
    and ``Maximum``/``Minimum``/``Multiply`` of ``np.arange(10).reshape(5, 2)`` and
    ``np.arange(10, 20).reshape(5, 2)``: the elementwise results of those arrays."""
    x1, x2 = np.arange(10.0).reshape(5, 2), np.arange(10.0, 20.0).reshape(5, 2)
    for cls, want in [(Add, x1 + x2), (Subtract, x1 - x2), (Multiply, x1 * x2), (Average, (x1 + x2) / 2),
                      (Maximum, x2), (Minimum, x1)]:
        np.testing.assert_array_equal(build(cls(), [(2,), (2,)])([x1, x2]), want)


@pytest.mark.parametrize("cls", [Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate],
                         ids=lambda c: c.__name__)
def test_float32_stays_float32(cls: type) -> None:
    layer = build(cls(), [(3,), (3,)], dtype="float32")
    xs = [x.astype(np.float32) for x in samples([(3,), (3,)])]
    y, backward = layer.forward(xs)
    assert y.dtype == np.float32
    assert all(dx.dtype == np.float32 for dx in backward(np.ones_like(y)))


# -- Concatenate -------------------------------------------------------------------------------------
@pytest.mark.parametrize("axis, shapes", [
    (-1, [(3,), (2,)]), (-1, [(2, 3), (2, 1), (2, 2)]), (1, [(1, 3), (3, 3)]), (-2, [(1, 3), (3, 3)]),
    (2, [(2, 2, 3), (2, 1, 3)]), (3, [(2, 2, 3), (2, 2, 1)]),
], ids=str)
def test_concatenate_matches_a_loop(axis: int, shapes: list) -> None:
    check_against(Concatenate(axis=axis), samples(shapes), lambda xs: concatenate_loop(xs, axis))


def test_concatenate_keras_example() -> None:
    """Keras: ``Concatenate(axis=1)`` of ``np.arange(20).reshape(2, 2, 5)`` and
    ``np.arange(20, 30).reshape(2, 1, 5)`` gives shape (2, 3, 5): each sample's rows, then the other's."""
    x, y = np.arange(20.0).reshape(2, 2, 5), np.arange(20.0, 30.0).reshape(2, 1, 5)
    out = build(Concatenate(axis=1), [(2, 5), (1, 5)])([x, y])
    assert out.shape == (2, 3, 5)
    np.testing.assert_array_equal(out[0], [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [20, 21, 22, 23, 24]])
    np.testing.assert_array_equal(out[1], [[10, 11, 12, 13, 14], [15, 16, 17, 18, 19], [25, 26, 27, 28, 29]])


# -- Dot -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("normalize", [False, True])
@pytest.mark.parametrize("axes, shapes", [
    (1, [(3,), (3,)]), (-1, [(2, 3), (4, 3)]), (1, [(3, 2), (3, 4)]), ((1, 2), [(2, 3), (3, 2)]),
    ((2, 1), [(2, 3), (3, 2)]), (-1, [(3,), (2, 3)]), ((1, 2), [(4,), (2, 4)]), ((-2, -1), [(2, 3, 2), (2, 3)]),
], ids=str)
def test_dot_matches_a_loop_over_samples(axes: Any, shapes: list, normalize: bool) -> None:
    check_against(Dot(axes=axes, normalize=normalize), samples(shapes, batch=3),
                  lambda xs: dot_loop(xs, axes, normalize))


def test_dot_with_normalize_is_the_cosine_similarity() -> None:
    x1, x2 = samples([(4,), (4,)], batch=5)
    cosine = np.array([[a @ b / (np.linalg.norm(a) * np.linalg.norm(b))] for a, b in zip(x1, x2)])
    np.testing.assert_allclose(build(Dot(axes=1, normalize=True), [(4,), (4,)])([x1, x2]), cosine, rtol=1e-12)


def test_dot_of_an_all_zero_slice_stays_finite() -> None:
    """Keras's floor under the norm: a zero vector normalises to zero, its gradient is finite (the
    divisor is the constant 1e-7 there)."""
    x1, x2 = np.zeros((1, 3)), np.array([[1.0, 2.0, 2.0]])
    layer = build(Dot(axes=1, normalize=True), [(3,), (3,)])
    y, backward = layer.forward([x1, x2])
    np.testing.assert_array_equal(y, [[0.0]])
    d1, d2 = backward(np.ones((1, 1)))
    np.testing.assert_allclose(d1, x2 / 3.0 / 1e-7)
    np.testing.assert_array_equal(d2, np.zeros((1, 3)))


def test_dot_keras_example() -> None:
    """Keras's docstring: ``Dot(axes=(1, 2))`` of ``np.arange(10).reshape(1, 5, 2)`` and
    ``np.arange(10, 20).reshape(1, 2, 5)`` is ``[[[260, 360], [320, 445]]]``."""
    x, y = np.arange(10.0).reshape(1, 5, 2), np.arange(10.0, 20.0).reshape(1, 2, 5)
    out = build(Dot(axes=(1, 2)), [(5, 2), (2, 5)])([x, y])
    np.testing.assert_array_equal(out, [[[260.0, 360.0], [320.0, 445.0]]])


# -- configs ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("layer, shapes", [
    (Add(name="sum_of_two"), [(3,), (3,)]), (Concatenate(axis=1), [(1, 3), (2, 3)]),
    (Dot(axes=(1, 2), normalize=True), [(2, 3), (3, 2)]), (Dot(axes=-1), [(3,), (3,)]), (Maximum(), [(2,), (2,)]),
], ids=lambda v: type(v).__name__ if not isinstance(v, list) else str(v))
def test_config_round_trips_through_the_registry_as_json(layer: Any, shapes: list) -> None:
    saved = serialize("layers", layer)
    loaded = resolve("layers", json.loads(json.dumps(saved)), None)
    assert type(loaded) is type(layer) and loaded.get_config() == layer.get_config()
    xs = samples(shapes)
    np.testing.assert_array_equal(build(loaded, shapes)(xs), build(layer, shapes)(xs))


def test_keras_config_keys() -> None:
    assert Concatenate().get_config()["axis"] == -1
    assert {"axes": 1, "normalize": False}.items() <= Dot(axes=1).get_config().items()
    assert Dot(axes=(1, 2)).get_config()["axes"] == [1, 2]


# -- errors ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("make, words", [
    (lambda: Concatenate(axis=0), ["Concatenate", "axis", "not 0", "axis=0"]),
    (lambda: Concatenate(axis=1.5), ["Concatenate", "axis", "integer", "1.5"]),
    (lambda: Dot(axes=0), ["Dot", "axes", "not 0"]),
    (lambda: Dot(axes=(1, 2, 3)), ["Dot", "axes", "pair", "(1, 2, 3)"]),
    (lambda: Dot(axes="last"), ["Dot", "axes", "'last'"]),
    (lambda: Dot(axes=(1, "2")), ["Dot", "axes[1]", "'2'"]),
    (lambda: Dot(axes=1, normalize="yes"), ["Dot", "normalize", "True or False", "'yes'"]),
])
def test_bad_arguments_fail_at_construction(make: Callable[[], Any], words: list) -> None:
    with pytest.raises((ArgumentError, ArgumentTypeError)) as info:
        make()
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize("layer, shapes, words", [
    (Add(name="residual"), [(3,), (4,)], ["'residual'", "(Add)", "broadcast", "[(3,), (4,)]"]),
    (Multiply(), [(2, 3), (3, 3)], ["(Multiply)", "[(2, 3), (3, 3)]"]),
    (Subtract(), [(3,)], ["(Subtract)", "exactly 2", "received 1"]),
    (Subtract(), [(3,), (3,), (3,)], ["exactly 2", "received 3"]),
    (Dot(axes=1), [(3,)], ["(Dot)", "exactly 2", "received 1"]),
    (Add(), [], ["(Add)", "at least 1"]),
    (Add(), (3,), ["(Add)", "list", "not a list of shapes"]),
    (Concatenate(), [(2, 3), (3, 2)], ["(Concatenate)", "axis=-1", "equal sides except", "[(2, 3), (3, 2)]"]),
    (Concatenate(), [(2, 3), (3,)], ["(Concatenate)", "one rank"]),
    (Concatenate(axis=3), [(2, 3), (2, 3)], ["axis=3", "axis 3 besides the batch"]),
    (Dot(axes=1), [(3,), (4,)], ["(Dot)", "equal sides along the dot axes", "sides 3 and 4"]),
    (Dot(axes=(1, 3)), [(3,), (3, 2)], ["(Dot)", "axis 3 besides the batch"]),
])
def test_incompatible_inputs_fail_when_built(layer: Any, shapes: Any, words: list) -> None:
    with pytest.raises(LayerError) as info:
        build(layer, shapes)
    assert isinstance(info.value, ValueError)
    for word in words:
        assert word in str(info.value), str(info.value)


def test_a_single_array_or_mismatched_batches_fail_when_called() -> None:
    layer = build(Add(), [(3,), (3,)])
    with pytest.raises(LayerError, match="list of at least 1 inputs, received a single ndarray"):
        layer.forward(np.zeros((2, 3)))
    with pytest.raises(LayerError, match="different batch sizes"):
        layer.forward([np.zeros((2, 3)), np.zeros((3, 3))])
    with pytest.raises(LayerError, match="expects inputs of per-sample shape"):
        layer.ensure_built([(4,), (4,)], layer.backend, np.random.default_rng(0))
