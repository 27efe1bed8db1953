"""AveragePooling1D/2D/3D: outputs and gradients against a direct loop (with "same" padding dividing
by the real elements only), Keras's documented examples, output shapes, configs and errors."""
from __future__ import annotations

from typing import Any

import neuropil
import numpy as np
import pytest
from neuropil.errors import ArgumentError, ArgumentTypeError
from neuropil.layers import AveragePooling1D, AveragePooling2D, AveragePooling3D
from neuropil_standard.layers.reference_pooling import (
    pool_gradient_loop,
    pool_loop,
    to_channels_first,
    to_channels_last,
)

LAYERS = {1: AveragePooling1D, 2: AveragePooling2D, 3: AveragePooling3D}


def build(layer: Any, input_shape: tuple[int, ...]) -> Any:
    layer.ensure_built(input_shape, neuropil.backends.get("numpy"), np.random.default_rng(0))
    return layer


def test_keras_documented_examples() -> None:
    """The examples of Keras's AveragePooling2D docstring."""
    x = np.arange(1.0, 10.0).reshape(1, 3, 3, 1)
    y = build(AveragePooling2D(pool_size=(2, 2), strides=(1, 1), padding="valid"), (3, 3, 1))(x)
    np.testing.assert_allclose(y[0, :, :, 0], [[3.0, 4.0], [6.0, 7.0]])
    x = np.arange(1.0, 13.0).reshape(1, 3, 4, 1)
    y = build(AveragePooling2D(pool_size=(2, 2), strides=(2, 2), padding="valid"), (3, 4, 1))(x)
    np.testing.assert_allclose(y[0, :, :, 0], [[3.5, 5.5]])
    x = np.arange(1.0, 10.0).reshape(1, 3, 3, 1)
    y = build(AveragePooling2D(pool_size=(2, 2), strides=(1, 1), padding="same"), (3, 3, 1))(x)
    np.testing.assert_allclose(y[0, :, :, 0], [[3.0, 4.0, 4.5], [6.0, 7.0, 7.5], [7.5, 8.5, 9.0]])


CASES = [  # rank, pool, strides, padding, channels-last per-sample shape
    (2, (2, 2), (2, 2), "valid", (6, 8, 3)),
    (2, (2, 2), (2, 2), "same", (7, 5, 2)),
    (2, (3, 3), (2, 2), "same", (7, 6, 2)),
    (2, (2, 3), (1, 2), "same", (4, 5, 1)),
    (2, (3, 2), (3, 1), "valid", (7, 4, 2)),
    (1, (3,), (2,), "same", (8, 2)),
    (1, (4,), (1,), "same", (5, 3)),
    (3, (2, 2, 2), (2, 2, 2), "valid", (4, 5, 4, 2)),
    (3, (3, 2, 2), (2, 1, 2), "same", (5, 3, 4, 1)),
]


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("rank, pool, strides, padding, shape", CASES)
def test_forward_and_backward_match_loop(rank: int, pool: tuple, strides: tuple, padding: str, shape: tuple,
                                         data_format: str) -> None:
    rng = np.random.default_rng(rank)
    x_last = rng.normal(size=(2, *shape))
    expected = pool_loop(x_last, pool, strides, padding, "average")
    dy_last = rng.normal(size=expected.shape)
    expected_dx = pool_gradient_loop(x_last, dy_last, pool, strides, padding, "average")
    first = data_format == "channels_first"
    x = to_channels_first(x_last) if first else x_last
    layer = build(LAYERS[rank](pool_size=pool, strides=strides, padding=padding, data_format=data_format),
                  x.shape[1:])
    y, backward = layer.forward(x)
    dx = backward(to_channels_first(dy_last) if first else dy_last)
    np.testing.assert_allclose(to_channels_last(y) if first else y, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(to_channels_last(dx) if first else dx, expected_dx, rtol=1e-12, atol=1e-12)
    assert layer.output_shape == y.shape[1:]


def test_same_padding_averages_real_elements_only() -> None:
    """A constant input stays constant: padding is not counted in the mean."""
    y = build(AveragePooling2D(3, strides=1, padding="same"), (4, 4, 1))(np.full((1, 4, 4, 1), 2.0))
    np.testing.assert_allclose(y, np.full((1, 4, 4, 1), 2.0))


def test_float32_stays_float32() -> None:
    x = np.random.default_rng(0).normal(size=(4, 5, 5, 3)).astype("float32")
    y, backward = build(AveragePooling2D(2, padding="same"), (5, 5, 3)).forward(x)
    assert y.dtype == np.float32 and backward(np.ones_like(y)).dtype == np.float32


def test_pool_size_is_required_and_strides_default_to_it() -> None:
    with pytest.raises(TypeError):
        AveragePooling2D()  # type: ignore[call-arg]
    layer = AveragePooling2D((3, 2))
    assert layer.strides == (3, 2) and layer.padding == "valid" and layer.data_format == "channels_last"
    assert layer.compute_output_shape((9, 9, 4)) == (3, 4, 4)
    assert AveragePooling1D(2, padding="same").compute_output_shape((7, 2)) == (4, 2)
    assert AveragePooling3D(2, data_format="channels_first").compute_output_shape((5, 4, 6, 3)) == (5, 2, 3, 1)


def test_config_round_trips_through_the_registry() -> None:
    layer = AveragePooling3D(pool_size=(1, 2, 3), strides=2, padding="same", data_format="channels_first")
    config = layer.get_config()
    again = neuropil.layers.get({"class_name": "AvgPool3D", "config": config})
    assert type(again) is AveragePooling3D and again.get_config() == config


@pytest.mark.parametrize("kwargs, error, argument", [
    ({"pool_size": 0}, ArgumentError, "pool_size"),
    ({"pool_size": (2, -1)}, ArgumentError, "pool_size"),
    ({"pool_size": 2.5}, ArgumentTypeError, "pool_size"),
    ({"pool_size": 2, "strides": 0}, ArgumentError, "strides"),
    ({"pool_size": 2, "padding": 3}, ArgumentError, "padding"),
])
def test_bad_arguments_fail_at_construction(kwargs: dict, error: type, argument: str) -> None:
    with pytest.raises(error) as info:
        AveragePooling2D(**kwargs)
    assert "AveragePooling2D" in str(info.value) and argument in str(info.value)
    assert "received" in str(info.value)
