"""Reshape, Permute, RepeatVector, UpSampling1D/2D/3D, ZeroPadding1D/2D/3D, Cropping1D/2D/3D and
Flatten's data_format: outputs against direct loops, backward passes as the transpose of those loops,
Keras's documented examples, output shapes, configs and argument errors."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import neuropil
import numpy as np
import pytest
from neuropil.errors import ArgumentError, ArgumentTypeError, LayerError, NeuropilError
from neuropil.layers import (
    Cropping1D,
    Cropping2D,
    Cropping3D,
    Flatten,
    Permute,
    RepeatVector,
    Reshape,
    UpSampling1D,
    UpSampling2D,
    UpSampling3D,
    ZeroPadding1D,
    ZeroPadding2D,
    ZeroPadding3D,
)
from neuropil_standard.layers.reference_shape import (
    bilinear_loop,
    crop_loop,
    flatten_channels_first_loop,
    nearest_loop,
    pad_loop,
    permute_loop,
    repeat_loop,
    reshape_loop,
)
from shape_reference import adjoint


def build(layer: Any, input_shape: tuple[int, ...]) -> Any:
    layer.ensure_built(input_shape, neuropil.backends.get("numpy"), np.random.default_rng(0))
    return layer


def channels_first(reference: Callable[[np.ndarray], np.ndarray]) -> Callable[[np.ndarray], np.ndarray]:
    """A channels-last reference applied to channels-first arrays."""
    return lambda x: np.moveaxis(reference(np.moveaxis(x, 1, -1)), -1, 1)


def check(layer: Any, x: np.ndarray, reference: Callable[[np.ndarray], np.ndarray]) -> None:
    """Output equals the loop's; backward equals the loop's transpose; output_shape agrees."""
    build(layer, x.shape[1:])
    y, backward = layer.forward(x)
    expected = reference(x)
    assert y.shape == expected.shape and layer.output_shape == y.shape[1:]
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12)
    dy = np.random.default_rng(7).normal(size=y.shape)
    np.testing.assert_allclose(backward(dy), adjoint(reference, x, dy), rtol=1e-10, atol=1e-12)


def sample(*shape: int) -> np.ndarray:
    return np.random.default_rng(sum(shape)).normal(size=(2, *shape))


# -- Reshape, Permute, RepeatVector ----------------------------------------------------------------
@pytest.mark.parametrize("in_shape, target, resolved", [
    ((12,), (3, 4), (3, 4)), ((12,), (-1, 2, 2), (3, 2, 2)), ((2, 3, 4), (4, -1), (4, 6)), ((6, 2), (-1,), (12,)),
])
def test_reshape(in_shape: tuple, target: tuple, resolved: tuple) -> None:
    """Keras's examples: (None, 12) -> (3, 4) and, inferring -1, (3, 2, 2)."""
    check(Reshape(target), sample(*in_shape), lambda x: reshape_loop(x, resolved))


@pytest.mark.parametrize("in_shape, dims", [((3, 4), (2, 1)), ((2, 3, 4), (3, 1, 2)), ((2, 3, 4), (1, 3, 2)),
                                            ((2, 1, 3, 2), (4, 2, 1, 3))])
def test_permute(in_shape: tuple, dims: tuple) -> None:
    check(Permute(dims), sample(*in_shape), lambda x: permute_loop(x, dims))


def test_permute_keras_example_shape() -> None:
    """Keras: Permute((2, 1)) on (None, 10, 64) gives (None, 64, 10)."""
    assert Permute((2, 1)).compute_output_shape((10, 64)) == (64, 10)


@pytest.mark.parametrize("n", [1, 3])
def test_repeat_vector(n: int) -> None:
    check(RepeatVector(n), sample(5), lambda x: repeat_loop(x, n))
    assert RepeatVector(3).compute_output_shape((32,)) == (3, 32)  # Keras's example


# -- UpSampling ------------------------------------------------------------------------------------
@pytest.mark.parametrize("layer, shape, size", [
    (UpSampling1D(), (3, 2), (2,)), (UpSampling1D(size=3), (2, 4), (3,)),
    (UpSampling2D(), (2, 3, 2), (2, 2)), (UpSampling2D(size=(1, 3)), (3, 2, 1), (1, 3)),
    (UpSampling3D(), (2, 2, 1, 2), (2, 2, 2)), (UpSampling3D(size=(1, 2, 3)), (2, 3, 2, 1), (1, 2, 3)),
])
def test_nearest_up_sampling(layer: Any, shape: tuple, size: tuple) -> None:
    check(layer, sample(*shape), lambda x: nearest_loop(x, size))


@pytest.mark.parametrize("size, shape", [((2, 2), (3, 4, 2)), ((3, 2), (2, 3, 1)), ((4, 1), (3, 1, 2)),
                                         ((1, 5), (2, 4, 3)), ((2, 3), (1, 1, 2))])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_bilinear_up_sampling(size: tuple, shape: tuple, data_format: str) -> None:
    x = sample(*shape)
    reference: Callable[[np.ndarray], np.ndarray] = lambda v: bilinear_loop(v, size)  # noqa: E731
    if data_format == "channels_first":
        x, reference = np.moveaxis(x, -1, 1), channels_first(reference)
    check(UpSampling2D(size, data_format=data_format, interpolation="bilinear"), x, reference)


def test_up_sampling_channels_first_nearest() -> None:
    x = np.moveaxis(sample(2, 3, 2), -1, 1)
    check(UpSampling2D((2, 1), data_format="channels_first"), x, channels_first(lambda v: nearest_loop(v, (2, 1))))
    x3 = np.moveaxis(sample(2, 1, 2, 3), -1, 1)
    check(UpSampling3D(2, data_format="channels_first"), x3, channels_first(lambda v: nearest_loop(v, (2, 2, 2))))


def test_up_sampling_keras_example() -> None:
    """Keras's UpSampling2D docstring: (2, 2, 1, 3) with size=(1, 2) repeats each column twice."""
    x = np.arange(12.0).reshape(2, 2, 1, 3)
    y = build(UpSampling2D(size=(1, 2)), (2, 1, 3))(x)
    np.testing.assert_array_equal(y[0], [[[0, 1, 2], [0, 1, 2]], [[3, 4, 5], [3, 4, 5]]])
    assert y.shape == (2, 2, 2, 3)


# -- ZeroPadding and Cropping ----------------------------------------------------------------------
@pytest.mark.parametrize("layer, shape, pads", [
    (ZeroPadding1D(), (3, 2), ((1, 1),)), (ZeroPadding1D((0, 3)), (2, 1), ((0, 3),)),
    (ZeroPadding2D(), (2, 3, 1), ((1, 1), (1, 1))), (ZeroPadding2D((2, 0)), (2, 2, 2), ((2, 2), (0, 0))),
    (ZeroPadding2D(((0, 1), (2, 3))), (1, 2, 1), ((0, 1), (2, 3))),
    (ZeroPadding3D(), (1, 2, 1, 1), ((1, 1), (1, 1), (1, 1))),
    (ZeroPadding3D((1, 0, 2)), (2, 1, 1, 2), ((1, 1), (0, 0), (2, 2))),
])
def test_zero_padding(layer: Any, shape: tuple, pads: tuple) -> None:
    check(layer, sample(*shape), lambda x: pad_loop(x, pads))


def test_zero_padding_keras_example() -> None:
    """Keras's ZeroPadding1D docstring: padding=2 on (2, 2, 3) adds two zero rows on each side."""
    x = np.arange(12.0).reshape(2, 2, 3)
    y = build(ZeroPadding1D(padding=2), (2, 3))(x)
    np.testing.assert_array_equal(y[0], [[0, 0, 0], [0, 0, 0], [0, 1, 2], [3, 4, 5], [0, 0, 0], [0, 0, 0]])


def test_zero_padding_and_cropping_channels_first() -> None:
    pads = ((1, 2), (0, 1))
    x = np.moveaxis(sample(2, 3, 2), -1, 1)
    check(ZeroPadding2D(pads, data_format="channels_first"), x, channels_first(lambda v: pad_loop(v, pads)))
    check(Cropping2D(((0, 1), (1, 1)), data_format="channels_first"), x,
          channels_first(lambda v: crop_loop(v, ((0, 1), (1, 1)))))
    x1 = np.moveaxis(sample(4, 2), -1, 1)
    check(ZeroPadding1D((2, 1), data_format="channels_first"), x1, channels_first(lambda v: pad_loop(v, ((2, 1),))))


@pytest.mark.parametrize("layer, shape, crops", [
    (Cropping1D(), (4, 2), ((1, 1),)), (Cropping1D((0, 2)), (3, 1), ((0, 2),)),
    (Cropping2D(), (2, 3, 1), ((0, 0), (0, 0))), (Cropping2D(((2, 2), (4, 4))), (5, 9, 2), ((2, 2), (4, 4))),
    (Cropping2D((1, 0)), (3, 3, 1), ((1, 1), (0, 0))),
    (Cropping3D(), (3, 4, 3, 1), ((1, 1), (1, 1), (1, 1))),
    (Cropping3D(((0, 1), (2, 0), (1, 1))), (2, 3, 3, 2), ((0, 1), (2, 0), (1, 1))),
])
def test_cropping(layer: Any, shape: tuple, crops: tuple) -> None:
    check(layer, sample(*shape), lambda x: crop_loop(x, crops))


def test_cropping_keras_example_shape() -> None:
    """Keras: Cropping2D(((2, 2), (4, 4))) on (2, 28, 28, 3) gives (2, 24, 20, 3)."""
    assert Cropping2D(((2, 2), (4, 4))).compute_output_shape((28, 28, 3)) == (24, 20, 3)


# -- Flatten ---------------------------------------------------------------------------------------
def test_flatten_channels_first_orders_features_as_channels_last() -> None:
    x = sample(3, 2, 4)  # (channels, rows, cols)
    check(Flatten(data_format="channels_first"), x, flatten_channels_first_loop)
    x_last = np.moveaxis(x, 1, -1)
    np.testing.assert_array_equal(build(Flatten(data_format="channels_first"), x.shape[1:])(x),
                                  build(Flatten(), x_last.shape[1:])(x_last))


def test_flatten_channels_first_leaves_vectors_alone() -> None:
    x = sample(5)
    np.testing.assert_array_equal(build(Flatten(data_format="channels_first"), (5,))(x), x)


# -- configs and errors ----------------------------------------------------------------------------
@pytest.mark.parametrize("layer", [
    Reshape((2, -1)), Permute((2, 3, 1)), RepeatVector(4), UpSampling1D(3),
    UpSampling2D((2, 3), data_format="channels_first", interpolation="bilinear"), UpSampling3D((1, 2, 1)),
    ZeroPadding1D((1, 2)), ZeroPadding2D(((1, 2), (0, 3))), ZeroPadding3D(2, data_format="channels_first"),
    Cropping1D(3), Cropping2D((1, 2)), Cropping3D(((0, 1), (1, 0), (2, 2))), Flatten(data_format="channels_first"),
])
def test_config_round_trips_through_the_registry(layer: Any) -> None:
    config = layer.get_config()
    again = neuropil.layers.get({"class_name": type(layer).__name__, "config": config})
    assert type(again) is type(layer) and again.get_config() == config


@pytest.mark.parametrize("make, error, words", [
    (lambda: Reshape((-1, 2, -1)), ArgumentError, ["Reshape", "target_shape", "at most one -1", "(-1, 2, -1)"]),
    (lambda: Reshape((0, 3)), ArgumentError, ["Reshape", "target_shape", "positive"]),
    (lambda: Reshape(12), ArgumentTypeError, ["Reshape", "target_shape", "received target_shape=12"]),
    (lambda: Permute((1, 3)), ArgumentError, ["Permute", "dims", "permutation of 1..2", "(1, 3)"]),
    (lambda: Permute((0, 1)), ArgumentError, ["Permute", "dims", "received dims=(0, 1)"]),
    (lambda: RepeatVector(0), ArgumentError, ["RepeatVector", "n", "received n=0"]),
    (lambda: UpSampling2D(0), ArgumentError, ["UpSampling2D", "size", "received size=0"]),
    (lambda: UpSampling2D(interpolation="bicubic"), ArgumentError, ["UpSampling2D", "interpolation", "'bilinear'"]),
    (lambda: ZeroPadding2D(-1), ArgumentError, ["ZeroPadding2D", "padding", "non-negative", "received padding=-1"]),
    (lambda: ZeroPadding3D((1, 2)), ArgumentError, ["ZeroPadding3D", "padding", "tuple of 3"]),
    (lambda: Cropping1D((1, 2, 3)), ArgumentError, ["Cropping1D", "cropping", "tuple of 2 ints"]),
    (lambda: Cropping2D(((1, 2), (1,))), ArgumentError, ["Cropping2D", "cropping"]),
    (lambda: Cropping2D(1.5), ArgumentTypeError, ["Cropping2D", "cropping", "received cropping=1.5"]),
    (lambda: Flatten(data_format="channels"), ArgumentError, ["Flatten", "data_format", "'channels_first'"]),
])
def test_bad_arguments_fail_at_construction(make: Callable[[], Any], error: type, words: list) -> None:
    with pytest.raises(error) as info:
        make()
    assert isinstance(info.value, NeuropilError)
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize("layer, shape, words", [
    (Cropping2D(((2, 2), (0, 0)), name="crop"), (4, 5, 1), ["'crop'", "Cropping2D", "cropping", "(4, 5, 1)"]),
    (Cropping1D((3, 3), name="crop1"), (6, 2), ["'crop1'", "cropping smaller"]),
    (Reshape((5, -1), name="rs"), (12,), ["'rs'", "target_shape=(5, -1)", "(12,)"]),
    (Reshape((3, 5), name="rs2"), (12,), ["'rs2'", "12 values"]),
    (Permute((2, 1), name="perm"), (2, 3, 4), ["'perm'", "2 axes"]),
    (RepeatVector(2, name="rep"), (2, 3), ["'rep'", "rank 2"]),
    (UpSampling2D(name="up"), (4, 4), ["'up'", "rank 4"]),
])
def test_inputs_that_do_not_fit_fail_at_build(layer: Any, shape: tuple, words: list) -> None:
    with pytest.raises(LayerError) as info:
        build(layer, shape)
    for word in words:
        assert word in str(info.value)


def test_shape_layers_train_inside_a_model() -> None:
    """Gradients flow through a stack of shape layers to a Dense layer: fit reduces the loss."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4, 4, 2)).astype("float32")
    y = (x[:, 1:3, 1:3, 0].sum(axis=(1, 2)) > 0).astype("float32")
    neuropil.utils.set_random_seed(0)
    model = neuropil.Sequential([
        Cropping2D(1, input_shape=(4, 4, 2)), UpSampling2D(interpolation="bilinear"), ZeroPadding2D(1),
        Permute((3, 1, 2)), Reshape((-1,)), RepeatVector(2), Flatten(), neuropil.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    losses = model.fit(x, y, epochs=20, batch_size=16, verbose=0).history["loss"]
    assert losses[-1] < 0.7 * losses[0]
    assert [layer.output_shape for layer in model.layers[:6]] == [(2, 2, 2), (4, 4, 2), (6, 6, 2), (2, 6, 6), (72,),
                                                                  (2, 72)]
