"""The standard activations, reached the way users reach them (``neuropil.activations.get``): Keras's
formulas and defaults, backward passes that match central differences in float64, and stability for
inputs of any magnitude."""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import neuropil.activations as A
import numpy as np
import pytest
from finite_differences import central_difference
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

ALL = ["sigmoid", "tanh", "relu", "leaky_relu", "softmax", "linear", "elu", "selu", "gelu", "swish",
       "softplus"]
#: Name and constructor arguments of every configuration whose backward is checked.
CONFIGURATIONS: list[tuple[str, dict[str, Any]]] = [(name, {}) for name in ALL] + [
    ("relu", {"negative_slope": 0.1}),
    ("relu", {"max_value": 1.5}),
    ("relu", {"threshold": 0.5, "negative_slope": 0.3}),
    ("relu", {"threshold": -0.5, "max_value": 2.0}),
    ("leaky_relu", {"negative_slope": 0.01}),
    ("leaky_relu", {"negative_slope": 1.5}),
    ("elu", {"alpha": 0.5}),
    ("gelu", {"approximate": True}),
    ("softmax", {"axis": 0}),
]
SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def sigmoid(v: float) -> float:
    return 1 / (1 + math.exp(-v)) if v >= 0 else math.exp(v) / (1 + math.exp(v))


#: Keras's documented formulas, one scalar at a time with the math module: an independent reference.
ELEMENTWISE_REFERENCE: dict[str, Callable[[float], float]] = {
    "sigmoid": sigmoid,
    "tanh": math.tanh,
    "relu": lambda v: max(v, 0.0),
    "leaky_relu": lambda v: v if v >= 0 else 0.2 * v,
    "linear": lambda v: v,
    "elu": lambda v: v if v > 0 else math.exp(v) - 1,
    "selu": lambda v: SELU_SCALE * (v if v > 0 else SELU_ALPHA * (math.exp(v) - 1)),
    "gelu": lambda v: 0.5 * v * (1 + math.erf(v / math.sqrt(2))),
    "swish": lambda v: v * sigmoid(v),
    "softplus": lambda v: math.log1p(math.exp(-abs(v))) + max(v, 0.0),
}


def central_difference_vjp(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray,
                           upstream: np.ndarray) -> np.ndarray:
    """d sum(upstream * f(x)) / dx by central differences (on a copy of ``x``)."""
    point = x.copy()
    return central_difference(lambda: (upstream * f(point)).sum(), point)


def away_from_kinks(x: np.ndarray, kinks: tuple[float, ...], margin: float = 1e-3) -> np.ndarray:
    """``x`` with entries within ``margin`` of a kink moved to ``margin`` beyond it."""
    x = x.copy()
    for kink in kinks:
        close = np.abs(x - kink) < margin
        x[close] = kink + margin * 2
    return x


def test_every_keras_name_and_spelling_resolves_to_a_fresh_instance() -> None:
    for name in ALL:
        activation = A.get(name)
        assert activation.name == name
        assert A.get(name) is not activation
    assert A.get("ReLU").name == "relu"
    assert A.get("LeakyReLU").name == "leaky_relu"
    assert A.get("silu").name == "swish"
    assert A.get("GELU", approximate=True).approximate is True


@pytest.mark.parametrize("name", sorted(ELEMENTWISE_REFERENCE))
def test_values_match_the_keras_formulas(name: str) -> None:
    x = np.array([[-6.0, -2.5, -1.0, -0.3, 0.0], [0.2, 0.7, 1.0, 3.0, 8.0]])
    expected = np.vectorize(ELEMENTWISE_REFERENCE[name])(x)
    np.testing.assert_allclose(A.get(name)(x), expected, rtol=1e-13, atol=1e-15)


def test_softmax_matches_its_formula_along_the_chosen_axis() -> None:
    x = np.array([[1.0, 2.0, 3.0], [-1.0, 0.0, 5.0]])
    by_row = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    by_column = np.exp(x) / np.exp(x).sum(axis=0, keepdims=True)
    np.testing.assert_allclose(A.get("softmax")(x), by_row, rtol=1e-14)
    np.testing.assert_allclose(A.get("softmax", axis=0)(x), by_column, rtol=1e-14)


def test_relu_options_follow_keras() -> None:
    x = np.array([-3.0, -1.0, -0.25, 0.25, 0.75, 1.0, 2.0, 7.0])
    # Keras: max_value where x >= max_value, x where threshold <= x < max_value, else
    # negative_slope * (x - threshold).
    def keras_relu(v: float, negative_slope: float, max_value: float | None, threshold: float) -> float:
        if max_value is not None and v >= max_value:
            return max_value
        return v if v > threshold else negative_slope * (v - threshold)

    for kwargs in ({"max_value": 6.0}, {"negative_slope": 0.1}, {"threshold": 0.5},
                   {"negative_slope": 0.2, "max_value": 1.0, "threshold": 0.5}):
        full = {"negative_slope": 0.0, "max_value": None, "threshold": 0.0, **kwargs}
        expected = [keras_relu(v, **full) for v in x]
        np.testing.assert_allclose(A.get("relu", **kwargs)(x), expected, err_msg=str(kwargs))


def test_leaky_relu_defaults_to_keras_3_slope() -> None:
    assert A.get("leaky_relu").negative_slope == 0.2
    np.testing.assert_allclose(A.get("leaky_relu")(np.array([-10.0, 10.0])), [-2.0, 10.0])


def test_exact_gelu_is_accurate_across_the_range() -> None:
    special = pytest.importorskip("scipy.special")
    x = np.linspace(-12, 12, 20001)
    exact = x * special.ndtr(x)
    got = A.get("gelu")(x)
    # x**2 * eps is the conditioning of Phi in the tail: no formula on rounded inputs does better.
    np.testing.assert_array_less(np.abs(got - exact), 4 * (1 + x * x) * np.finfo(float).eps * np.abs(exact) + 1e-300)
    got32 = A.get("gelu")(x.astype(np.float32)).astype(float)
    exact32 = x.astype(np.float32).astype(float) * special.ndtr(x.astype(np.float32).astype(float))
    tolerance = 4 * (1 + x * x) * np.finfo(np.float32).eps * np.abs(exact32) + 1e-37
    np.testing.assert_array_less(np.abs(got32 - exact32), tolerance)


def test_approximate_gelu_is_the_tanh_form() -> None:
    x = np.linspace(-5, 5, 11)
    tanh_form = 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))
    np.testing.assert_allclose(A.get("gelu", approximate=True)(x), tanh_form, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize(("name", "kwargs"), CONFIGURATIONS, ids=lambda v: str(v))
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_backward_matches_central_differences(name: str, kwargs: dict[str, Any], data: st.DataObject) -> None:
    activation = A.get(name, **kwargs)
    shape = data.draw(hnp.array_shapes(min_dims=2, max_dims=2, max_side=4), label="shape")
    x = data.draw(hnp.arrays(np.float64, shape, elements=st.floats(-6, 6)), label="x")
    x = away_from_kinks(x, activation.kinks)
    upstream = np.random.default_rng(0).normal(size=shape)
    y, backward = activation.forward(x)
    expected = central_difference_vjp(lambda v: activation.forward(v)[0], x, upstream)
    np.testing.assert_allclose(backward(upstream), expected, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_huge_inputs_stay_finite_without_warnings(name: str, dtype: type) -> None:
    # RuntimeWarnings (overflow, invalid value) are errors in this test suite.
    x = np.array([[-1e4, -100.0, -20.0, 0.0, 20.0, 100.0, 1e4]], dtype=dtype)
    y, backward = A.get(name).forward(x)
    dx = backward(np.ones_like(x))
    assert np.isfinite(y).all() and np.isfinite(dx).all()
    assert y.dtype == dtype and dx.dtype == dtype


def test_saturated_values_are_the_limits() -> None:
    x = np.array([-1e4, 1e4], dtype=np.float32)
    np.testing.assert_allclose(A.get("sigmoid")(x), [0.0, 1.0], rtol=0, atol=1e-30)
    np.testing.assert_allclose(A.get("softplus")(x), [0.0, 1e4], rtol=0, atol=1e-30)
    np.testing.assert_allclose(A.get("swish")(x), [0.0, 1e4], rtol=0, atol=1e-30)
    np.testing.assert_allclose(A.get("softmax")(x), [0.0, 1.0], rtol=0, atol=1e-30)


def test_sigmoid_keeps_relative_accuracy_in_both_tails() -> None:
    x = np.linspace(-700, 700, 14001)
    # Written out: exp(x) / (1 + exp(x)) below 0 never overflows; 1 / (1 + exp(-x)) above 0 neither.
    reference = np.array([math.exp(v) / (1 + math.exp(v)) if v < 0 else 1 / (1 + math.exp(-v)) for v in x])
    np.testing.assert_allclose(A.get("sigmoid")(x), reference, rtol=1e-14, atol=0)


@pytest.mark.parametrize(("name", "kwargs"), CONFIGURATIONS, ids=lambda v: str(v))
def test_forward_and_backward_leave_their_inputs_alone(name: str, kwargs: dict[str, Any]) -> None:
    x = np.random.default_rng(3).normal(size=(3, 4)).astype(np.float32)
    dy = np.random.default_rng(4).normal(size=(3, 4)).astype(np.float32)
    x_before, dy_before = x.copy(), dy.copy()
    y, backward = A.get(name, **kwargs).forward(x)
    dx = backward(dy)
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(dy, dy_before)
    assert y.dtype == np.float32 and dx.dtype == np.float32


@pytest.mark.parametrize(("name", "kwargs"), CONFIGURATIONS, ids=lambda v: str(v))
def test_config_rebuilds_the_same_activation(name: str, kwargs: dict[str, Any]) -> None:
    activation = A.get(name, **kwargs)
    config = A.serialize(activation)
    rebuilt = A.deserialize(config)
    assert type(rebuilt) is type(activation)
    x = np.linspace(-3, 3, 12).reshape(3, 4)
    np.testing.assert_array_equal(rebuilt(x), activation(x))


def test_kinks_are_declared_where_the_slope_jumps() -> None:
    assert A.get("relu").kinks == (0.0,)
    assert A.get("leaky_relu").kinks == (0.0,)
    assert set(A.get("relu", max_value=6.0).kinks) == {0.0, 6.0}
    assert A.get("sigmoid").kinks == ()
