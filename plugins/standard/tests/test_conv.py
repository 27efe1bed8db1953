"""The convolution layers: outputs against direct float64 loop implementations (those of
``neuropil_standard.layers.reference_conv``), outputs and gradients against Keras 3 itself (a
committed fixture), Keras's weight layouts and argument errors, configs that rebuild the layer."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import neuropil
import neuropil.layers
import numpy as np
import pytest
from neuropil.errors import ArgumentError, ArgumentTypeError, LayerError, NeuropilError
from neuropil_standard.layers.reference_conv import loop_conv, loop_depthwise, loop_transpose

FIXTURE = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "keras" / "conv.npz"


def build(layer: Any, input_shape: tuple[int, ...], seed: int = 0) -> Any:
    layer.ensure_built(input_shape, neuropil.backends.get("numpy"), np.random.default_rng(seed))
    return layer


def randomize(layer: Any, seed: int = 1) -> list[np.ndarray]:
    """Normal weights (a zero bias would hide a bias bug), set through set_weights."""
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal(w.shape) for w in layer.get_weights()]
    layer.set_weights(weights)
    return weights


# -- the loop references: neuropil_standard.layers.reference_conv (the conformance suite's too) ------
def channels_last(x: np.ndarray) -> np.ndarray:
    return np.moveaxis(x, 1, -1)


#: (layer name, constructor arguments, per-sample input shape)
LOOP_CASES = [
    ("Conv1D", {"filters": 3, "kernel_size": 3}, (7, 2)),
    ("Conv1D", {"filters": 2, "kernel_size": 3, "padding": "causal", "dilation_rate": 2}, (8, 3)),
    ("Conv1D", {"filters": 4, "kernel_size": 2, "strides": 3, "padding": "same", "groups": 2}, (8, 4)),
    ("Conv1D", {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "causal"}, (7, 1)),
    ("Conv2D", {"filters": 3, "kernel_size": (3, 2), "strides": (2, 1), "padding": "same"}, (6, 5, 2)),
    ("Conv2D", {"filters": 2, "kernel_size": 2, "strides": 2, "padding": "same"}, (5, 4, 1)),
    ("Conv2D", {"filters": 2, "kernel_size": 3, "dilation_rate": (1, 2), "padding": "same"}, (5, 6, 2)),
    ("Conv2D", {"filters": 6, "kernel_size": 2, "groups": 3, "data_format": "channels_first"}, (3, 4, 4)),
    ("Conv3D", {"filters": 2, "kernel_size": 2, "strides": (1, 2, 1), "padding": "same"}, (3, 4, 3, 2)),
    ("Conv3D", {"filters": 2, "kernel_size": (2, 1, 2), "data_format": "channels_first", "groups": 2},
     (2, 3, 3, 3)),
]


@pytest.mark.parametrize("name, config, shape", LOOP_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(LOOP_CASES)])
def test_convolution_matches_the_loop_reference(name: str, config: dict, shape: tuple[int, ...]) -> None:
    layer = build(getattr(neuropil.layers, name)(**config, dtype="float64"), shape)
    kernel, bias = randomize(layer)
    x = np.random.default_rng(2).standard_normal((2, *shape))
    first = config.get("data_format") == "channels_first"
    rank = len(shape) - 1
    expected = loop_conv(channels_last(x) if first else x, kernel, bias, layer.strides, layer.dilation_rate,
                         layer.padding, config.get("groups", 1))
    if first:
        expected = np.moveaxis(expected, -1, 1)
    y = layer(x)
    assert y.shape[1:] == layer.output_shape
    assert kernel.shape == (*layer.kernel_size, (shape[0] if first else shape[-1]) // layer.groups,
                            config["filters"])
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12)
    assert len(layer.strides) == rank


TRANSPOSE_CASES = [
    ("Conv1DTranspose", {"filters": 2, "kernel_size": 3}, (4, 2)),
    ("Conv1DTranspose", {"filters": 3, "kernel_size": 4, "strides": 2, "padding": "same"}, (5, 2)),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"}, (3, 4, 2)),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 2, "strides": 3}, (3, 2, 1)),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": (3, 2), "dilation_rate": 2, "padding": "same",
                         "data_format": "channels_first"}, (2, 3, 4)),
    ("Conv3DTranspose", {"filters": 2, "kernel_size": 2, "strides": (2, 1, 1), "padding": "same"}, (2, 2, 3, 2)),
]


@pytest.mark.parametrize("name, config, shape", TRANSPOSE_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(TRANSPOSE_CASES)])
def test_transposed_convolution_matches_the_loop_reference(name: str, config: dict, shape: tuple[int, ...]) -> None:
    layer = build(getattr(neuropil.layers, name)(**config, dtype="float64"), shape)
    kernel, bias = randomize(layer)
    first = config.get("data_format") == "channels_first"
    assert kernel.shape == (*layer.kernel_size, config["filters"], shape[0] if first else shape[-1])
    x = np.random.default_rng(3).standard_normal((2, *shape))
    expected = loop_transpose(channels_last(x) if first else x, kernel, layer.strides, layer.dilation_rate,
                              layer.padding) + bias
    if first:
        expected = np.moveaxis(expected, -1, 1)
    y = layer(x)
    assert y.shape[1:] == layer.output_shape
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12)


DEPTHWISE_CASES = [
    ("DepthwiseConv1D", {"kernel_size": 3, "depth_multiplier": 2, "padding": "same", "strides": 2}, (7, 2)),
    ("DepthwiseConv2D", {"kernel_size": (2, 3), "depth_multiplier": 3}, (4, 5, 2)),
    ("DepthwiseConv2D", {"kernel_size": 2, "dilation_rate": 2, "padding": "same",
                         "data_format": "channels_first"}, (3, 5, 4)),
]


@pytest.mark.parametrize("name, config, shape", DEPTHWISE_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(DEPTHWISE_CASES)])
def test_depthwise_convolution_matches_the_loop_reference(name: str, config: dict, shape: tuple[int, ...]) -> None:
    layer = build(getattr(neuropil.layers, name)(**config, dtype="float64"), shape)
    kernel, bias = randomize(layer)
    first = config.get("data_format") == "channels_first"
    channels = shape[0] if first else shape[-1]
    assert kernel.shape == (*layer.kernel_size, channels, layer.depth_multiplier)
    assert bias.shape == (channels * layer.depth_multiplier,)
    x = np.random.default_rng(4).standard_normal((2, *shape))
    expected = loop_depthwise(channels_last(x) if first else x, kernel, layer.strides, layer.dilation_rate,
                              layer.padding) + bias
    if first:
        expected = np.moveaxis(expected, -1, 1)
    np.testing.assert_allclose(layer(x), expected, rtol=1e-12, atol=1e-12)


SEPARABLE_CASES = [
    ("SeparableConv1D", {"filters": 3, "kernel_size": 3, "depth_multiplier": 2, "padding": "same"}, (6, 2)),
    ("SeparableConv2D", {"filters": 4, "kernel_size": (2, 3), "strides": 2}, (5, 6, 3)),
    ("SeparableConv2D", {"filters": 2, "kernel_size": 2, "dilation_rate": 2, "data_format": "channels_first",
                         "depth_multiplier": 2}, (2, 5, 5)),
]


@pytest.mark.parametrize("name, config, shape", SEPARABLE_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(SEPARABLE_CASES)])
def test_separable_convolution_matches_the_loop_reference(name: str, config: dict, shape: tuple[int, ...]) -> None:
    layer = build(getattr(neuropil.layers, name)(**config, dtype="float64"), shape)
    assert layer.weight_names() == ["depthwise_kernel", "pointwise_kernel", "bias"]
    depthwise, pointwise, bias = randomize(layer)
    first = config.get("data_format") == "channels_first"
    channels = shape[0] if first else shape[-1]
    multiplier = config.get("depth_multiplier", 1)
    rank = len(shape) - 1
    assert depthwise.shape == (*layer.kernel_size, channels, multiplier)
    assert pointwise.shape == (*(1,) * rank, channels * multiplier, config["filters"])
    x = np.random.default_rng(5).standard_normal((2, *shape))
    middle = loop_depthwise(channels_last(x) if first else x, depthwise, layer.strides, layer.dilation_rate,
                            layer.padding)
    expected = middle @ pointwise.reshape(channels * multiplier, -1) + bias
    if first:
        expected = np.moveaxis(expected, -1, 1)
    np.testing.assert_allclose(layer(x), expected, rtol=1e-12, atol=1e-12)


# -- against Keras 3 ------------------------------------------------------------------------------
def _fixture_cases() -> list[str]:
    with np.load(FIXTURE, allow_pickle=False) as data:
        return sorted({key.split("/")[0] for key in data.files if "/" in key})


@pytest.mark.parametrize("case", _fixture_cases())
def test_outputs_and_gradients_agree_with_keras(case: str) -> None:
    """The fixture holds Keras 3's (JAX backend) output and the gradients of sum(y * dy) for the input
    and every weight; neuropil, given the same weights in the same layouts, agrees to float32 precision."""
    with np.load(FIXTURE, allow_pickle=False) as data:
        arrays = {key.split("/", 1)[1]: data[key] for key in data.files if key.startswith(case + "/")}
    meta = json.loads(str(arrays["meta"]))
    layer = neuropil.layers.get(meta["class_name"], **meta["config"])
    build(layer, arrays["x"].shape[1:])
    assert layer.weight_names() == meta["weights"]
    count = len(meta["weights"])
    layer.set_weights([arrays[f"w{i}"] for i in range(count)])
    y, backward = layer.forward(arrays["x"], training=True)
    assert y.dtype == np.float32
    dx = backward(arrays["dy"])

    def close(what: str, got: np.ndarray, expected: np.ndarray) -> None:
        scale = float(np.abs(expected).max()) or 1.0
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5 * scale, err_msg=f"{case}: {what}")

    close("output", y, arrays["y"])
    close("input gradient", dx, arrays["dx"])
    for i, name in enumerate(meta["weights"]):
        close(f"gradient of {name}", layer.grads[name], arrays[f"dw{i}"])


def test_the_fixture_covers_the_five_layers_keras_was_asked_about() -> None:
    with np.load(FIXTURE, allow_pickle=False) as data:
        classes = {json.loads(str(data[key]))["class_name"] for key in data.files if key.endswith("/meta")}
    assert {"Conv1D", "Conv2D", "Conv2DTranspose", "DepthwiseConv2D", "SeparableConv2D"} <= classes


# -- names, configs, errors -------------------------------------------------------------------------
@pytest.mark.parametrize("alias, name", [("Convolution2D", "Conv2D"), ("Convolution1DTranspose", "Conv1DTranspose"),
                                         ("SeparableConvolution2D", "SeparableConv2D")])
def test_keras_aliases_resolve(alias: str, name: str) -> None:
    assert type(neuropil.layers.get(alias, filters=2, kernel_size=2)).__name__ == name


def test_keras_defaults() -> None:
    layer = neuropil.layers.Conv2D(4, 3)
    assert (layer.strides, layer.padding, layer.data_format, layer.dilation_rate, layer.groups, layer.use_bias) == \
        ((1, 1), "valid", "channels_last", (1, 1), 1, True)
    config = layer.get_config()
    assert config["kernel_initializer"] == "glorot_uniform" and config["bias_initializer"] == "zeros"
    assert config["activation"] == "linear"
    assert neuropil.layers.DepthwiseConv2D(3).depth_multiplier == 1
    assert neuropil.layers.Conv2DTranspose(2, 3).output_padding is None


@pytest.mark.parametrize("name, config, shape", [
    ("Conv2D", {"filters": 4, "kernel_size": (3, 2), "strides": 2, "padding": "same", "groups": 2,
                "activation": "relu", "kernel_regularizer": "l2", "use_bias": False}, (6, 5, 4)),
    ("Conv1DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2, "output_padding": 1,
                         "data_format": "channels_first", "bias_constraint": "non_neg"}, (3, 4)),
    ("SeparableConv2D", {"filters": 3, "kernel_size": 2, "depth_multiplier": 2, "dilation_rate": 2,
                         "pointwise_initializer": "he_normal"}, (5, 5, 2)),
    ("DepthwiseConv1D", {"kernel_size": 2, "depth_multiplier": 3, "depthwise_regularizer": "l1"}, (5, 2)),
])
def test_config_round_trips_through_json(name: str, config: dict, shape: tuple[int, ...]) -> None:
    layer = build(getattr(neuropil.layers, name)(**config), shape)
    weights = randomize(layer)
    saved = json.loads(json.dumps(layer.get_config()))
    twin = build(neuropil.layers.get(name, **saved), shape)
    assert twin.get_config() == saved
    twin.set_weights(weights)
    x = np.random.default_rng(6).standard_normal((2, *shape)).astype(np.float32)
    np.testing.assert_array_equal(twin(x), layer(x))


def test_a_saved_convnet_loads_with_the_same_predictions(tmp_path: Path) -> None:
    from neuropil.layers import Conv2D, Dense, Flatten

    model = neuropil.Sequential([Conv2D(3, 3, strides=2, padding="same", activation="relu", input_shape=(7, 7, 2)),
                                 Conv2D(2, 2, data_format="channels_first"), Flatten(), Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(7).standard_normal((4, 7, 7, 2)).astype(np.float32)
    model.save(tmp_path / "convnet.keras")
    loaded = neuropil.models.load_model(tmp_path / "convnet.keras")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


@pytest.mark.parametrize("make, kind, words", [
    (lambda: neuropil.layers.Conv2D(0, 3), ArgumentError, ["Conv2D", "filters", "positive", "0"]),
    (lambda: neuropil.layers.Conv2D(2, (3, 3, 3)), ArgumentError, ["Conv2D", "kernel_size", "2 entries"]),
    (lambda: neuropil.layers.Conv1D(2, 2.5), ArgumentTypeError, ["Conv1D", "kernel_size", "2.5"]),
    (lambda: neuropil.layers.Conv2D(2, 3, padding="causal"), ArgumentError, ["Conv2D", "padding", "'causal'"]),
    (lambda: neuropil.layers.Conv2D(2, 3, padding="full"), ArgumentError, ["padding", "'valid'", "'full'"]),
    (lambda: neuropil.layers.Conv2D(2, 3, strides=2, dilation_rate=2), ArgumentError,
     ["Conv2D", "strides", "dilation_rate"]),
    (lambda: neuropil.layers.Conv2D(3, 3, groups=2), ArgumentError, ["Conv2D", "filters", "groups"]),
    (lambda: neuropil.layers.Conv2D(2, 3, data_format="NHWC"), ArgumentError,
     ["Conv2D", "data_format", "'channels_last'", "'NHWC'"]),
    (lambda: neuropil.layers.Conv2D(2, 3, use_bias="no"), ArgumentTypeError, ["Conv2D", "use_bias"]),
    (lambda: neuropil.layers.Conv2DTranspose(2, 3, strides=2, output_padding=2), ArgumentError,
     ["Conv2DTranspose", "output_padding", "strides"]),
    (lambda: neuropil.layers.DepthwiseConv2D(3, depth_multiplier=0), ArgumentError,
     ["DepthwiseConv2D", "depth_multiplier"]),
    (lambda: neuropil.layers.SeparableConv1D(2, 3, padding="causal"), ArgumentError,
     ["SeparableConv1D", "padding"]),
])
def test_bad_arguments_fail_at_construction_naming_them(make: Any, kind: type, words: list[str]) -> None:
    with pytest.raises(kind) as info:
        make()
    assert isinstance(info.value, NeuropilError)
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize("make, shape, words", [
    (lambda: neuropil.layers.Conv2D(2, 3), (5, 5), ["rank 3", "(5, 5)"]),
    (lambda: neuropil.layers.Conv2D(4, 3, groups=2), (5, 5, 3), ["groups=2", "3 channels"]),
    (lambda: neuropil.layers.Conv2D(2, 4), (3, 5, 1), ["empty output", "(3, 5, 1)"]),
])
def test_inputs_that_cannot_fit_fail_at_build_naming_the_layer(make: Any, shape: tuple[int, ...],
                                                               words: list[str]) -> None:
    layer = make()
    with pytest.raises(LayerError) as info:
        build(layer, shape)
    for word in [layer.name, *words]:
        assert word in str(info.value)


def test_float32_in_float32_out_and_a_frozen_layer_assigns_no_gradients() -> None:
    layer = build(neuropil.layers.Conv2D(3, 2, padding="same"), (4, 4, 2))
    x = np.random.default_rng(8).standard_normal((2, 4, 4, 2)).astype(np.float32)
    y, backward = layer.forward(x, training=True)
    assert y.dtype == np.float32 and backward(np.ones_like(y)).dtype == np.float32
    layer.trainable = False
    layer.grads.clear()
    layer.forward(x, training=True)[1](np.ones_like(y))
    assert layer.grads == {}


def test_a_first_layer_skips_its_input_gradient_but_still_learns() -> None:
    """A model tells its first trained layer that nobody reads its dx: the conv then skips the
    column gradient and scatter entirely, returning None, and still assigns its weight gradients."""
    layer = build(neuropil.layers.Conv2D(2, 3, dtype="float64"), (5, 5, 1))
    x = np.random.default_rng(9).standard_normal((2, 5, 5, 1))
    dy = np.random.default_rng(10).standard_normal((2, 3, 3, 2))
    layer.forward(x, training=True)[1](dy)
    expected = {name: value.copy() for name, value in layer.grads.items()}
    layer.input_gradient = False
    layer.grads.clear()
    assert layer.forward(x, training=True)[1](dy) is None
    for name, value in expected.items():
        np.testing.assert_allclose(layer.grads[name], value, rtol=1e-12)
    np.testing.assert_allclose(expected["bias"], dy.sum(axis=(0, 1, 2)), rtol=1e-12)
