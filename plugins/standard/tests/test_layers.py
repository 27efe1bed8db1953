"""The standard layers: outputs as Keras computes them, backward passes that match finite differences,
errors that name what was expected and received, configs that rebuild the layer."""
from __future__ import annotations

import json
from typing import Any

import neuropil
import neuropil.initializers
import neuropil.layers
import numpy as np
import pytest
from finite_differences import central_difference
from neuropil.layers import Activation, Dense, Dropout, Flatten, Input, InputLayer


def build(layer: Any, input_shape: tuple[int, ...], seed: int = 0) -> Any:
    layer.ensure_built(input_shape, neuropil.backends.get("numpy"), np.random.default_rng(seed))
    return layer


def check_gradients(layer: Any, x: np.ndarray, forward: str = "forward") -> None:
    """Compare ``backward`` (plus the weight penalties' gradients) with central differences of
    ``sum(y * r) + regularization_loss`` for the input and every parameter, in float64."""
    r = np.random.default_rng(1).normal(size=getattr(layer, forward)(x, True)[0].shape)

    def objective() -> float:
        y, _ = getattr(layer, forward)(x, True)
        return float((y * r).sum() + layer.regularization_loss())

    objective()
    _, backward = getattr(layer, forward)(x, True)
    dx = backward(r.copy())
    layer.add_regularization_gradients()
    np.testing.assert_allclose(dx, central_difference(objective, x), rtol=1e-5, atol=1e-7)
    for name, value in layer.params.items():
        np.testing.assert_allclose(layer.grads[name], central_difference(objective, value), rtol=1e-5, atol=1e-7,
                                   err_msg=f"gradient of {name}")


def inputs(*shape: int, seed: int = 2) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=shape)


# -- Dense -----------------------------------------------------------------------------------------
def test_dense_computes_activation_of_affine_map() -> None:
    layer = build(Dense(3, activation="tanh", bias_initializer="random_normal", dtype="float64"), (4,))
    kernel, bias = layer.get_weights()
    x = inputs(5, 4)
    np.testing.assert_allclose(layer(x), np.tanh(x @ kernel + bias), rtol=1e-12)
    assert layer.weight_names() == ["kernel", "bias"]
    assert kernel.shape == (4, 3) and bias.shape == (3,)
    assert layer.output_shape == (3,)


def test_dense_defaults_to_float32_glorot_kernel_and_zero_bias() -> None:
    layer = build(Dense(64), (32,))
    kernel, bias = layer.params["kernel"], layer.params["bias"]
    assert kernel.dtype == np.float32 and bias.dtype == np.float32
    assert np.abs(kernel).max() <= np.sqrt(6 / (32 + 64))
    assert not bias.any()
    assert layer.activation.name == "linear"


@pytest.mark.parametrize("config", [
    {"units": 3},
    {"units": 2, "activation": "tanh"},
    {"units": 4, "activation": "sigmoid", "use_bias": False},
    {"units": 3, "activation": "softmax"},
    {"units": 3, "kernel_regularizer": "l2", "bias_regularizer": {"class_name": "l1", "config": {"l1": 0.1}}},
    {"units": 2, "activation": "tanh", "activity_regularizer": {"class_name": "l1_l2",
                                                                 "config": {"l1": 0.01, "l2": 0.02}}},
])
def test_dense_backward_matches_finite_differences(config: dict) -> None:
    layer = build(Dense(**config, bias_initializer="random_normal", dtype="float64"), (4,))
    check_gradients(layer, inputs(5, 4))


def test_dense_relu_backward_away_from_the_kink() -> None:
    layer = build(Dense(3, activation="relu", bias_initializer="random_normal", dtype="float64"), (4,))
    x = inputs(6, 4)
    assert np.abs(layer.forward_linear(x)[0]).min() > 1e-3  # no pre-activation at the kink
    check_gradients(layer, x)


def test_dense_forward_linear_stops_before_the_activation() -> None:
    layer = build(Dense(3, activation="sigmoid", dtype="float64"), (4,))
    x = inputs(5, 4)
    z, _ = layer.forward_linear(x)
    kernel, bias = layer.get_weights()
    np.testing.assert_allclose(z, x @ kernel + bias)
    check_gradients(layer, x, forward="forward_linear")


def test_dense_acts_on_the_last_axis_of_higher_rank_inputs() -> None:
    layer = build(Dense(3, activation="tanh", bias_initializer="random_normal", dtype="float64"), (2, 4))
    assert layer.output_shape == (2, 3)
    x = inputs(5, 2, 4)
    assert layer(x).shape == (5, 2, 3)
    check_gradients(layer, x)


def test_dense_activity_regularizer_penalises_the_output() -> None:
    layer = build(Dense(2, activity_regularizer={"class_name": "l2", "config": {"l2": 0.5}}, dtype="float64"), (3,))
    x = inputs(4, 3)
    y, _ = layer.forward(x, training=True)
    assert float(layer.activity_loss) == pytest.approx(0.5 * (y ** 2).sum())


def test_dense_weight_regularizers_enter_the_loss() -> None:
    layer = build(Dense(2, kernel_regularizer={"class_name": "l2", "config": {"l2": 0.1}}, dtype="float64"), (3,))
    assert float(layer.regularization_loss()) == pytest.approx(0.1 * (layer.get_weights()[0] ** 2).sum())


def test_frozen_dense_passes_gradients_through_but_computes_none_of_its_own() -> None:
    layer = build(Dense(3, trainable=False, dtype="float64"), (4,))
    x, dy = inputs(5, 4), inputs(5, 3, seed=3)
    dx = layer.forward(x, True)[1](dy)
    np.testing.assert_allclose(dx, dy @ layer.get_weights()[0].T)
    assert layer.grads == {}


def test_dense_backward_assigns_rather_than_accumulates() -> None:
    layer = build(Dense(2, dtype="float64"), (3,))
    x, dy = inputs(4, 3), inputs(4, 2, seed=3)
    layer.forward(x, True)[1](dy)
    first = {k: v.copy() for k, v in layer.grads.items()}
    layer.forward(x, True)[1](dy)
    for name in first:
        np.testing.assert_array_equal(layer.grads[name], first[name])


def test_dense_leaves_its_inputs_and_upstream_gradient_untouched() -> None:
    layer = build(Dense(3, activation="tanh", dtype="float64"), (4,))
    x, dy = inputs(5, 4), inputs(5, 3, seed=3)
    x0, dy0 = x.copy(), dy.copy()
    layer.forward(x, True)[1](dy)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(dy, dy0)


def test_dense_can_skip_the_input_gradient_nobody_reads() -> None:
    layer = build(Dense(3, dtype="float64"), (4,))
    layer.input_gradient = False
    assert layer.forward(inputs(5, 4), True)[1](inputs(5, 3)) is None
    assert set(layer.grads) == {"kernel", "bias"}


def test_dense_without_bias_has_only_a_kernel() -> None:
    layer = build(Dense(4, use_bias=False), (3,))
    assert layer.weight_names() == ["kernel"]
    assert layer.count_params() == 12


@pytest.mark.parametrize("units", [0, -2, 2.5, "3", None, True])
def test_dense_refuses_bad_units_naming_expected_and_received(units: Any) -> None:
    with pytest.raises(ValueError, match=r"positive integer.*received units=" + repr(units).replace(".", r"\.")):
        Dense(units)


def test_dense_refuses_inputs_of_another_width() -> None:
    layer = build(Dense(3, name="hidden"), (4,))
    with pytest.raises(ValueError, match=r"'hidden'.*4.*received.*\(2, 5\)"):
        layer(np.zeros((2, 5), dtype="float32"))
    with pytest.raises(ValueError, match=r"'hidden'.*\(4,\).*received \(5,\)"):
        layer.ensure_built((5,), neuropil.backends.get("numpy"), np.random.default_rng(0))


def test_dense_refuses_a_build_shape_other_than_declared() -> None:
    with pytest.raises(ValueError, match=r"declared with input_shape \(4,\).*received.*\(6,\)"):
        build(Dense(3, input_shape=(4,)), (6,))


def test_dense_kernel_constraint_is_applied_after_updates() -> None:
    layer = build(Dense(3, kernel_initializer="ones", kernel_constraint="max_norm", dtype="float64"), (16,))
    layer.apply_constraints()  # each column of ones has norm 4; max_norm's default limit is 2
    np.testing.assert_allclose(np.sqrt((layer.params["kernel"] ** 2).sum(axis=0)), 2.0, rtol=1e-6)


def test_dense_config_is_json_and_rebuilds_the_same_layer() -> None:
    layer = Dense(3, activation="tanh", kernel_initializer=neuropil.initializers.get("he_normal", seed=4),
                  kernel_regularizer=neuropil.regularizers.get("l1", l1=0.2), bias_constraint="non_neg",
                  input_dim=5, name="d_config")
    config = json.loads(json.dumps(layer.get_config()))
    assert config["units"] == 3 and config["activation"] == "tanh" and config["use_bias"] is True
    assert config["input_shape"] == [5]
    assert config["kernel_initializer"] == {"class_name": "HeNormal", "config": {"seed": 4}}
    config["name"] = "d_config_copy"
    rebuilt = neuropil.layers.get({"class_name": "Dense", "config": config})
    build(layer, (5,)), build(rebuilt, (5,))
    x = inputs(2, 5).astype("float32")
    np.testing.assert_array_equal(layer(x), rebuilt(x))
    assert float(rebuilt.regularization_loss()) == pytest.approx(float(layer.regularization_loss()))


def test_dense_default_config_names_linear_activation() -> None:
    config = Dense(2).get_config()
    assert config["activation"] == "linear"
    assert config["kernel_initializer"] == "glorot_uniform" and config["bias_initializer"] == "zeros"


# -- Dropout ---------------------------------------------------------------------------------------
def test_dropout_is_the_identity_outside_training() -> None:
    layer = build(Dropout(0.5, seed=0), (10,))
    x = inputs(4, 10)
    y, backward = layer.forward(x, training=False)
    np.testing.assert_array_equal(y, x)
    np.testing.assert_array_equal(backward(x), x)


def test_dropout_rate_zero_is_the_identity_in_training() -> None:
    layer = build(Dropout(0.0), (10,))
    x = inputs(4, 10)
    np.testing.assert_array_equal(layer.forward(x, training=True)[0], x)


def test_dropout_drops_the_rate_and_rescales_the_rest() -> None:
    layer = build(Dropout(0.3, seed=1), (1000,))
    x = np.ones((100, 1000), dtype="float32")
    y = layer.forward(x, training=True)[0]
    assert y.dtype == np.float32
    kept = y != 0
    assert kept.mean() == pytest.approx(0.7, abs=0.01)
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)
    assert y.mean() == pytest.approx(1.0, abs=0.02)  # the expectation is preserved


def test_dropout_backward_reuses_the_forward_mask() -> None:
    layer = build(Dropout(0.5, seed=2), (50,))
    x = inputs(8, 50) + 5.0
    y, backward = layer.forward(x, training=True)
    layer.forward(x, training=True)  # a later draw must not disturb the first backward
    dx = backward(np.ones_like(x))
    np.testing.assert_allclose(dx, y / x)


def test_dropout_seed_makes_masks_repeatable() -> None:
    x = np.ones((8, 20))
    a = build(Dropout(0.5, seed=7), (20,)).forward(x, True)[0]
    b = build(Dropout(0.5, seed=7), (20,)).forward(x, True)[0]
    c = build(Dropout(0.5, seed=8), (20,)).forward(x, True)[0]
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_dropout_follows_the_global_seed() -> None:
    x = np.ones((8, 20))
    neuropil.utils.set_random_seed(11)
    a = build(Dropout(0.5), (20,)).forward(x, True)[0]
    neuropil.utils.set_random_seed(11)
    b = build(Dropout(0.5), (20,)).forward(x, True)[0]
    np.testing.assert_array_equal(a, b)


def test_dropout_noise_shape_shares_the_mask_along_axes_of_size_one() -> None:
    layer = build(Dropout(0.5, noise_shape=(None, 1), seed=3), (30,))
    y = layer.forward(np.ones((40, 30)), True)[0]
    rows_dropped = (y == 0).all(axis=1)
    rows_kept = (y == 2.0).all(axis=1)
    assert (rows_dropped | rows_kept).all() and rows_dropped.any() and rows_kept.any()


@pytest.mark.parametrize("rate", [1.0, -0.1, 1.5, "0.5"])
def test_dropout_refuses_rates_outside_zero_one(rate: Any) -> None:
    with pytest.raises(ValueError, match=r"\[0, 1\).*received rate=" + repr(rate).replace(".", r"\.")):
        Dropout(rate)


def test_dropout_config_round_trips() -> None:
    config = json.loads(json.dumps(Dropout(0.25, noise_shape=(None, 1), seed=5, name="drop_cfg").get_config()))
    assert config["rate"] == 0.25 and config["noise_shape"] == [None, 1] and config["seed"] == 5
    config["name"] = "drop_cfg_copy"
    assert neuropil.layers.get({"class_name": "Dropout", "config": config}).rate == 0.25


# -- Activation, Input, Flatten --------------------------------------------------------------------
@pytest.mark.parametrize("name", ["tanh", "sigmoid", "softmax"])
def test_activation_layer_backward_matches_finite_differences(name: str) -> None:
    layer = build(Activation(name), (4,))
    assert layer.activation.name == name
    check_gradients(layer, inputs(3, 4))


def test_activation_layer_forward_logits_is_the_identity() -> None:
    layer = build(Activation("sigmoid"), (4,))
    x = inputs(3, 4)
    z, backward = layer.forward_logits(x)
    assert z is x and backward(x) is x


def test_input_declares_the_shape_and_passes_data_through() -> None:
    layer = InputLayer(shape=(4,))
    assert layer.declared_input_shape == (4,)
    build(layer, (4,))
    x = inputs(2, 4)
    assert layer(x) is x
    with pytest.raises(ValueError, match=r"per-sample shape \(4,\), received \(5,\)"):
        build(InputLayer(shape=(4,)), (5,))
    tensor = Input(shape=(4,), name="keras_input")  # Keras's function: the InputLayer's symbolic tensor
    assert tensor.shape == (None, 4) and isinstance(tensor.node.layer, InputLayer)


def test_input_layer_alias_and_config() -> None:
    layer = neuropil.layers.get("InputLayer", shape=(3, 2), name="inp_cfg")
    assert isinstance(layer, InputLayer)
    config = json.loads(json.dumps(layer.get_config()))
    assert config["shape"] == [3, 2]
    config["name"] = "inp_cfg_copy"
    assert InputLayer(**config).declared_input_shape == (3, 2)
    config["name"] = "inp_cfg_tensor"
    assert Input(**config).shape == (None, 3, 2)  # files naming "Input" rebuild through the function


def test_flatten_reshapes_and_restores() -> None:
    layer = build(Flatten(), (2, 3, 4))
    assert layer.output_shape == (24,)
    x = inputs(5, 2, 3, 4)
    np.testing.assert_array_equal(layer(x), x.reshape(5, 24))
    check_gradients(layer, x)
