"""GlobalMaxPooling1D/2D/3D and GlobalAveragePooling1D/2D/3D against direct loops, keepdims, both data
formats, the tie rule, configs and errors."""
from __future__ import annotations

import itertools
from typing import Any

import neuropil
import numpy as np
import pytest
from neuropil.errors import ArgumentError, ArgumentTypeError, LayerError
from neuropil.layers import (
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAveragePooling3D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    GlobalMaxPooling3D,
)
from neuropil_standard.layers.reference_pooling import global_pool_loop

MAX = {1: GlobalMaxPooling1D, 2: GlobalMaxPooling2D, 3: GlobalMaxPooling3D}
AVERAGE = {1: GlobalAveragePooling1D, 2: GlobalAveragePooling2D, 3: GlobalAveragePooling3D}
SHAPES = {1: (5, 3), 2: (4, 3, 2), 3: (3, 2, 4, 2)}  # channels last


def build(layer: Any, input_shape: tuple[int, ...]) -> Any:
    layer.ensure_built(input_shape, neuropil.backends.get("numpy"), np.random.default_rng(0))
    return layer


def loop(x: np.ndarray, dy: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Channels-last: the output from reference_pooling's position-by-position loop (the conformance
    suite's reference too); the gradient per sample and channel, scanning the positions in row-major
    order (max: all of it to the first maximum; average: shared equally)."""
    positions = list(itertools.product(*(range(n) for n in x.shape[1:-1])))
    dx = np.zeros(x.shape)
    for b in range(x.shape[0]):
        for c in range(x.shape[-1]):
            values = [float(x[(b, *p, c)]) for p in positions]
            if kind == "max":
                dx[(b, *positions[values.index(max(values))], c)] = dy[b, c]
            else:
                for p in positions:
                    dx[(b, *p, c)] = dy[b, c] / len(positions)
    return global_pool_loop(x, kind), dx


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("kind", ["max", "average"])
@pytest.mark.parametrize("rank", [1, 2, 3])
def test_matches_loop(rank: int, kind: str, data_format: str, keepdims: bool) -> None:
    rng = np.random.default_rng(rank)
    x_last = rng.normal(size=(3, *SHAPES[rank]))
    dy = rng.normal(size=(3, SHAPES[rank][-1]))
    expected_y, expected_dx = loop(x_last, dy, kind)
    first = data_format == "channels_first"
    x = np.moveaxis(x_last, -1, 1) if first else x_last
    layer = build((MAX if kind == "max" else AVERAGE)[rank](data_format=data_format, keepdims=keepdims),
                  x.shape[1:])
    y, backward = layer.forward(x)
    channels, kept = SHAPES[rank][-1], (1,) * rank
    if not keepdims:
        expected_shape: tuple[int, ...] = (3, channels)
    else:
        expected_shape = (3, channels, *kept) if first else (3, *kept, channels)
    assert y.shape == expected_shape and layer.output_shape == y.shape[1:]
    np.testing.assert_allclose(y.reshape(3, -1), expected_y, rtol=1e-12, atol=0)
    dx = backward(dy.reshape(y.shape))
    np.testing.assert_allclose(np.moveaxis(dx, 1, -1) if first else dx, expected_dx, rtol=1e-12, atol=0)


def test_ties_go_to_the_first_position() -> None:
    x = np.array([[1.0, 4.0, 4.0, 0.0]]).reshape(1, 2, 2, 1)
    y, backward = build(GlobalMaxPooling2D(), (2, 2, 1)).forward(x)
    assert y.shape == (1, 1) and y.item() == 4.0
    np.testing.assert_array_equal(backward(np.ones((1, 1))).ravel(), [0, 1, 0, 0])


def test_keras_documented_shapes() -> None:
    """Keras's examples: (2, 4, 5, 3) -> (2, 3); (2, 3, 4) -> (2, 4)."""
    assert GlobalAveragePooling2D().compute_output_shape((4, 5, 3)) == (3,)
    assert GlobalMaxPooling1D().compute_output_shape((3, 4)) == (4,)
    assert GlobalMaxPooling1D(keepdims=True).compute_output_shape((3, 4)) == (1, 4)
    assert GlobalAveragePooling3D(data_format="channels_first", keepdims=True).compute_output_shape(
        (6, 2, 3, 4)) == (6, 1, 1, 1)


def test_config_round_trips_through_the_registry() -> None:
    config = GlobalMaxPooling3D(data_format="channels_first", keepdims=True).get_config()
    again = neuropil.layers.get({"class_name": "GlobalMaxPool3D", "config": config})
    assert type(again) is GlobalMaxPooling3D and again.get_config() == config
    assert type(neuropil.layers.get("GlobalAvgPool2D")) is GlobalAveragePooling2D


def test_bad_arguments_and_inputs_name_the_layer() -> None:
    with pytest.raises(ArgumentTypeError, match="GlobalMaxPooling2D expects keepdims"):
        GlobalMaxPooling2D(keepdims="yes")
    with pytest.raises(ArgumentError, match="GlobalAveragePooling1D expects data_format"):
        GlobalAveragePooling1D(data_format="nchw")
    with pytest.raises(LayerError, match="rank 4"):
        build(GlobalAveragePooling2D(), (3, 4))
