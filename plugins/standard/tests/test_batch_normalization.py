"""BatchNormalization as Keras computes it: batch statistics and moving-statistic updates in training,
moving statistics at inference and when frozen, exact backward passes in both modes, Keras's weight
order and counts, and errors that name what was expected and received."""
from __future__ import annotations

import json
from typing import Any

import neuropil
import neuropil.layers
import numpy as np
import pytest
from finite_differences import central_difference
from neuropil.layers import BatchNormalization

RANDOM_GAMMA = {"class_name": "RandomUniform", "config": {"minval": 0.5, "maxval": 2.0}}


def build(layer: Any, input_shape: tuple[int, ...], seed: int = 0) -> Any:
    layer.ensure_built(input_shape, neuropil.backends.get("numpy"), np.random.default_rng(seed))
    return layer


def inputs(*shape: int, seed: int = 2) -> np.ndarray:
    """Features with different means and spreads, so normalizing visibly changes them."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=shape) * rng.uniform(0.5, 3.0, size=shape[-1]) + rng.uniform(-2, 2, size=shape[-1])


def keras_formula(x: np.ndarray, gamma: Any, beta: Any, mean: np.ndarray, variance: np.ndarray,
                  epsilon: float) -> np.ndarray:
    return (x - mean) / np.sqrt(variance + epsilon) * gamma + beta


def bn(**config: Any) -> BatchNormalization:
    config.setdefault("dtype", "float64")
    return BatchNormalization(**config)


# -- forward ---------------------------------------------------------------------------------------
def test_training_forward_normalizes_with_the_batch_mean_and_biased_variance() -> None:
    layer = build(bn(gamma_initializer=RANDOM_GAMMA, beta_initializer="random_normal", epsilon=0.01), (4,))
    gamma, beta, _, _ = layer.get_weights()
    x = inputs(5, 4)
    y = layer.forward(x, training=True)[0]
    np.testing.assert_allclose(y, keras_formula(x, gamma, beta, x.mean(0), x.var(0), 0.01), rtol=1e-12)
    # not the unbiased variance: with 5 samples the two differ by 25%
    assert not np.allclose(y, keras_formula(x, gamma, beta, x.mean(0), x.var(0, ddof=1), 0.01), rtol=1e-3)


def test_training_forward_moves_the_moving_statistics_by_momentum() -> None:
    layer = build(bn(momentum=0.9), (3,))
    first, second = inputs(4, 3, seed=1), inputs(4, 3, seed=2)
    layer.forward(first, training=True)
    _, _, moving_mean, moving_variance = layer.get_weights()
    np.testing.assert_allclose(moving_mean, 0.1 * first.mean(0), rtol=1e-12)
    np.testing.assert_allclose(moving_variance, 0.9 * 1.0 + 0.1 * first.var(0), rtol=1e-12)
    layer.forward(second, training=True)
    _, _, moving_mean, moving_variance = layer.get_weights()
    np.testing.assert_allclose(moving_mean, 0.9 * 0.1 * first.mean(0) + 0.1 * second.mean(0), rtol=1e-12)
    np.testing.assert_allclose(moving_variance, 0.9 * (0.9 + 0.1 * first.var(0)) + 0.1 * second.var(0),
                               rtol=1e-12)


def test_inference_forward_uses_the_moving_statistics_and_changes_no_weight() -> None:
    layer = build(bn(epsilon=0.001), (3,))
    gamma, beta = np.array([1.5, -0.5, 2.0]), np.array([0.1, 0.2, -0.3])
    moving_mean, moving_variance = np.array([1.0, -2.0, 0.5]), np.array([4.0, 0.25, 1.0])
    layer.set_weights([gamma, beta, moving_mean, moving_variance])
    x = inputs(6, 3)
    y = layer.forward(x, training=False)[0]
    np.testing.assert_allclose(y, keras_formula(x, gamma, beta, moving_mean, moving_variance, 0.001), rtol=1e-12)
    np.testing.assert_allclose(layer(x[:1]), y[:1], rtol=1e-12)  # a sample's output ignores its batch
    for now, before in zip(layer.get_weights(), [gamma, beta, moving_mean, moving_variance]):
        np.testing.assert_array_equal(now, before)


def test_normalizes_along_a_features_axis_other_than_the_last() -> None:
    layer = build(bn(axis=1, gamma_initializer=RANDOM_GAMMA, beta_initializer="random_normal"), (3, 5))
    gamma, beta, _, _ = layer.get_weights()
    assert gamma.shape == (3,)
    # (batch, features=3, positions=5), each feature with its own spread
    x = np.random.default_rng(0).normal(size=(4, 3, 5)) * np.array([1.0, 3.0, 0.5])[:, None] + 2.0
    mean, variance = x.mean(axis=(0, 2)), x.var(axis=(0, 2))
    shaped = [a[:, None] for a in (gamma, beta, mean, variance)]
    np.testing.assert_allclose(layer.forward(x, training=True)[0], keras_formula(x, *shaped, 1e-3), rtol=1e-12)
    np.testing.assert_allclose(layer.get_weights()[2], 0.01 * mean, rtol=1e-12)


def test_float32_in_float32_out() -> None:
    layer = build(BatchNormalization(), (4,))
    assert all(w.dtype == np.float32 for w in layer.get_weights())
    x = inputs(8, 4).astype("float32")
    assert layer.forward(x, training=True)[0].dtype == np.float32
    assert layer.forward(x, training=False)[0].dtype == np.float32
    assert layer.params["moving_mean"].dtype == np.float32


# -- backward --------------------------------------------------------------------------------------
def check_gradients(layer: Any, x: np.ndarray, training: bool) -> None:
    """Input and parameter gradients of ``sum(y * r)`` against central differences, in float64."""
    r = np.random.default_rng(1).normal(size=x.shape)

    def objective() -> float:
        return float((layer.forward(x, training)[0] * r).sum())

    layer.grads.clear()
    dx = layer.forward(x, training)[1](r.copy())
    np.testing.assert_allclose(dx, central_difference(objective, x), rtol=1e-6, atol=1e-8)
    trainable = sorted(layer.trainable_params)
    assert sorted(layer.grads) == trainable
    for name in trainable:
        np.testing.assert_allclose(layer.grads[name], central_difference(objective, layer.params[name]),
                                   rtol=1e-6, atol=1e-8, err_msg=f"gradient of {name}")


CONFIGS = [
    ({"gamma_initializer": RANDOM_GAMMA, "beta_initializer": "random_normal"}, (4,)),
    ({"center": False, "gamma_initializer": RANDOM_GAMMA}, (3,)),
    ({"scale": False, "beta_initializer": "random_normal"}, (3,)),
    ({"center": False, "scale": False}, (3,)),
    ({"axis": 1, "gamma_initializer": RANDOM_GAMMA, "epsilon": 0.1}, (3, 2)),
]


@pytest.mark.parametrize(("config", "shape"), CONFIGS)
def test_training_backward_is_the_gradient_of_the_batch_statistics_forward(config: dict, shape: tuple) -> None:
    layer = build(bn(**config), shape)
    check_gradients(layer, inputs(5, *shape), training=True)


@pytest.mark.parametrize(("config", "shape"), CONFIGS)
def test_inference_backward_is_the_gradient_of_the_moving_statistics_forward(config: dict, shape: tuple) -> None:
    layer = build(bn(**config, moving_mean_initializer="random_normal",
                     moving_variance_initializer=RANDOM_GAMMA), shape)
    check_gradients(layer, inputs(5, *shape), training=False)


def test_a_batch_of_one_normalizes_to_beta_with_zero_input_gradient() -> None:
    layer = build(bn(beta_initializer="random_normal"), (3,))
    x = inputs(1, 3)
    y, backward = layer.forward(x, training=True)
    np.testing.assert_allclose(y[0], layer.get_weights()[1])
    np.testing.assert_allclose(backward(np.ones_like(x)), 0.0, atol=1e-12)


def test_backward_can_skip_the_input_gradient_nobody_reads() -> None:
    layer = build(bn(), (3,))
    layer.input_gradient = False
    assert layer.forward(inputs(4, 3), training=True)[1](inputs(4, 3, seed=5)) is None
    assert set(layer.grads) == {"gamma", "beta"}


def test_backward_leaves_inputs_and_upstream_untouched_and_assigns_rather_than_accumulates() -> None:
    layer = build(bn(gamma_initializer=RANDOM_GAMMA), (3,))
    x, dy = inputs(4, 3), inputs(4, 3, seed=3)
    x0, dy0 = x.copy(), dy.copy()
    backward = layer.forward(x, training=True)[1]
    first = backward(dy)
    grads = {k: v.copy() for k, v in layer.grads.items()}
    np.testing.assert_array_equal(backward(dy), first)
    for name, value in grads.items():
        np.testing.assert_array_equal(layer.grads[name], value)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(dy, dy0)


# -- frozen ----------------------------------------------------------------------------------------
def test_a_frozen_layer_runs_in_inference_mode_even_when_training() -> None:
    layer = build(bn(trainable=False, gamma_initializer=RANDOM_GAMMA, moving_mean_initializer="random_normal"), (3,))
    before = layer.get_weights()
    x, dy = inputs(5, 3), inputs(5, 3, seed=4)
    y, backward = layer.forward(x, training=True)
    np.testing.assert_array_equal(y, layer.forward(x, training=False)[0])
    dx = backward(dy)
    gamma, _, _, moving_variance = before
    np.testing.assert_allclose(dx, dy * gamma / np.sqrt(moving_variance + 1e-3), rtol=1e-12)
    assert layer.grads == {}
    for now, then in zip(layer.get_weights(), before):
        np.testing.assert_array_equal(now, then)
    assert layer.count_trainable_params() == 0


# -- weights and config ----------------------------------------------------------------------------
def test_weights_in_keras_order_and_counts_over_eight_features() -> None:
    layer = build(BatchNormalization(), (8,))
    assert layer.weight_names() == ["gamma", "beta", "moving_mean", "moving_variance"]
    gamma, beta, moving_mean, moving_variance = layer.get_weights()
    np.testing.assert_array_equal(gamma, np.ones(8))
    np.testing.assert_array_equal(beta, np.zeros(8))
    np.testing.assert_array_equal(moving_mean, np.zeros(8))
    np.testing.assert_array_equal(moving_variance, np.ones(8))
    assert layer.count_params() == 32
    assert layer.count_trainable_params() == 16
    assert layer.trainable_params == {"gamma", "beta"}


def test_center_and_scale_off_leave_only_the_moving_statistics_they_need() -> None:
    assert build(BatchNormalization(center=False), (5,)).weight_names() == ["gamma", "moving_mean", "moving_variance"]
    layer = build(BatchNormalization(center=False, scale=False), (5,))
    assert layer.weight_names() == ["moving_mean", "moving_variance"]
    assert layer.count_params() == 10 and layer.count_trainable_params() == 0


def test_regularizers_and_constraints_apply_to_gamma_and_beta() -> None:
    layer = build(bn(gamma_regularizer={"class_name": "L2", "config": {"l2": 0.5}}, beta_constraint="non_neg",
                     beta_initializer="random_normal"), (4,))
    assert float(layer.regularization_loss()) == pytest.approx(0.5 * 4)  # gamma starts at ones
    layer.apply_constraints()
    assert (layer.get_weights()[1] >= 0).all()
    assert set(layer.regularizers) == {"gamma"} and set(layer.constraints) == {"beta"}


def test_config_is_json_and_rebuilds_the_same_layer() -> None:
    layer = BatchNormalization(axis=1, momentum=0.8, epsilon=0.01, center=False, gamma_initializer=RANDOM_GAMMA,
                               gamma_regularizer="l2", name="bn_config")
    config = json.loads(json.dumps(layer.get_config()))
    assert config["axis"] == 1 and config["momentum"] == 0.8 and config["epsilon"] == 0.01
    assert config["center"] is False and config["scale"] is True
    assert config["gamma_initializer"] == RANDOM_GAMMA and config["moving_variance_initializer"] == "ones"
    config["name"] = "bn_config_copy"
    rebuilt = neuropil.layers.get({"class_name": "BatchNormalization", "config": config})
    build(layer, (3, 2), seed=3), build(rebuilt, (3, 2), seed=3)
    x = inputs(4, 3, 2).astype("float32")
    np.testing.assert_array_equal(layer.forward(x, True)[0], rebuilt.forward(x, True)[0])
    assert rebuilt.momentum == 0.8 and set(rebuilt.regularizers) == {"gamma"}


# -- bad arguments ---------------------------------------------------------------------------------
@pytest.mark.parametrize("momentum", [-0.1, 1.5, "0.9", None, True])
def test_refuses_momentum_outside_zero_one(momentum: Any) -> None:
    with pytest.raises(ValueError, match=r"BatchNormalization expects momentum to be a finite number in \[0, 1\], "
                                         r"received momentum="
                       + repr(momentum).replace(".", r"\.")):
        BatchNormalization(momentum=momentum)


@pytest.mark.parametrize("epsilon", [-1e-3, 0, float("inf"), "1e-3"])
def test_refuses_epsilon_that_is_not_positive(epsilon: Any) -> None:
    with pytest.raises(ValueError, match=r"BatchNormalization expects epsilon to be a finite number > 0, "
                                         r"received epsilon="
                       + repr(epsilon).replace(".", r"\.")):
        BatchNormalization(epsilon=epsilon)


@pytest.mark.parametrize("axis", ["-1", 1.0, None, [1]])
def test_refuses_an_axis_that_is_not_an_integer(axis: Any) -> None:
    with pytest.raises(ValueError, match=r"BatchNormalization expects axis to be an integer, received axis="
                       + repr(axis).replace(".", r"\.").replace("[", r"\[").replace("]", r"\]")):
        BatchNormalization(axis=axis)


@pytest.mark.parametrize("axis", [0, 2, -3, 5])
def test_refuses_the_batch_axis_or_an_axis_the_input_lacks(axis: int) -> None:
    with pytest.raises(ValueError, match=rf"'bn_axis' \(BatchNormalization\) got axis={axis} for inputs of "
                                         r"rank 2 .*\(4,\).*expected a features axis: one of 1\.\.1 or -1\.\.-1"):
        build(BatchNormalization(axis=axis, name="bn_axis"), (4,))
