"""SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout, AlphaDropout and ActivityRegularization:
training-only randomness with Keras's distributions (checked against the formulas with the same
draws, and statistically), identity at inference, backwards matching the map applied, and the
activity penalty reaching the training loss."""
from __future__ import annotations

import math
from typing import Any

import neuropil
import neuropil.layers
import numpy as np
import pytest
from finite_differences import central_difference
from neuropil.errors import LayerError, NeuropilError
from neuropil.layers import (
    ActivityRegularization,
    AlphaDropout,
    Dense,
    GaussianDropout,
    GaussianNoise,
    SpatialDropout1D,
    SpatialDropout2D,
    SpatialDropout3D,
)
from neuropil.models import Sequential


def build(layer: Any, input_shape: tuple[int, ...], seed: int = 0) -> Any:
    layer.ensure_built(input_shape, neuropil.backends.get("numpy"), np.random.default_rng(seed))
    return layer


def positive(*shape: int, seed: int = 1) -> np.ndarray:
    """Values in [1, 2): never 0, so the ratio y / x recovers a multiplicative mask."""
    return np.random.default_rng(seed).uniform(1.0, 2.0, size=shape)


# -- SpatialDropout ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("layer_class", "shape", "data_format", "channel_axis"), [
    (SpatialDropout1D, (6, 5), None, -1),
    (SpatialDropout2D, (4, 3, 5), None, -1),
    (SpatialDropout2D, (5, 4, 3), "channels_first", 1),
    (SpatialDropout3D, (2, 3, 2, 5), None, -1),
])
def test_spatial_dropout_drops_whole_channels(layer_class: Any, shape: tuple, data_format: Any,
                                              channel_axis: int) -> None:
    kwargs = {} if data_format is None else {"data_format": data_format}
    layer = build(layer_class(0.4, seed=3, dtype="float64", **kwargs), shape)
    x = positive(64, *shape)
    y, backward = layer.forward(x, training=True)
    ratio = y / x
    assert set(np.unique(np.round(ratio, 12))) <= {0.0, round(1 / 0.6, 12)}
    # one value per (sample, channel): constant along every spatial axis
    per_channel = np.moveaxis(ratio, channel_axis, 1).reshape(64, x.shape[channel_axis], -1)
    np.testing.assert_allclose(per_channel, np.broadcast_to(per_channel[..., :1], per_channel.shape), rtol=1e-12)
    dropped = float((per_channel[..., 0] == 0).mean())
    assert 0.3 < dropped < 0.5  # 64 * 5 channel draws at rate 0.4
    dy = np.random.default_rng(0).normal(size=y.shape)
    np.testing.assert_allclose(backward(dy), dy * ratio, rtol=1e-12)
    assert layer(x, training=False) is x


def test_spatial_dropout_matches_the_formula_with_the_same_draws() -> None:
    layer = build(SpatialDropout2D(0.3, data_format="channels_first", seed=4, dtype="float64"), (3, 2, 5))
    x = np.random.default_rng(3).normal(size=(4, 3, 2, 5))
    draws = np.random.default_rng(4).random((4, 3, 1, 1))  # one per (sample, channel)
    expected = np.zeros_like(x)
    for n in range(4):
        for c in range(3):
            if draws[n, c, 0, 0] >= 0.3:
                expected[n, c] = x[n, c] / 0.7
    np.testing.assert_allclose(layer(x, training=True), expected, rtol=1e-12)


def test_spatial_dropout_refuses_inputs_of_the_wrong_rank_and_bad_formats() -> None:
    with pytest.raises(LayerError, match=r"SpatialDropout2D\) expects inputs of rank 4"):
        build(SpatialDropout2D(0.5), (4, 3))
    with pytest.raises(NeuropilError, match=r"SpatialDropout3D expects data_format to be one of"):
        SpatialDropout3D(0.5, data_format="nchw")
    with pytest.raises(ValueError, match=r"SpatialDropout1D expects rate"):
        SpatialDropout1D(1.5)


# -- GaussianNoise / GaussianDropout -----------------------------------------------------------------
def test_gaussian_noise_adds_normal_noise_of_stddev_in_training_only() -> None:
    layer = build(GaussianNoise(0.3, seed=7, dtype="float64"), (1000,))
    x = positive(200, 1000)
    y, backward = layer.forward(x, training=True)
    noise = y - x
    assert abs(noise.mean()) < 0.003 and noise.std() == pytest.approx(0.3, rel=0.01)
    # the same draws as NumPy's generator seeded the same way: the formula x + stddev * N(0, 1)
    np.testing.assert_allclose(y, x + 0.3 * np.random.default_rng(7).standard_normal(x.shape), rtol=1e-12)
    dy = np.ones_like(y)
    assert np.array_equal(backward(dy), dy)
    assert layer(x) is x


def test_gaussian_dropout_multiplies_by_noise_of_mean_one_and_keras_stddev() -> None:
    rate = 0.2
    layer = build(GaussianDropout(rate, seed=5, dtype="float64"), (1000,))
    x = positive(200, 1000)
    y, backward = layer.forward(x, training=True)
    noise = y / x
    assert noise.mean() == pytest.approx(1.0, abs=0.003)
    assert noise.std() == pytest.approx(math.sqrt(rate / (1 - rate)), rel=0.01)
    dy = np.random.default_rng(1).normal(size=y.shape)
    np.testing.assert_allclose(backward(dy), dy * noise, rtol=1e-10)
    assert layer(x) is x
    same_draws = 1.0 + math.sqrt(rate / (1 - rate)) * np.random.default_rng(5).standard_normal(x.shape)
    np.testing.assert_allclose(y, x * same_draws, rtol=1e-12)


# -- AlphaDropout -----------------------------------------------------------------------------------
def alpha_dropout_formula(x: np.ndarray, kept: np.ndarray, rate: float) -> np.ndarray:
    alpha_p = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946
    a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5
    b = -a * alpha_p * rate
    return a * (x * kept + alpha_p * (1 - kept)) + b


def test_alpha_dropout_matches_keras_formula_with_the_same_draws() -> None:
    layer = build(AlphaDropout(0.3, seed=11, dtype="float64"), (4, 3))
    x = np.random.default_rng(2).normal(size=(5, 4, 3))
    y, backward = layer.forward(x, training=True)
    kept = (np.random.default_rng(11).random(x.shape) >= 0.3).astype(float)
    np.testing.assert_allclose(y, alpha_dropout_formula(x, kept, 0.3), rtol=1e-12)

    def objective() -> float:
        return float((alpha_dropout_formula(x, kept, 0.3) * dy).sum())

    dy = np.random.default_rng(3).normal(size=y.shape)
    np.testing.assert_allclose(backward(dy), central_difference(objective, x), rtol=1e-6, atol=1e-9)
    assert layer(x) is x


def test_alpha_dropout_keeps_standard_normal_inputs_standard() -> None:
    layer = build(AlphaDropout(0.25, seed=0, dtype="float64"), (1000,))
    y = layer(np.random.default_rng(4).normal(size=(1000, 1000)), training=True)
    assert abs(y.mean()) < 0.01 and y.std() == pytest.approx(1.0, abs=0.01)


def test_alpha_dropout_noise_shape_shares_the_draw() -> None:
    layer = build(AlphaDropout(0.5, noise_shape=(None, 1), seed=2, dtype="float64"), (6,))
    x = positive(50, 6)
    y = layer(x, training=True)
    dropped = np.isclose(y, y[:, :1]) & np.isclose(y[:, :1], y[:, 1:2])  # a dropped row is constant
    assert np.all(dropped.all(axis=1) | ~dropped.any(axis=1))


@pytest.mark.parametrize(("factory", "message"), [
    (lambda: GaussianNoise(-0.1), r"GaussianNoise expects stddev to be a finite number in \[0, 1\]"),
    (lambda: GaussianNoise(0.1, seed="x"), r"GaussianNoise expects seed to be an integer"),
    (lambda: GaussianDropout(1.0), r"GaussianDropout expects rate to be a finite number in \[0, 1\)"),
    (lambda: AlphaDropout(1.0), r"AlphaDropout expects rate to be a finite number in \[0, 1\)"),
    (lambda: SpatialDropout2D(-0.5), r"SpatialDropout2D expects rate to be a finite number in \[0, 1\)"),
    (lambda: ActivityRegularization(l1=-1.0), r"ActivityRegularization expects l1 to be a finite number >= 0"),
])
def test_bad_arguments_fail_at_construction(factory: Any, message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        factory()


# -- ActivityRegularization -------------------------------------------------------------------------
def test_activity_regularization_is_the_identity_with_the_penalty_gradient() -> None:
    layer = build(ActivityRegularization(l1=0.1, l2=0.5, dtype="float64"), (4,))
    x = np.random.default_rng(5).normal(size=(3, 4))
    y, backward = layer.forward(x, training=True)
    assert np.array_equal(y, x)
    # Keras 3 divides the activity penalty by the batch size (3 here)
    assert float(layer.activity_loss) == pytest.approx((0.1 * np.abs(x).sum() + 0.5 * (x ** 2).sum()) / 3)
    dy = np.random.default_rng(6).normal(size=x.shape)

    def objective() -> float:  # what training differentiates: the output's share plus the penalty
        return float((x * dy).sum() + (0.1 * np.abs(x).sum() + 0.5 * (x ** 2).sum()) / 3)

    np.testing.assert_allclose(backward(dy), central_difference(objective, x), rtol=1e-6)


def test_activity_penalty_reaches_the_training_loss_and_the_gradient() -> None:
    rng = np.random.default_rng(8)
    x, y = rng.normal(size=(16, 3)), rng.normal(size=(16, 2))

    def model(l2: float) -> Sequential:
        dense = Dense(2, input_shape=(3,), kernel_initializer="ones", bias_initializer="zeros")
        m = Sequential([dense, ActivityRegularization(l2=l2)])
        m.compile(neuropil.optimizers.SGD(0.01), "mse")
        return m

    plain, penalized = model(0.0), model(0.25)
    out = x @ np.ones((3, 2))
    mse = float(((out - y) ** 2).mean())
    assert plain.train_on_batch(x, y) == pytest.approx(mse, rel=1e-5)
    assert penalized.train_on_batch(x, y) == pytest.approx(mse + 0.25 * (out ** 2).sum() / 16, rel=1e-5)
    # the penalty's gradient moved the kernel too: towards smaller outputs than the plain model's
    assert np.abs(penalized.get_weights()[0]).sum() < np.abs(plain.get_weights()[0]).sum()


def test_configs_round_trip() -> None:
    for layer in (SpatialDropout2D(0.3, data_format="channels_first", seed=1), GaussianNoise(0.2, seed=3),
                  GaussianDropout(0.1), AlphaDropout(0.2, noise_shape=(None, 1)),
                  ActivityRegularization(l1=0.01, l2=0.02)):
        config = layer.get_config()
        rebuilt = neuropil.layers.deserialize({"class_name": type(layer).__name__, "config": config})
        assert rebuilt.get_config() == config
