"""Each optimizer follows its Keras 3 update rule step by step.

The references below are the formulas of the Keras documentation and source written out plainly in
NumPy (float64, one step at a time), independent of the in-place implementations they check.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Callable

import neuropil.optimizers
import numpy as np
import pytest

STEPS = 6
Reference = Callable[[np.ndarray, np.ndarray, dict, int], np.ndarray]


def sgd_ref(lr=0.01, momentum=0.0, nesterov=False, weight_decay=0.0) -> Reference:
    def step(p, g, s, t):
        p = p - p * weight_decay * lr  # Keras 3: decoupled, before the update, for every optimizer
        if momentum == 0:
            return p - lr * g
        s["m"] = momentum * s.get("m", 0.0) - lr * g
        return p + (momentum * s["m"] - lr * g if nesterov else s["m"])
    return step


def adagrad_ref(lr=0.001, initial=0.1, eps=1e-7) -> Reference:
    def step(p, g, s, t):
        s["acc"] = s.get("acc", initial) + g ** 2
        return p - lr * g / np.sqrt(s["acc"] + eps)
    return step


def adadelta_ref(lr=0.001, rho=0.95, eps=1e-7) -> Reference:
    def step(p, g, s, t):
        s["G"] = rho * s.get("G", 0.0) + (1 - rho) * g ** 2
        delta = -np.sqrt(s.get("D", 0.0) + eps) * g / np.sqrt(s["G"] + eps)
        s["D"] = rho * s.get("D", 0.0) + (1 - rho) * delta ** 2
        return p + lr * delta
    return step


def adam_ref(lr=0.001, b1=0.9, b2=0.999, eps=1e-7, amsgrad=False, weight_decay=0.0) -> Reference:
    def step(p, g, s, t):
        p = p - p * weight_decay * lr
        s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
        s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g ** 2
        v = s["v"]
        if amsgrad:
            s["vhat"] = v = np.maximum(s.get("vhat", 0.0), v)
        return p - lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t) * s["m"] / (np.sqrt(v) + eps)
    return step


def rmsprop_ref(lr=0.001, rho=0.9, momentum=0.0, eps=1e-7, centered=False) -> Reference:
    def step(p, g, s, t):
        s["v"] = rho * s.get("v", 0.0) + (1 - rho) * g ** 2
        denominator = s["v"] + eps
        if centered:
            s["a"] = rho * s.get("a", 0.0) + (1 - rho) * g
            denominator = s["v"] - s["a"] ** 2 + eps
        increment = lr * g / np.sqrt(denominator)
        if momentum > 0:
            s["mom"] = momentum * s.get("mom", 0.0) + increment
            return p - s["mom"]
        return p - increment
    return step


def nadam_ref(lr=0.001, b1=0.9, b2=0.999, eps=1e-7) -> Reference:
    def u(t):
        return b1 * (1 - 0.5 * 0.96 ** t)

    def step(p, g, s, t):
        product = math.prod(u(k) for k in range(1, t + 1))
        s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
        s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g ** 2
        m_hat = u(t + 1) * s["m"] / (1 - product * u(t + 1)) + (1 - u(t)) * g / (1 - product)
        v_hat = s["v"] / (1 - b2 ** t)
        return p - lr * m_hat / (np.sqrt(v_hat) + eps)
    return step


CASES: list[tuple[str, dict, Reference]] = [
    ("sgd", {}, sgd_ref()),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9}, sgd_ref(0.1, 0.9)),
    ("sgd", {"learning_rate": 0.1, "momentum": 0.5, "nesterov": True}, sgd_ref(0.1, 0.5, True)),
    ("sgd", {"learning_rate": 0.1, "momentum": 0.9, "weight_decay": 0.05}, sgd_ref(0.1, 0.9, weight_decay=0.05)),
    ("adam", {"learning_rate": 0.05, "weight_decay": 0.1}, adam_ref(0.05, weight_decay=0.1)),
    ("adagrad", {}, adagrad_ref()),
    ("adagrad", {"learning_rate": 0.5, "initial_accumulator_value": 1.0, "epsilon": 1e-3},
     adagrad_ref(0.5, 1.0, 1e-3)),
    ("adadelta", {}, adadelta_ref()),
    ("adadelta", {"learning_rate": 1.0, "rho": 0.8}, adadelta_ref(1.0, 0.8)),
    ("adam", {}, adam_ref()),
    ("Adam", {"learning_rate": 0.01, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-3}, adam_ref(0.01, 0.8, 0.99, 1e-3)),
    ("adam", {"learning_rate": 0.01, "amsgrad": True}, adam_ref(0.01, amsgrad=True)),
    ("adamw", {}, adam_ref(weight_decay=0.004)),
    ("AdamW", {"learning_rate": 0.05, "weight_decay": 0.1, "amsgrad": True},
     adam_ref(0.05, weight_decay=0.1, amsgrad=True)),
    ("rmsprop", {}, rmsprop_ref()),
    ("rmsprop", {"learning_rate": 0.01, "momentum": 0.9, "centered": True},
     rmsprop_ref(0.01, momentum=0.9, centered=True)),
    ("rmsprop", {"rho": 0.5, "centered": True}, rmsprop_ref(rho=0.5, centered=True)),
    ("nadam", {}, nadam_ref()),
    ("Nadam", {"learning_rate": 0.01, "beta_1": 0.5}, nadam_ref(0.01, 0.5)),
]


def gradients(step: int) -> list[np.ndarray]:
    rng = np.random.default_rng(100 + step)
    return [rng.normal(size=(3, 4)), rng.normal(size=(4,))]


def starting_params() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.normal(size=(3, 4)), rng.normal(size=(4,))]


@pytest.mark.parametrize("name, config, reference", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_updates_follow_the_keras_formula(name: str, config: dict, reference: Reference) -> None:
    optimizer = neuropil.optimizers.get(name, **config)
    params = starting_params()
    expected = [p.copy() for p in params]
    states: list[dict] = [{} for _ in params]
    for t in range(1, STEPS + 1):
        grads = gradients(t)
        optimizer.apply_gradients([(f"w{i}", p, g) for i, (p, g) in enumerate(zip(params, grads))])
        expected = [reference(e, g, s, t) for e, g, s in zip(expected, grads, states)]
        for p, e in zip(params, expected):
            np.testing.assert_allclose(p, e, rtol=1e-10, atol=1e-13, err_msg=f"step {t}")
    assert optimizer.iterations == STEPS


@pytest.mark.parametrize("name", ["sgd", "adagrad", "adadelta", "adam", "adamw", "rmsprop", "nadam"])
def test_float32_parameters_stay_float32_and_gradients_are_not_modified(name: str) -> None:
    optimizer = neuropil.optimizers.get(name)
    param = np.ones((3, 2), dtype="float32")
    grad = np.full((3, 2), 0.5, dtype="float32")
    before = param.copy()
    optimizer.apply_gradients([("w", param, grad)])
    assert param.dtype == np.float32
    assert (param < before).all()  # a positive gradient lowers the parameter
    np.testing.assert_array_equal(grad, 0.5)


@pytest.mark.parametrize("name, cls_name, defaults", [
    ("sgd", "SGD", {"learning_rate": 0.01, "momentum": 0.0, "nesterov": False}),
    ("adagrad", "Adagrad", {"learning_rate": 0.001, "initial_accumulator_value": 0.1, "epsilon": 1e-7}),
    ("adadelta", "Adadelta", {"learning_rate": 0.001, "rho": 0.95, "epsilon": 1e-7}),
    ("adam", "Adam", {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7, "amsgrad": False}),
    ("adamw", "AdamW", {"learning_rate": 0.001, "weight_decay": 0.004, "beta_1": 0.9, "beta_2": 0.999,
                        "epsilon": 1e-7, "amsgrad": False}),
    ("rmsprop", "RMSprop", {"learning_rate": 0.001, "rho": 0.9, "momentum": 0.0, "epsilon": 1e-7,
                            "centered": False}),
    ("nadam", "Nadam", {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}),
])
def test_keras_names_defaults_and_config(name: str, cls_name: str, defaults: dict) -> None:
    optimizer = neuropil.optimizers.get(cls_name)
    assert type(optimizer) is type(neuropil.optimizers.get(name))
    assert optimizer.name == name
    config = json.loads(json.dumps(optimizer.get_config()))
    for key, value in defaults.items():
        assert config[key] == pytest.approx(value) if isinstance(value, float) else config[key] == value
    rebuilt = neuropil.optimizers.get({"class_name": cls_name, "config": config})
    assert rebuilt.get_config() == optimizer.get_config()


@pytest.mark.parametrize("name, config", [("nadam", {}), ("adam", {"amsgrad": True}), ("sgd", {"momentum": 0.9}),
                                          ("rmsprop", {"momentum": 0.5, "centered": True})])
def test_saved_state_resumes_the_same_trajectory(name: str, config: dict) -> None:
    straight = neuropil.optimizers.get(name, **config)
    params = starting_params()
    for t in range(1, STEPS + 1):
        straight.apply_gradients([(f"w{i}", p, g) for i, (p, g) in enumerate(zip(params, gradients(t)))])

    first = neuropil.optimizers.get(name, **config)
    resumed_params = starting_params()
    for t in range(1, 4):
        first.apply_gradients([(f"w{i}", p, g) for i, (p, g) in enumerate(zip(resumed_params, gradients(t)))])
    second = neuropil.optimizers.get(name, **config)
    second.set_state({k: np.array(v) for k, v in first.get_state().items()})
    for t in range(4, STEPS + 1):
        second.apply_gradients([(f"w{i}", p, g) for i, (p, g) in enumerate(zip(resumed_params, gradients(t)))])
    for a, b in zip(params, resumed_params):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_bad_hyperparameters_name_expected_and_received() -> None:
    with pytest.raises(ValueError, match=r"momentum.*\[0, 1\].*momentum=1.5"):
        neuropil.optimizers.get("sgd", momentum=1.5)
    with pytest.raises(ValueError, match=r"beta_1.*\[0, 1\).*beta_1=1"):
        neuropil.optimizers.get("adam", beta_1=1)
    with pytest.raises(ValueError, match=r"epsilon.*>= 0.*epsilon=-1"):
        neuropil.optimizers.get("rmsprop", epsilon=-1)
    for name in ("sgd", "adamw"):  # AdamW's default decay goes through the same check
        for bad in (-0.1, float("inf"), "0.01", True):
            expected = rf"expects weight_decay to be .*received weight_decay={re.escape(repr(bad))}"
            with pytest.raises((ValueError, TypeError), match=expected):
                neuropil.optimizers.get(name, weight_decay=bad)
