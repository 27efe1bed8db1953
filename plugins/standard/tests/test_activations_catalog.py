"""Keras 3's activation catalog as users reach it: ``neuropil.activations.<name>(x, ...)`` returning
arrays, ``get`` resolving names (and None to linear), values against SciPy or the formula written out
here in float64 (bisection for sparsemax's threshold). Gradients are checked by the conformance suite
(tests/test_conformance_standard.py) for every registered activation."""
from __future__ import annotations

import math
from collections.abc import Callable

import neuropil
import neuropil.activations as A
import numpy as np
import pytest
from neuropil.errors import ArgumentError, InputValidationError
from neuropil.layers import Dense
from scipy.special import expit, log_expit, log_softmax, softmax

X = np.linspace(-7.0, 7.0, 57)  # includes -6, -3, -1, -0.5, 0, 0.5, 1, 3, 6: every piece's edge

FORMULAS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "softsign": lambda x: x / (1 + np.abs(x)),
    "hard_sigmoid": lambda x: np.minimum(np.maximum(x + 3, 0), 6) / 6,
    "sparse_sigmoid": lambda x: np.where(x <= -1, 0.0, np.where(x >= 1, 1.0, (x + 1) / 2)),
    "log_sigmoid": log_expit,
    "hard_silu": lambda x: x * np.minimum(np.maximum(x + 3, 0), 6) / 6,
    "hard_swish": lambda x: x * np.minimum(np.maximum(x + 3, 0), 6) / 6,
    "relu6": lambda x: np.minimum(np.maximum(x, 0), 6),
    "celu": lambda x: np.maximum(x, 0) + np.minimum(np.exp(x) - 1, 0),
    "tanh_shrink": lambda x: x - np.tanh(x),
    "hard_tanh": lambda x: np.clip(x, -1, 1),
    "hard_shrink": lambda x: np.where(np.abs(x) > 0.5, x, 0.0),
    "soft_shrink": lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0.0)),
    "squareplus": lambda x: (x + np.sqrt(x * x + 4)) / 2,
    "sparse_plus": lambda x: np.where(x <= -1, 0.0, np.where(x < 1, (x + 1) ** 2 / 4, x)),
    "exponential": np.exp,
    "mish": lambda x: x * np.tanh(np.log1p(np.exp(x))),
}


@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_elementwise_activations_match_their_formulas(name: str) -> None:
    expected = FORMULAS[name](X)
    np.testing.assert_allclose(getattr(A, name)(X), expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(A.get(name)(X), expected, rtol=1e-12, atol=1e-15)  # the instance agrees


def test_activations_with_arguments_match_their_formulas() -> None:
    np.testing.assert_allclose(A.celu(X, alpha=2.0), np.maximum(X, 0) + 2 * np.minimum(np.expm1(X / 2), 0),
                               rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(A.hard_shrink(X, threshold=1.2), np.where(np.abs(X) > 1.2, X, 0.0))
    np.testing.assert_allclose(A.soft_shrink(X, threshold=2.0),
                               np.sign(X) * np.maximum(np.abs(X) - 2.0, 0.0), atol=1e-15)
    np.testing.assert_allclose(A.threshold(X, threshold=0.3, default_value=-2.0), np.where(X > 0.3, X, -2.0))
    np.testing.assert_allclose(A.threshold(X, 0.3, -2.0), np.where(X > 0.3, X, -2.0))  # Keras's positional order
    np.testing.assert_allclose(A.squareplus(X, b=0.5), (X + np.sqrt(X * X + 0.5)) / 2, rtol=1e-12)


def test_relu_is_callable_the_keras_way() -> None:
    x = np.array([-10.0, -5.0, 0.0, 5.0, 10.0])
    # keras.activations.relu documentation example
    np.testing.assert_allclose(A.relu(x), [0.0, 0.0, 0.0, 5.0, 10.0])
    np.testing.assert_allclose(A.relu(x, negative_slope=0.5), [-5.0, -2.5, 0.0, 5.0, 10.0])
    np.testing.assert_allclose(A.relu(x, max_value=5.0), [0.0, 0.0, 0.0, 5.0, 5.0])
    np.testing.assert_allclose(A.relu(x, threshold=5.0), [-0.0, -0.0, 0.0, 0.0, 10.0])
    assert isinstance(A.relu([1, -2]), np.ndarray)  # lists (and integers) become floatx arrays
    assert A.relu([1, -2]).dtype == np.dtype(neuropil.config.floatx())
    assert A.relu(np.float32([1.0])).dtype == np.float32  # an array keeps its dtype


def test_registry_keeps_resolving_names_instances_and_none() -> None:
    assert type(A.get("hard_swish")).__name__ == "HardSiLU"
    assert type(A.get("HardSiLU")).__name__ == "HardSiLU"
    relu6 = A.get("relu6")
    assert A.get(relu6) is relu6
    assert A.get(None).name == "linear"  # as keras.activations.get(None)
    assert A.ReLU6.__name__ == "ReLU6"  # CamelCase: the class
    assert type(A.get(A.mish)).__name__ == "Mish"  # a Keras function resolves to its own class
    assert A.serialize(A.relu6) == {"class_name": "relu6", "config": {}}  # and saves as its class


def test_log_softmax_and_softmax_over_one_or_several_axes() -> None:
    x = np.random.default_rng(0).normal(size=(2, 3, 4)) * 3
    for axis in (-1, 0, (1, 2), [0, 2]):
        scipy_axis = tuple(axis) if isinstance(axis, list) else axis
        np.testing.assert_allclose(A.log_softmax(x, axis=axis), log_softmax(x, axis=scipy_axis), rtol=1e-12)
        np.testing.assert_allclose(A.softmax(x, axis=axis), softmax(x, axis=scipy_axis), rtol=1e-12)
    assert A.get("softmax", axis=(1, 2)).get_config() == {"axis": [1, 2]}  # JSON-friendly


def test_glu_gates_the_first_half_with_the_second() -> None:
    x = np.random.default_rng(1).normal(size=(3, 6))
    np.testing.assert_allclose(A.glu(x), x[:, :3] * expit(x[:, 3:]), rtol=1e-12)
    tall = np.random.default_rng(2).normal(size=(4, 3))
    np.testing.assert_allclose(A.glu(tall, axis=0), tall[:2] * expit(tall[2:]), rtol=1e-12)
    with pytest.raises(InputValidationError, match=r"glu .*even.*\(3, 5\)"):
        A.glu(np.zeros((3, 5)))


def _sparsemax_by_bisection(z: np.ndarray) -> np.ndarray:
    """The projection onto the simplex: ``max(z - tau, 0)`` with ``tau`` solving
    ``sum(max(z - tau, 0)) = 1``, found by bisection (the function is decreasing in ``tau``)."""
    low, high = z.min() - 1.0, z.max()
    for _ in range(200):
        tau = (low + high) / 2
        if np.maximum(z - tau, 0).sum() > 1:
            low = tau
        else:
            high = tau
    return np.maximum(z - (low + high) / 2, 0)


def test_sparsemax_is_the_projection_onto_the_simplex() -> None:
    z = np.random.default_rng(2).normal(size=(5, 6)) * 2
    expected = np.stack([_sparsemax_by_bisection(row) for row in z])
    got = A.sparsemax(z)
    np.testing.assert_allclose(got, expected, atol=1e-12)
    np.testing.assert_allclose(got.sum(axis=-1), 1.0, rtol=1e-12)
    assert (got == 0).any()  # sparse, unlike softmax
    np.testing.assert_allclose(A.sparsemax(z.T, axis=0), got.T, atol=1e-12)


def test_activations_stay_finite_for_huge_float32_inputs() -> None:
    x = np.array([-1e4, -50.0, 50.0, 1e4], dtype=np.float32)
    for name in ("log_sigmoid", "mish", "softsign", "celu", "squareplus", "tanh_shrink", "hard_silu"):
        y = getattr(A, name)(x)
        assert y.dtype == np.float32 and np.isfinite(y).all(), name
    np.testing.assert_allclose(A.log_sigmoid(x), log_expit(x.astype(np.float64)), rtol=1e-6)


def test_bad_arguments_name_the_activation_and_the_argument() -> None:
    with pytest.raises(ArgumentError, match=r"CELU.*alpha.*0"):
        A.get("celu", alpha=0.0)
    with pytest.raises(ArgumentError, match=r"HardShrink.*threshold"):
        A.get("hard_shrink", threshold=-1.0)
    with pytest.raises(ArgumentError, match=r"Squareplus.*b"):
        A.get("squareplus", b=-1)
    with pytest.raises(TypeError):
        A.get("threshold")  # Keras requires threshold and default_value


def test_dense_activation_set_to_none_is_linear_on_the_next_call() -> None:
    layer = Dense(3, activation="relu", bias_initializer="random_normal", dtype="float64")
    layer.ensure_built((4,), neuropil.backends.get("numpy"), np.random.default_rng(0))
    x = np.random.default_rng(3).normal(size=(6, 4))
    kernel, bias = layer.get_weights()
    np.testing.assert_allclose(layer(x), np.maximum(x @ kernel + bias, 0), rtol=1e-12)
    layer.activation = None
    np.testing.assert_allclose(layer(x), x @ kernel + bias, rtol=1e-12)
    assert layer.get_config()["activation"] == "linear"
    layer.activation = A.tanh  # a Keras function, as keras.layers.Dense takes one
    np.testing.assert_allclose(layer(x), np.tanh(x @ kernel + bias), rtol=1e-12)
    assert type(layer.activation).__name__ == "Tanh"


def test_celu_slope_is_continuous_at_zero() -> None:
    _, backward = A.get("celu", alpha=0.7).forward(np.array([-1e-9, 1e-9]))
    np.testing.assert_allclose(backward(np.ones(2)), [1.0, 1.0], rtol=1e-6)
    assert math.isclose(float(A.celu(np.array([-1e-9]), alpha=0.7)[0]), -1e-9, rel_tol=1e-6)
