"""Adamax, Ftrl, Lion, Adafactor and Lamb follow Keras 3.

Two independent references: the expected values Keras's own test-suite publishes for each optimizer
(``keras/src/optimizers/*_test.py``: one step from ``[1, 2, 3, 4]`` and the "golden" trajectories),
and the update formulas written out below in float64 from Keras's docstrings, for parameters of the
shapes Keras's goldens do not cover (0-d, convolution kernels, Adafactor's factored 3-D case).
"""
from __future__ import annotations

import json
import math

import neuropil.optimizers
import numpy as np
import pytest
from neuropil.errors import ArgumentError

# -- Keras's published values --------------------------------------------------------------------

SINGLE_STEP = {  # optimizer(learning_rate=0.5), grads [1, 6, 7, 2] on [1, 2, 3, 4]
    "Adamax": [0.5, 1.5, 2.5, 3.5],
    "Ftrl": [0.2218, 1.3954, 2.3651, 2.8814],
    "Lion": [0.5, 1.5, 2.5, 3.5],
    "Adafactor": [-0.3693, 0.6307, 1.6307, 2.6307],
    "Lamb": [-0.3693, 0.6306, 1.6306, 2.6306],
}


@pytest.mark.parametrize("name", sorted(SINGLE_STEP))
def test_single_step_matches_keras(name: str) -> None:
    optimizer = neuropil.optimizers.get(name, learning_rate=0.5)
    w = np.array([1.0, 2.0, 3.0, 4.0])
    optimizer.apply_gradients([("w", w, np.array([1.0, 6.0, 7.0, 2.0]))])
    np.testing.assert_allclose(w, SINGLE_STEP[name], rtol=1e-4, atol=1e-4)


def test_adafactor_single_step_2d_matches_keras() -> None:
    optimizer = neuropil.optimizers.get("Adafactor", learning_rate=0.5)
    w = np.array([[1.0, 2.0], [3.0, 4.0]])
    optimizer.apply_gradients([("w", w, np.array([[1.0, 6.0], [7.0, 2.0]]))])
    np.testing.assert_allclose(w, [[0.7007, -0.0081], [1.2492, 3.4407]], rtol=1e-4, atol=1e-4)


GOLDEN = {  # first a step with gradient 0.01 everywhere, then steps with arange(0.1, 1.1, 0.1)
    "Adamax": ({"learning_rate": 0.2, "beta_1": 0.85, "beta_2": 0.95, "epsilon": 1e-6}, [
        [0.8] * 10,
        [0.6827, 0.6873, 0.6888, 0.6896, 0.6901, 0.6904, 0.6906, 0.6908, 0.6909, 0.691],
        [0.5333, 0.5407, 0.5431, 0.5444, 0.5451, 0.5456, 0.546, 0.5462, 0.5464, 0.5466],
        [0.368, 0.3773, 0.3804, 0.382, 0.3829, 0.3835, 0.384, 0.3843, 0.3846, 0.3848],
        [0.1933, 0.204, 0.2076, 0.2094, 0.2105, 0.2112, 0.2117, 0.2121, 0.2124, 0.2126]]),
    "Ftrl": ({"learning_rate": 0.05, "learning_rate_power": -0.2, "initial_accumulator_value": 0.4,
              "l1_regularization_strength": 0.05, "l2_regularization_strength": 0.15,
              "l2_shrinkage_regularization_strength": 0.01, "beta": 0.3}, [
        [0.0] * 10,
        [-0.0034, -0.0077, -0.0118, -0.0157, -0.0194, -0.023, -0.0263, -0.0294, -0.0325, -0.0354],
        [-0.0078, -0.0162, -0.0242, -0.0317, -0.0387, -0.0454, -0.0516, -0.0575, -0.0631, -0.0685],
        [-0.0121, -0.0246, -0.0363, -0.0472, -0.0573, -0.0668, -0.0757, -0.0842, -0.0922, -0.0999],
        [-0.0164, -0.0328, -0.0481, -0.0623, -0.0753, -0.0875, -0.099, -0.1098, -0.1201, -0.1299]]),
    "Lion": ({}, [[v] * 10 for v in (0.999, 0.998, 0.997, 0.996, 0.995)]),
    "Adafactor": ({"learning_rate": 0.5, "beta_2_decay": -0.65, "epsilon_1": 1e-15, "epsilon_2": 1e-4,
                   "clip_threshold": 0.9, "relative_step": False}, [
        [0.55] * 10,
        [0.3031, 0.3026, 0.3025, 0.3024, 0.3024, 0.3024, 0.3024, 0.3024, 0.3024, 0.3024],
        [0.1671, 0.1665, 0.1663, 0.1663, 0.1663, 0.1663, 0.1663, 0.1663, 0.1663, 0.1663],
        [0.0923, 0.0916, 0.0915, 0.0914, 0.0914, 0.0914, 0.0914, 0.0914, 0.0914, 0.0914],
        [0.0554, 0.0548, 0.0546, 0.0546, 0.0546, 0.0546, 0.0546, 0.0545, 0.0545, 0.0545]]),
    "Lamb": ({}, [[v] * 10 for v in (0.999, 0.9982, 0.9974, 0.9965, 0.9955)]),
}


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_trajectory_matches_keras_golden_values(name: str) -> None:
    config, golden = GOLDEN[name]
    optimizer = neuropil.optimizers.get(name, **config)
    x = np.ones(10)
    optimizer.apply_gradients([("x", x, np.full(10, 0.01))])
    for expected in golden:
        np.testing.assert_allclose(x, expected, rtol=5e-4, atol=5e-4)
        optimizer.apply_gradients([("x", x, np.arange(0.1, 1.1, 0.1))])


@pytest.mark.parametrize("name", ["Adafactor", "Adamax", "Lamb", "Lion"])  # Keras tests these four so
def test_weight_decay_and_its_exclusions_match_keras(name: str) -> None:
    """Keras's test: 0-d weights, zero gradients, decay 0.004 at rate 1; var1 is decayed by three
    optimizers (2·0.996³ = 1.9760959), the excluded ones by none."""
    var1, var2, var3, zero = np.array(2.0), np.array(2.0), np.array(2.0), np.zeros(())
    first = neuropil.optimizers.get(name, learning_rate=1.0, weight_decay=0.004)
    first.apply_gradients([("dense/var1", var1, zero)])
    second = neuropil.optimizers.get(name, learning_rate=1.0, weight_decay=0.004)
    second.exclude_from_weight_decay(var_names=["exclude"])
    second.apply_gradients([("dense/var1", var1, zero), ("dense/exclude", var2, zero)])
    third = neuropil.optimizers.get(name, learning_rate=1.0, weight_decay=0.004)
    third.exclude_from_weight_decay(var_list=[var3])
    third.apply_gradients([("dense/var1", var1, zero), ("dense/var3", var3, zero)])
    assert float(var1) == pytest.approx(1.9760959, abs=1e-6)
    assert float(var2) == pytest.approx(2.0, abs=1e-6)
    assert float(var3) == pytest.approx(2.0, abs=1e-6)


# -- the formulas, written out in float64 ------------------------------------------------------------

def adamax_formula(p, g, s, t, lr=0.01, b1=0.9, b2=0.999, eps=1e-7):
    s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
    s["u"] = np.maximum(b2 * s.get("u", 0.0), np.abs(g))
    return p - lr / (1 - b1 ** t) * s["m"] / (s["u"] + eps)


def lion_formula(p, g, s, t, lr=0.01, b1=0.9, b2=0.99):
    m = s.get("m", 0.0)
    s["m"] = b2 * m + (1 - b2) * g
    return p - lr * np.sign(b1 * m + (1 - b1) * g)


def ftrl_formula(p, g, s, t, lr=0.01, power=-0.5, initial=0.1, l1=0.0, l2=0.0, shrink=0.0, beta=0.0):
    n_old = s.get("n", np.full_like(p, initial))
    n = n_old + g * g
    s["z"] = s.get("z", 0.0) + g + 2 * shrink * p - (n ** -power - n_old ** -power) / lr * p
    s["n"] = n
    z = s["z"]
    solved = (np.sign(z) * l1 - z) / (n ** -power / lr + 2 * (l2 + beta / (2 * lr)))
    return np.where(np.abs(z) <= l1, 0.0, solved)


def lamb_formula(p, g, s, t, lr=0.01, b1=0.9, b2=0.999, eps=1e-7):
    s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
    u = (s["m"] / (1 - b1 ** t)) / (np.sqrt(s["v"] / (1 - b2 ** t)) + eps)
    ratio = np.linalg.norm(p.ravel()) / np.linalg.norm(u.ravel())
    return p - ratio * lr * u


def adafactor_formula(p, g, s, t, lr=0.01, decay=-0.8, eps1=1e-30, eps2=1e-3, clip=1.0):
    """Relative step with a constant rate: ``rho = min(lr, 1/sqrt(t))``; the last two axes factored."""
    rho = min(lr, 1 / math.sqrt(t))
    alpha = max(eps2, math.sqrt(np.mean(p * p))) * rho
    beta = 1 - t ** decay
    squared = g * g + eps1
    if p.ndim >= 2:
        s["r"] = beta * s.get("r", 0.0) + (1 - beta) * squared.mean(axis=-1)
        s["c"] = beta * s.get("c", 0.0) + (1 - beta) * squared.mean(axis=-2)
        v = np.einsum("...i,...j->...ij", s["r"] / s["r"].mean(axis=-1, keepdims=True), s["c"])
    else:
        v = s["v"] = beta * s.get("v", 0.0) + (1 - beta) * squared
    u = g / np.sqrt(v)
    return p - alpha * u / max(1.0, math.sqrt(np.mean(u * u)) / clip)


FORMULAS = {"Adamax": adamax_formula, "Lion": lion_formula, "Ftrl": ftrl_formula, "Lamb": lamb_formula,
            "Adafactor": adafactor_formula}


@pytest.mark.parametrize("shape", [(), (5,), (3, 4), (2, 3, 4), (3, 3, 2, 4)], ids=str)
@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_updates_follow_the_formula_for_every_shape(name: str, shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(len(shape))
    optimizer = neuropil.optimizers.get(name, learning_rate=0.01)
    w = rng.normal(size=shape)
    expected, state = w.copy(), {}
    for t in range(1, 6):
        g = rng.normal(size=shape)
        optimizer.apply_gradients([("w", w, g)])
        expected = FORMULAS[name](expected, g, state, t)
        np.testing.assert_allclose(w, expected, rtol=1e-9, atol=1e-12, err_msg=f"step {t}")
    assert w.shape == shape


def test_adafactor_keeps_factored_slots_for_matrices() -> None:
    """The point of Adafactor: a (rows, cols) weight keeps rows + cols second-moment numbers."""
    optimizer = neuropil.optimizers.get("Adafactor")
    w = np.ones((6, 5, 4))
    optimizer.apply_gradients([("w", w, np.ones_like(w))])
    slots = optimizer.slots["w"]
    assert slots["row_velocity"].shape == (6, 5) and slots["column_velocity"].shape == (6, 4)


def test_ftrl_l1_makes_weights_exactly_zero() -> None:
    """FTRL's reason to exist: entries whose accumulated |z| stays under l1 are exactly 0."""
    optimizer = neuropil.optimizers.get("Ftrl", learning_rate=0.1, l1_regularization_strength=1.0)
    w = np.array([0.5, -0.5, 0.5])
    optimizer.apply_gradients([("w", w, np.array([0.01, -0.02, 30.0]))])
    assert w[0] == 0.0 and w[1] == 0.0 and w[2] != 0.0


KERAS_DEFAULTS = {
    "Adamax": {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
    "Ftrl": {"learning_rate": 0.001, "learning_rate_power": -0.5, "initial_accumulator_value": 0.1,
             "l1_regularization_strength": 0.0, "l2_regularization_strength": 0.0,
             "l2_shrinkage_regularization_strength": 0.0, "beta": 0.0},
    "Lion": {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.99},
    "Adafactor": {"learning_rate": 0.001, "beta_2_decay": -0.8, "epsilon_1": 1e-30, "epsilon_2": 1e-3,
                  "clip_threshold": 1.0, "relative_step": True},
    "Lamb": {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
}


@pytest.mark.parametrize("name", sorted(KERAS_DEFAULTS))
def test_keras_names_defaults_and_config_round_trip(name: str) -> None:
    optimizer = neuropil.optimizers.get(name.lower())
    assert type(optimizer).__name__ == name and optimizer.name == name.lower()
    config = json.loads(json.dumps(optimizer.get_config()))
    for key, value in KERAS_DEFAULTS[name].items():
        assert config[key] == pytest.approx(value), key
    rebuilt = neuropil.optimizers.get({"class_name": name, "config": config})
    assert rebuilt.get_config() == optimizer.get_config()


@pytest.mark.parametrize("name, argument, bad", [
    ("Lion", "beta_1", 0.0), ("Lion", "beta_1", 1.1), ("Adamax", "beta_2", 1.0), ("Lamb", "epsilon", -1.0),
    ("Ftrl", "learning_rate_power", 0.5), ("Ftrl", "initial_accumulator_value", -0.1),
    ("Ftrl", "l1_regularization_strength", -1.0), ("Adafactor", "clip_threshold", 0.0),
])
def test_bad_hyperparameters_fail_at_construction_naming_them(name: str, argument: str, bad: float) -> None:
    with pytest.raises(ArgumentError, match=rf"{name} expects {argument} .*received {argument}={bad!r}"):
        neuropil.optimizers.get(name, **{argument: bad})


def test_the_new_components_are_in_the_conformance_suite() -> None:
    """They are registered, so the suite checks them (the checks run in tests/test_conformance_standard.py)."""
    import neuropil.plugins
    from neuropil.testing.suite import cases

    neuropil.plugins.reload()
    ids = {case.id for case in cases(["neuropil-standard"])}
    expected = {f"optimizers:{name}:{prop}" for name in SINGLE_STEP for prop in ("reference_update", "state_roundtrip")}
    expected |= {"optimizers:Lion:descent", "optimizers:Ftrl:descent", "initializers:Identity:shape_and_dtype",
                 "initializers:Orthogonal:reproducible", "regularizers:OrthogonalRegularizer:gradient",
                 "schedules:CosineDecayRestarts:rates", "schedules:CosineDecayRestarts:config_roundtrip"}
    assert expected <= ids, sorted(expected - ids)
