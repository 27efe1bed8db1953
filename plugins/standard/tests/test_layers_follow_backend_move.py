"""Layers holding device state besides their weights follow ``compile(backend=...)``.

A model whose first layer declares its input (or starts with ``Input``) is built at construction on
the default backend; compiling it for another backend moves the weights and calls
``Layer.backend_changed``. Resizing's matrices, Rescaling's coefficients, Normalization's given
statistics and the noise layers' generators must move too, or the next step mixes host arrays into
device operations (what CuPy refuses, and the emulated device with it). Each check compares with the
same model kept on NumPy, so a layer that moved wrong values would fail as well as one that did not
move.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from neuropil import layers
from neuropil.models import Sequential
from neuropil.testing.emulated_device import COUNTER, emulated_backend

IMAGES = (5, 6, 2)

CASES: list[tuple[str, dict[str, Any], tuple[int, ...]]] = [
    ("Rescaling", {"scale": [2.0, -1.0, 0.5], "offset": [0.0, 1.0, 2.0]}, (3,)),
    ("Normalization", {"mean": [0.5, -1.0, 2.0], "variance": [4.0, 1.0, 0.25]}, (3,)),
    ("Resizing", {"height": 3, "width": 7, "interpolation": "bicubic"}, IMAGES),
    ("Resizing", {"height": 4, "width": 9, "pad_to_aspect_ratio": True, "fill_value": 0.5}, IMAGES),
    ("CenterCrop", {"height": 8, "width": 4}, IMAGES),  # larger than the image: a resize
    ("RandomCrop", {"height": 2, "width": 3, "seed": 1}, IMAGES),  # inference: a resize
]


def _model(name: str, config: dict[str, Any], shape: tuple[int, ...]) -> Sequential:
    layer = layers.get({"class_name": name, "config": {**config, "input_shape": shape}})
    return Sequential([layer, layers.Flatten(), layers.Dense(1)])


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{c[1]}")
def test_a_built_layer_moved_by_compile_predicts_as_on_numpy(case: tuple[str, dict[str, Any], tuple[int, ...]]) -> None:
    name, config, shape = case
    x = np.random.default_rng(0).uniform(-1.0, 1.0, size=(4, *shape))
    model = _model(name, config, shape)
    assert model.built, "the test needs a model built before compile"
    model.compile(loss="mse", backend="numpy")
    expected = model.predict(x, verbose=0)
    with emulated_backend():
        model.compile(loss="mse", backend="emulated")
        got = model.predict(x, verbose=0)
        assert not COUNTER.refused, COUNTER.refused
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name, config", [("GaussianNoise", {"stddev": 0.5, "seed": 0}),
                                          ("GaussianDropout", {"rate": 0.2, "seed": 0})])
def test_a_moved_noise_layer_draws_on_the_new_backend(name: str, config: dict[str, Any]) -> None:
    """Its training noise comes from the new backend's generator: a device array, with the spread the
    layer promises (standard deviation 0.5 for both configs here, on inputs of ones: GaussianDropout's is
    sqrt(rate / (1 - rate)))."""
    model = Sequential([layers.get({"class_name": name, "config": {**config, "input_shape": (4000,)}})])
    with emulated_backend() as device:
        model.compile(loss="mse", backend="emulated")
        layer = model.layers[0]
        y, backward = layer.forward(device.asarray(np.ones((2, 4000))), training=True)
        spread = device.to_numpy(y).std()
        assert device.owns(y) and device.owns(backward(device.asarray(np.ones((2, 4000)))))
    assert abs(spread - 0.5) < 0.02, spread
