"""LayerNormalization, GroupNormalization, UnitNormalization and Normalization against direct float64
loop implementations of Keras's formulas, their backwards against central differences, Normalization's
adapt against NumPy's statistics of the whole data set, and errors naming what was expected."""
from __future__ import annotations

import itertools
import json
from typing import Any

import neuropil
import neuropil.layers
import numpy as np
import pytest
from finite_differences import central_difference
from neuropil.errors import ArgumentError, ArgumentTypeError, LayerError, NeuropilError
from neuropil.layers import GroupNormalization, LayerNormalization, Normalization, UnitNormalization


def build(layer: Any, input_shape: tuple[int, ...], seed: int = 0) -> Any:
    layer.ensure_built(input_shape, neuropil.backends.get("numpy"), np.random.default_rng(seed))
    return layer


def randomize(layer: Any, seed: int = 5) -> None:
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.uniform(0.5, 1.5, size=w.shape) for w in layer.get_weights()])


def data(*shape: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(1.0, 2.0, size=shape)


def assert_backward_matches_differences(layer: Any, x: np.ndarray, seed: int = 3) -> None:
    """dx and every parameter gradient of ``sum(y * dy)`` against central differences."""
    y, backward = layer.forward(x, training=True)
    dy = np.random.default_rng(seed).normal(size=y.shape)
    dx = backward(dy)

    def objective() -> float:
        return float((layer.forward(x, training=True)[0] * dy).sum())

    np.testing.assert_allclose(dx, central_difference(objective, x), rtol=1e-5, atol=1e-8)
    for name in layer.trainable_params:
        np.testing.assert_allclose(layer.grads[name], central_difference(objective, layer.params[name]),
                                   rtol=1e-5, atol=1e-8)


# -- LayerNormalization ------------------------------------------------------------------------------
def layer_norm_loop(x: np.ndarray, axes: tuple[int, ...], gamma: Any, beta: Any, eps: float,
                    rms: bool = False) -> np.ndarray:
    """Sample by sample and slice by slice: the normalized axes are gathered into one vector."""
    out = np.empty_like(x)
    others = [a for a in range(x.ndim) if a not in axes]
    for outer in itertools.product(*(range(x.shape[a]) for a in others)):
        index: list[Any] = [slice(None)] * x.ndim
        for a, i in zip(others, outer):
            index[a] = i
        block = x[tuple(index)]
        values = block.reshape(-1)
        mean = sum(values) / len(values)
        var = sum((v - mean) ** 2 for v in values) / len(values)
        if rms:
            normed = block / np.sqrt(var + eps)
        else:
            normed = (block - mean) / np.sqrt(var + eps)
        result = normed * (1.0 if gamma is None else gamma)
        out[tuple(index)] = result + (0.0 if beta is None else beta)
    return out


@pytest.mark.parametrize(("config", "shape", "axes"), [
    ({}, (5,), (1,)),
    ({"axis": [1, 2], "epsilon": 0.01}, (3, 4), (1, 2)),
    ({"axis": 1, "center": False}, (4, 3), (1,)),
    ({"axis": -2, "scale": False}, (3, 2, 4), (2,)),
])
def test_layer_normalization_matches_a_loop_over_samples(config: dict, shape: tuple, axes: tuple) -> None:
    layer = build(LayerNormalization(dtype="float64", **config), shape)
    randomize(layer)
    x = data(3, *shape)
    params = layer.params
    gamma, beta = params.get("gamma"), params.get("beta")  # of the shape of one normalized slice
    expected = layer_norm_loop(x, axes, gamma, beta, config.get("epsilon", 1e-3))
    np.testing.assert_allclose(layer(x), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer(x, training=True), expected, rtol=1e-12, atol=1e-12)


def test_layer_normalization_rms_scaling_is_keras_variance_scaling_without_beta() -> None:
    layer = build(LayerNormalization(rms_scaling=True, dtype="float64"), (5,))
    assert layer.weight_names() == ["gamma"]  # Keras creates no beta under rms_scaling
    randomize(layer)
    x = data(4, 5)
    expected = layer_norm_loop(x, (1,), layer.params["gamma"], None, 1e-3, rms=True)
    np.testing.assert_allclose(layer(x), expected, rtol=1e-12)


@pytest.mark.parametrize("config", [{}, {"axis": [1, 2]}, {"rms_scaling": True}, {"axis": 1, "center": False}])
def test_layer_normalization_backward_matches_central_differences(config: dict) -> None:
    layer = build(LayerNormalization(dtype="float64", **config), (3, 4))
    randomize(layer)
    assert_backward_matches_differences(layer, data(2, 3, 4))


def test_layer_normalization_weights_follow_keras_layout() -> None:
    layer = build(LayerNormalization(axis=[1, 2]), (3, 4))
    assert layer.weight_names() == ["gamma", "beta"]
    assert [w.shape for w in layer.get_weights()] == [(3, 4), (3, 4)]
    assert layer.count_params() == 24


# -- GroupNormalization -------------------------------------------------------------------------------
def group_norm_loop(x: np.ndarray, groups: int, axis: int, gamma: Any, beta: Any, eps: float) -> np.ndarray:
    """Channel axis moved last; every (sample, group) normalized on its own."""
    moved = np.moveaxis(x, axis, -1)
    out = np.empty_like(moved)
    channels = moved.shape[-1]
    size = channels // groups
    for n in range(moved.shape[0]):
        for g in range(groups):
            block = moved[n, ..., g * size:(g + 1) * size]
            values = block.reshape(-1)
            mean = sum(values) / len(values)
            var = sum((v - mean) ** 2 for v in values) / len(values)
            out[n, ..., g * size:(g + 1) * size] = (block - mean) / np.sqrt(var + eps)
    out = out * (1.0 if gamma is None else gamma) + (0.0 if beta is None else beta)
    return np.moveaxis(out, -1, axis)


@pytest.mark.parametrize(("config", "shape", "groups"), [
    ({"groups": 2}, (3, 4), 2),
    ({"groups": -1, "epsilon": 0.01}, (2, 2, 3), 3),
    ({"groups": 1, "center": False}, (5,), 1),
    ({"groups": 3, "axis": 1}, (6, 2), 3),
])
def test_group_normalization_matches_a_loop_over_groups(config: dict, shape: tuple, groups: int) -> None:
    layer = build(GroupNormalization(dtype="float64", **config), shape)
    randomize(layer)
    x = data(3, *shape)
    axis = config.get("axis", -1) % x.ndim
    expected = group_norm_loop(x, groups, axis, layer.params.get("gamma"), layer.params.get("beta"),
                               config.get("epsilon", 1e-3))
    np.testing.assert_allclose(layer(x), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("config", [{"groups": 2}, {"groups": -1}, {"groups": 3, "axis": 1, "scale": False}])
def test_group_normalization_backward_matches_central_differences(config: dict) -> None:
    layer = build(GroupNormalization(dtype="float64", **config), (6, 2) if "axis" in config else (3, 4))
    randomize(layer)
    assert_backward_matches_differences(layer, data(2, *layer.input_shape))


def test_group_normalization_refuses_groups_that_do_not_divide_the_channels() -> None:
    with pytest.raises(LayerError, match=r"groups=3 for 4 channels"):
        build(GroupNormalization(groups=3), (5, 4))
    with pytest.raises(LayerError, match=r"groups=32 for 4 channels"):
        build(GroupNormalization(), (4,))  # Keras's default of 32 groups needs >= 32 channels
    with pytest.raises(ArgumentError, match=r"GroupNormalization expects groups .* received groups=0"):
        GroupNormalization(groups=0)


# -- UnitNormalization --------------------------------------------------------------------------------
def test_unit_normalization_gives_unit_l2_norm_per_slice() -> None:
    x = data(3, 4, 5)
    layer = build(UnitNormalization(axis=[1, 2], dtype="float64"), (4, 5))
    y = layer(x)
    for n in range(3):
        norm = sum(v * v for v in x[n].reshape(-1)) ** 0.5
        np.testing.assert_allclose(y[n], x[n] / norm, rtol=1e-12)


def test_unit_normalization_leaves_a_zero_slice_at_zero_and_backward_matches_differences() -> None:
    layer = build(UnitNormalization(dtype="float64"), (4,))
    x = data(3, 4)
    x[1] = 0.0
    y, backward = layer.forward(x)
    assert np.all(y[1] == 0.0) and np.all(np.isfinite(y))
    smooth = build(UnitNormalization(dtype="float64"), (4,))
    assert_backward_matches_differences(smooth, data(3, 4))


# -- Normalization ------------------------------------------------------------------------------------
def test_normalization_with_given_statistics_standardizes_and_inverts() -> None:
    mean, variance = [0.5, -1.0, 2.0], [4.0, 1.0, 0.0]
    layer = build(Normalization(mean=mean, variance=variance, dtype="float64"), (3,))
    x = data(5, 3)
    std = np.maximum(np.sqrt(variance), 1e-7)  # Keras: max(sqrt(variance), epsilon)
    np.testing.assert_allclose(layer(x), (x - np.array(mean)) / std, rtol=1e-12)
    inverse = build(Normalization(mean=mean, variance=variance, invert=True, dtype="float64"), (3,))
    np.testing.assert_allclose(inverse(layer(x)), x, rtol=1e-9, atol=1e-9)
    assert layer.weight_names() == []  # given statistics are constants of the config, as in Keras


def test_normalization_adapt_on_an_array_equals_numpy_statistics() -> None:
    x = data(50, 4, 3)
    layer = Normalization()
    layer.adapt(x)
    build(layer, (4, 3))
    assert layer.weight_names() == ["mean", "variance", "count"]
    mean, variance, count = layer.get_weights()
    np.testing.assert_allclose(mean, x.mean(axis=(0, 1)), rtol=1e-5)
    np.testing.assert_allclose(variance, x.var(axis=(0, 1)), rtol=1e-5)
    assert count == 200
    y = layer(x.astype("float32"))
    np.testing.assert_allclose(y.reshape(-1, 3).mean(0), 0.0, atol=1e-5)
    np.testing.assert_allclose(y.reshape(-1, 3).std(0), 1.0, rtol=1e-5)


def test_normalization_adapt_on_batches_equals_the_whole_data_set() -> None:
    x = data(37, 3, seed=4) * np.array([1.0, 10.0, 0.1])
    whole = Normalization(dtype="float64")
    whole.adapt(x)
    batched = Normalization(dtype="float64")
    batched.adapt(x[i:i + 8] for i in range(0, 37, 8))  # a generator of uneven batches
    with_targets = Normalization(dtype="float64")
    with_targets.adapt([(x[:20], np.zeros(20)), (x[20:], np.zeros(17))])  # (x, y) batches use x

    class Batches:  # a PyDataset-like sequence: batches by index
        def __len__(self) -> int:
            return 2

        def __getitem__(self, i: int) -> np.ndarray:
            return x[i * 19:(i + 1) * 19]

    sequence = Normalization(dtype="float64")
    sequence.adapt(Batches())
    for layer in (whole, batched, with_targets, sequence):
        build(layer, (3,))
        mean, variance, _ = layer.get_weights()
        np.testing.assert_allclose(mean, x.mean(0), rtol=1e-12)
        np.testing.assert_allclose(variance, x.var(0), rtol=1e-12)


def test_normalization_adapt_after_build_updates_the_weights_and_axis_none_uses_one_statistic() -> None:
    layer = build(Normalization(axis=None, dtype="float64"), (2, 3))
    x = data(10, 2, 3)
    np.testing.assert_allclose(layer(x), x)  # not adapted: mean 0, variance 1
    layer.adapt(x)
    np.testing.assert_allclose(layer(x), (x - x.mean()) / x.std(), rtol=1e-10)


def test_normalization_backward_is_the_constant_scale() -> None:
    layer = build(Normalization(mean=[1.0, 2.0], variance=[4.0, 0.25], dtype="float64"), (2,))
    assert_backward_matches_differences(layer, data(3, 2))
    inverse = build(Normalization(mean=[1.0, 2.0], variance=[4.0, 0.25], invert=True, dtype="float64"), (2,))
    assert_backward_matches_differences(inverse, data(3, 2))


def test_normalization_config_round_trips_through_json() -> None:
    layer = Normalization(axis=[1, 2], mean=[[0.0, 1.0]], variance=[[1.0, 2.0]], invert=True)
    config = json.loads(json.dumps(layer.get_config()))
    rebuilt = neuropil.layers.deserialize({"class_name": "Normalization", "config": config})
    x = data(2, 3, 2)
    np.testing.assert_allclose(build(rebuilt, (3, 2))(x), build(layer, (3, 2))(x))


@pytest.mark.parametrize(("factory", "message"), [
    (lambda: Normalization(mean=1.0), r"both mean and variance"),
    (lambda: Normalization(mean=[1.0, 2.0], variance=[1.0]), r"one shape"),
    (lambda: Normalization(mean=0.0, variance=-1.0), r"variance to be >= 0"),
    (lambda: Normalization(axis=-1, mean=[[1.0]], variance=[[1.0]]), r"rank at most 1"),
    (lambda: LayerNormalization(epsilon=0), r"LayerNormalization expects epsilon .* received epsilon=0"),
    (lambda: LayerNormalization(center="yes"), r"LayerNormalization expects center to be True or False"),
    (lambda: LayerNormalization(axis=1.5), r"LayerNormalization expects axis to be an integer"),
    (lambda: UnitNormalization(axis=[1, 1]), r"each axis once"),
])
def test_bad_arguments_fail_at_construction_naming_the_argument(factory: Any, message: str) -> None:
    with pytest.raises(NeuropilError, match=message):
        factory()


def test_the_batch_axis_is_refused_at_build() -> None:
    with pytest.raises(LayerError, match=r"not the batch axis"):
        build(LayerNormalization(axis=0), (3,))
    with pytest.raises(LayerError, match=r"axis=\[1, 3\]|axis=\(1, 3\)"):
        build(UnitNormalization(axis=[1, 3]), (3,))
    with pytest.raises(ArgumentTypeError):
        Normalization().adapt(42)
