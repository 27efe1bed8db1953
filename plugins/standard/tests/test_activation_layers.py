"""ReLU, LeakyReLU, Softmax and ELU layers: Keras's formulas, names, defaults and argument checks, and
backward passes that match finite differences."""
from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable
from typing import Any

import neuropil
import neuropil.layers
import numpy as np
import pytest
from finite_differences import central_difference
from neuropil.layers import ELU, LeakyReLU, ReLU, Softmax


def build(layer: Any, input_shape: tuple[int, ...]) -> Any:
    layer.ensure_built(input_shape, neuropil.backends.get("numpy"), np.random.default_rng(0))
    return layer


def inputs(*shape: int, kinks: tuple[float, ...] = (0.0,), seed: int = 2) -> np.ndarray:
    """Values in about [-3, 3], none within 1e-2 of a kink (where finite differences straddle it)."""
    x = np.random.default_rng(seed).uniform(-3, 3, size=shape)
    for kink in kinks:
        close = np.abs(x - kink) < 1e-2
        x[close] = kink + 0.05
    return x


def assert_backward_matches_finite_differences(layer: Any, x: np.ndarray) -> None:
    r = np.random.default_rng(1).normal(size=x.shape)
    dx = layer.forward(x, True)[1](r.copy())
    numeric = central_difference(lambda: float((layer.forward(x, True)[0] * r).sum()), x)
    np.testing.assert_allclose(dx, numeric, rtol=1e-6, atol=1e-8)


# -- Keras's formulas, in plain NumPy --------------------------------------------------------------
def keras_relu(x: np.ndarray, max_value: float | None, negative_slope: float, threshold: float) -> np.ndarray:
    top = np.inf if max_value is None else max_value
    return np.where(x >= top, top, np.where(x > threshold, x, negative_slope * (x - threshold)))


def keras_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


RELU_CONFIGS = [{}, {"max_value": 1.0}, {"negative_slope": 0.1, "threshold": 0.5},
                {"max_value": 2.0, "negative_slope": 0.2, "threshold": 0.5}, {"max_value": 0.0}]


@pytest.mark.parametrize("config", RELU_CONFIGS)
def test_relu_computes_keras_formula_and_its_gradient(config: dict) -> None:
    layer = build(ReLU(**config), (6,))
    arguments = {"max_value": None, "negative_slope": 0.0, "threshold": 0.0, **config}
    x = inputs(5, 6, kinks=(0.0, arguments["threshold"], arguments["max_value"] or 0.0))
    np.testing.assert_allclose(layer(x), keras_relu(x, **arguments), rtol=1e-12)
    assert_backward_matches_finite_differences(layer, x)


def test_leaky_relu_defaults_to_keras_slope_of_point_three() -> None:
    layer = build(LeakyReLU(), (4,))
    x = inputs(3, 4)
    np.testing.assert_allclose(layer(x), np.where(x >= 0, x, 0.3 * x), rtol=1e-12)
    assert_backward_matches_finite_differences(layer, x)
    assert layer.get_config()["negative_slope"] == 0.3


def test_leaky_relu_takes_keras_2_alpha_with_a_deprecation_warning() -> None:
    with pytest.warns(DeprecationWarning, match="alpha.*negative_slope"):
        layer = build(LeakyReLU(alpha=0.1), (4,))
    x = inputs(3, 4)
    np.testing.assert_allclose(layer(x), np.where(x >= 0, x, 0.1 * x), rtol=1e-12)
    assert layer.get_config()["negative_slope"] == 0.1 and "alpha" not in layer.get_config()


@pytest.mark.parametrize(("axis", "shape"), [(-1, (5,)), (1, (3, 4)), (-2, (3, 4)), (2, (3, 4))])
def test_softmax_normalizes_along_its_axis(axis: int, shape: tuple) -> None:
    layer = build(Softmax(axis=axis), shape)
    x = inputs(2, *shape)
    y = layer(x)
    np.testing.assert_allclose(y, keras_softmax(x, axis), rtol=1e-12)
    np.testing.assert_allclose(y.sum(axis=axis), 1.0, rtol=1e-12)
    assert_backward_matches_finite_differences(layer, x)


def test_softmax_over_the_last_axis_alone_may_fold_into_cross_entropy() -> None:
    """A model fuses a final 'softmax' with its cross-entropy over the last axis, so only a softmax
    over that axis may present itself as one."""
    assert build(Softmax(), (3, 4)).activation.name == "softmax"
    assert build(Softmax(axis=2), (3, 4)).activation.name == "softmax"
    assert build(Softmax(axis=1), (3, 4)).activation.name != "softmax"


@pytest.mark.parametrize("alpha", [1.0, 0.5, 2.0])
def test_elu_computes_keras_formula_and_its_gradient(alpha: float) -> None:
    layer = build(ELU(alpha=alpha), (4,))
    x = inputs(5, 4)
    np.testing.assert_allclose(layer(x), np.where(x > 0, x, alpha * np.expm1(x)), rtol=1e-12)
    assert_backward_matches_finite_differences(layer, x)


def test_defaults_are_keras_defaults() -> None:
    config = ReLU().get_config()
    assert {k: config[k] for k in ("max_value", "negative_slope", "threshold")} == {
        "max_value": None, "negative_slope": 0.0, "threshold": 0.0}
    assert Softmax().get_config()["axis"] == -1
    assert ELU().get_config()["alpha"] == 1.0


# -- names and configs -----------------------------------------------------------------------------
@pytest.mark.parametrize(("cls", "prefix"), [(ReLU, "re_lu"), (LeakyReLU, "leaky_re_lu"), (Softmax, "softmax"),
                                             (ELU, "elu")])
def test_automatic_names_are_keras_names(cls: Callable[[], Any], prefix: str) -> None:
    assert re.fullmatch(rf"{prefix}(_\d+)?", cls().name)
    assert cls(name="mine").name == "mine"


@pytest.mark.parametrize(("class_name", "config"), [
    ("ReLU", {"max_value": 6.0, "negative_slope": 0.1, "threshold": 0.5}),
    ("LeakyReLU", {"negative_slope": 0.05}),
    ("Softmax", {"axis": 1}),
    ("ELU", {"alpha": 0.7}),
])
def test_config_holds_the_layer_arguments_and_rebuilds_it(class_name: str, config: dict) -> None:
    layer = neuropil.layers.get(class_name, **config, name=f"{class_name.lower()}_cfg")
    saved = json.loads(json.dumps(layer.get_config()))
    assert "activation" not in saved
    assert {k: saved[k] for k in config} == config
    saved["name"] = f"{class_name.lower()}_cfg_copy"
    rebuilt = neuropil.layers.get({"class_name": class_name, "config": saved})
    assert type(rebuilt) is type(layer)
    x = inputs(2, 3, 4)
    build(layer, (3, 4)), build(rebuilt, (3, 4))
    np.testing.assert_array_equal(rebuilt(x), layer(x))


def test_layers_are_importable_from_neuropil_layers() -> None:
    from neuropil.layers import ELU as elu
    from neuropil.layers import LeakyReLU as leaky
    from neuropil.layers import ReLU as relu
    from neuropil.layers import Softmax as softmax

    assert (relu, leaky, softmax, elu) == (ReLU, LeakyReLU, Softmax, ELU)
    assert isinstance(neuropil.layers.get("relu"), ReLU)  # names resolve ignoring case


# -- bad arguments ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("arguments", "message"), [
    ({"negative_slope": -0.1},
     r"ReLU expects negative_slope to be a finite number >= 0, received negative_slope=-0\.1"),
    ({"max_value": -1.0}, r"ReLU expects max_value to be a finite number >= 0, received max_value=-1\.0"),
    ({"threshold": -0.5}, r"ReLU expects threshold to be a finite number >= 0, received threshold=-0\.5"),
    ({"negative_slope": None}, r"negative_slope=None"),
    ({"max_value": "6"}, r"max_value='6'"),
])
def test_relu_refuses_what_keras_refuses(arguments: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ReLU(**arguments)


@pytest.mark.parametrize("slope", [-0.3, None, "0.3", float("nan")])
def test_leaky_relu_refuses_a_negative_or_missing_slope(slope: Any) -> None:
    with pytest.raises(ValueError, match=r"LeakyReLU expects negative_slope to be a finite number >= 0, received "
                                         r"negative_slope="):
        LeakyReLU(negative_slope=slope)
    with warnings.catch_warnings(), pytest.raises(ValueError, match=r"negative_slope="):
        warnings.simplefilter("ignore", DeprecationWarning)
        LeakyReLU(alpha=-1.0)


@pytest.mark.parametrize("axis", ["-1", 1.5, None, True])
def test_softmax_refuses_an_axis_that_is_not_an_integer(axis: Any) -> None:
    with pytest.raises(ValueError, match=r"Softmax expects axis to be an integer, received axis="):
        Softmax(axis=axis)


def test_softmax_refuses_an_axis_the_input_lacks() -> None:
    with pytest.raises(ValueError, match=r"'sm' \(Softmax\) got axis=3 for inputs of rank 3.*\[-3, 2\]"):
        build(Softmax(axis=3, name="sm"), (3, 4))


def test_elu_refuses_a_non_number_alpha() -> None:
    with pytest.raises(ValueError, match=r"ELU expects alpha to be a finite number, received alpha='1'"):
        ELU(alpha="1")
