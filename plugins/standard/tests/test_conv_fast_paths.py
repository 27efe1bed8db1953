"""The speed paths of the convolution layers (bench/convnet.py): the input gradient computed one
kernel tap at a time, and a plain relu applied in place on the layer's own pre-activation. Each is
checked against a direct float64 loop, written here from the definition of the convolution."""
from __future__ import annotations

import itertools
from typing import Any

import neuropil
import neuropil.activations
import neuropil.layers
import numpy as np
import pytest


def build(layer: Any, input_shape: tuple[int, ...]) -> Any:
    layer.ensure_built(input_shape, neuropil.backends.get("numpy"), np.random.default_rng(0))
    rng = np.random.default_rng(1)
    layer.set_weights([rng.standard_normal(w.shape) for w in layer.get_weights()])
    return layer


def loop_input_gradient(dy: np.ndarray, kernel: np.ndarray, x_shape: tuple[int, ...], strides: tuple[int, int],
                        dilation: tuple[int, int], before: tuple[int, int]) -> np.ndarray:
    """d(sum(dy * conv(x)))/dx of a channels-last 2-D cross-correlation, one term at a time: output
    ``(n, i, j, f)`` read input ``(i * s + a * d - before, ...)`` through kernel tap ``(a, b)``."""
    dx = np.zeros(x_shape)
    batch, rows, cols, filters = dy.shape
    kh, kw, channels, _ = kernel.shape
    for n, i, j, a, b in itertools.product(range(batch), range(rows), range(cols), range(kh), range(kw)):
        r = i * strides[0] + a * dilation[0] - before[0]
        c = j * strides[1] + b * dilation[1] - before[1]
        if 0 <= r < x_shape[1] and 0 <= c < x_shape[2]:
            dx[n, r, c] += kernel[a, b] @ dy[n, i, j]
    return dx


@pytest.mark.parametrize(("config", "shape", "before"), [
    ({"kernel_size": 3}, (6, 5, 2), (0, 0)),
    ({"kernel_size": (3, 2), "strides": (2, 1), "padding": "same"}, (7, 5, 3), (1, 0)),
    ({"kernel_size": 2, "dilation_rate": (2, 1), "padding": "same"}, (5, 4, 2), (1, 0)),
])
def test_the_input_gradient_matches_the_loop_adjoint(config: dict, shape: tuple[int, ...],
                                                     before: tuple[int, int]) -> None:
    layer = build(neuropil.layers.Conv2D(filters=3, **config), shape)
    x = np.random.default_rng(2).standard_normal((2, *shape))
    y, backward = layer.forward(x, training=True)
    dy = np.random.default_rng(3).standard_normal(y.shape)
    strides = layer.strides
    expected = loop_input_gradient(dy, layer.params["kernel"], x.shape, strides, layer.dilation_rate, before)
    np.testing.assert_allclose(backward(dy), expected, rtol=1e-10, atol=1e-10)


def test_a_relu_convolution_equals_relu_of_the_linear_convolution_and_leaves_its_input_alone() -> None:
    relu = build(neuropil.layers.Conv2D(4, 3, activation="relu"), (6, 6, 2))
    linear = neuropil.layers.Conv2D(4, 3)
    linear.ensure_built((6, 6, 2), neuropil.backends.get("numpy"), np.random.default_rng(0))
    linear.set_weights(relu.get_weights())
    x = np.random.default_rng(4).standard_normal((3, 6, 6, 2))
    kept = x.copy()
    y, backward = relu.forward(x, training=True)
    z, linear_backward = linear.forward(x, training=True)
    np.testing.assert_array_equal(x, kept)
    assert (z < 0).any() and (z > 0).any()  # both sides of the kink are exercised
    np.testing.assert_array_equal(y, np.where(z > 0, z, 0.0))
    dy = np.random.default_rng(5).standard_normal(y.shape)
    np.testing.assert_allclose(backward(dy), linear_backward(np.where(z > 0, dy, 0.0)), rtol=1e-12)


def test_relu_in_place_overwrites_its_input_only_in_the_plain_form() -> None:
    x = np.array([-2.0, -0.5, 0.0, 0.5, 3.0])
    plain = x.copy()
    y, backward = neuropil.activations.get("relu").forward_in_place(plain)
    assert np.shares_memory(y, plain)
    np.testing.assert_array_equal(y, [0.0, 0.0, 0.0, 0.5, 3.0])
    np.testing.assert_array_equal(backward(np.ones(5)), [0.0, 0.0, 0.0, 1.0, 1.0])
    leaky = x.copy()
    relu = neuropil.activations.ReLU(negative_slope=0.5)
    y, _ = relu.forward_in_place(leaky)
    np.testing.assert_array_equal(leaky, x)
    np.testing.assert_array_equal(y, [-1.0, -0.25, 0.0, 0.5, 3.0])
