"""MaxPooling1D/2D/3D: outputs and gradients against a direct loop, Keras's documented examples,
the tie rule, output shapes, configs and argument errors."""
from __future__ import annotations

from typing import Any

import neuropil
import numpy as np
import pytest
from neuropil.errors import ArgumentError, LayerError, NeuropilError
from neuropil.layers import MaxPooling1D, MaxPooling2D, MaxPooling3D
from neuropil_standard.layers.reference_pooling import (
    pool_gradient_loop,
    pool_loop,
    to_channels_first,
    to_channels_last,
)

LAYERS = {1: MaxPooling1D, 2: MaxPooling2D, 3: MaxPooling3D}


def build(layer: Any, input_shape: tuple[int, ...]) -> Any:
    layer.ensure_built(input_shape, neuropil.backends.get("numpy"), np.random.default_rng(0))
    return layer


def keras_doc_input() -> np.ndarray:
    return np.arange(1.0, 10.0).reshape(1, 3, 3, 1)


def test_keras_documented_examples() -> None:
    """The examples of Keras's MaxPooling2D docstring."""
    y = build(MaxPooling2D(pool_size=(2, 2), strides=(1, 1), padding="valid"), (3, 3, 1))(keras_doc_input())
    np.testing.assert_array_equal(y[0, :, :, 0], [[5, 6], [8, 9]])
    x = np.arange(1.0, 13.0).reshape(1, 3, 4, 1)
    y = build(MaxPooling2D(pool_size=(2, 2), strides=(2, 2), padding="valid"), (3, 4, 1))(x)
    np.testing.assert_array_equal(y[0, :, :, 0], [[6, 8]])
    y = build(MaxPooling2D(pool_size=(2, 2), strides=(1, 1), padding="same"), (3, 3, 1))(keras_doc_input())
    np.testing.assert_array_equal(y[0, :, :, 0], [[5, 6, 6], [8, 9, 9], [8, 9, 9]])


CASES = [  # rank, pool, strides, padding, channels-last per-sample shape
    (2, (2, 2), (2, 2), "valid", (6, 8, 3)),
    (2, (2, 2), (2, 2), "valid", (7, 5, 2)),  # a remainder row and column dropped
    (2, (3, 3), (2, 2), "same", (7, 6, 2)),  # overlapping, asymmetric padding
    (2, (2, 3), (1, 2), "same", (4, 5, 1)),
    (2, (3, 2), (3, 1), "valid", (7, 4, 2)),
    (1, (3,), (2,), "same", (8, 2)),
    (1, (2,), (1,), "valid", (5, 3)),
    (3, (2, 2, 2), (2, 2, 2), "valid", (4, 5, 4, 2)),
    (3, (3, 2, 2), (2, 1, 2), "same", (5, 3, 4, 1)),
]


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("rank, pool, strides, padding, shape", CASES)
def test_forward_and_backward_match_loop(rank: int, pool: tuple, strides: tuple, padding: str, shape: tuple,
                                         data_format: str) -> None:
    rng = np.random.default_rng(rank)
    x_last = rng.normal(size=(2, *shape))
    expected = pool_loop(x_last, pool, strides, padding, "max")
    dy_last = rng.normal(size=expected.shape)
    expected_dx = pool_gradient_loop(x_last, dy_last, pool, strides, padding, "max")
    first = data_format == "channels_first"
    x = to_channels_first(x_last) if first else x_last
    layer = build(LAYERS[rank](pool_size=pool, strides=strides, padding=padding, data_format=data_format),
                  x.shape[1:])
    y, backward = layer.forward(x)
    dx = backward(to_channels_first(dy_last) if first else dy_last)
    np.testing.assert_allclose(to_channels_last(y) if first else y, expected, rtol=0, atol=0)
    np.testing.assert_allclose(to_channels_last(dx) if first else dx, expected_dx, rtol=1e-12, atol=1e-12)
    assert layer.output_shape == y.shape[1:]


def test_ties_route_the_gradient_to_the_first_maximum_only() -> None:
    x = np.array([[1.0, 3.0], [3.0, 3.0]]).reshape(1, 2, 2, 1)
    layer = build(MaxPooling2D(), (2, 2, 1))
    y, backward = layer.forward(x)
    assert y.item() == 3.0
    np.testing.assert_array_equal(backward(np.ones_like(y))[0, :, :, 0], [[0, 1], [0, 0]])


def test_overlapping_windows_sum_their_gradients_at_a_shared_maximum() -> None:
    x = np.array([0.0, 5.0, 1.0, 2.0]).reshape(1, 4, 1)
    y, backward = build(MaxPooling1D(pool_size=2, strides=1), (4, 1)).forward(x)
    np.testing.assert_array_equal(y.ravel(), [5, 5, 2])
    np.testing.assert_array_equal(backward(np.array([1.0, 10.0, 100.0]).reshape(1, 3, 1)).ravel(), [0, 11, 0, 100])


def test_same_padding_never_picks_the_padding() -> None:
    x = -np.ones((1, 3, 3, 1)) * 5.0  # all negative: zero padding would win a max, -inf padding cannot
    y = build(MaxPooling2D(padding="same"), (3, 3, 1))(x)
    np.testing.assert_array_equal(y, -5.0 * np.ones((1, 2, 2, 1)))


def test_float32_stays_float32() -> None:
    x = np.random.default_rng(0).normal(size=(4, 6, 6, 3)).astype("float32")
    y, backward = build(MaxPooling2D(), (6, 6, 3)).forward(x)
    assert y.dtype == np.float32 and backward(np.ones_like(y)).dtype == np.float32


def test_defaults_and_output_shapes_follow_keras() -> None:
    layer = MaxPooling2D()
    assert (layer.pool_size, layer.strides, layer.padding, layer.data_format) == ((2, 2), (2, 2), "valid",
                                                                                 "channels_last")
    assert MaxPooling1D().pool_size == (2,) and MaxPooling3D().pool_size == (2, 2, 2)
    assert MaxPooling2D(3).compute_output_shape((28, 28, 8)) == (9, 9, 8)
    assert MaxPooling2D(3, padding="same").compute_output_shape((28, 28, 8)) == (10, 10, 8)
    assert MaxPooling2D(2, data_format="channels_first").compute_output_shape((8, 28, 27)) == (8, 14, 13)
    assert MaxPooling1D(4, strides=1).compute_output_shape((10, 3)) == (7, 3)
    assert MaxPooling3D(2, padding="same").compute_output_shape((3, 4, 5, 2)) == (2, 2, 3, 2)


def test_config_round_trips_through_the_registry() -> None:
    layer = MaxPooling2D(pool_size=(3, 2), strides=(1, 2), padding="SAME", data_format="channels_first", name="mp")
    config = layer.get_config()
    assert config["pool_size"] == [3, 2] and config["padding"] == "same"
    again = neuropil.layers.get({"class_name": "MaxPooling2D", "config": config})
    assert again.get_config() == config
    assert neuropil.layers.get("MaxPool2D") is not None


@pytest.mark.parametrize("kwargs, argument", [
    ({"pool_size": 0}, "pool_size"),
    ({"pool_size": (2, 2, 2)}, "pool_size"),
    ({"strides": (0, 1)}, "strides"),
    ({"padding": "full"}, "padding"),
    ({"data_format": "channels_middle"}, "data_format"),
])
def test_bad_arguments_fail_at_construction_naming_layer_and_argument(kwargs: dict, argument: str) -> None:
    with pytest.raises(ArgumentError) as info:
        MaxPooling2D(**kwargs)
    message = str(info.value)
    assert "MaxPooling2D" in message and argument in message and "received" in message
    assert isinstance(info.value, ValueError) and isinstance(info.value, NeuropilError)


def test_bad_input_shapes_fail_at_build_naming_the_layer() -> None:
    with pytest.raises(LayerError, match="rank 4"):
        build(MaxPooling2D(name="pool"), (8, 8))
    with pytest.raises(LayerError, match="at least pool_size"):
        build(MaxPooling2D(pool_size=3, name="pool3"), (2, 8, 1))


def test_a_zero_pool_size_is_quoted_as_written() -> None:
    with pytest.raises(ArgumentError, match=r"MaxPooling2D expects pool_size to be a positive integer, "
                                            r"received pool_size=0"):
        MaxPooling2D(pool_size=0)
