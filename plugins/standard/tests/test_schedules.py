"""Learning-rate schedules: Keras's formulas, evaluated by the optimizer at Keras's step, saved by config."""
from __future__ import annotations

import math

import neuropil.optimizers
import neuropil.schedules
import neuropil.utils
import numpy as np
import pytest
from neuropil.layers import Dense
from neuropil.models import Sequential, load_model

# Keras's documented formulas, written out for a handful of steps.
CASES = [
    ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 4, "decay_rate": 0.5},
     lambda t: 0.1 * 0.5 ** (t / 4)),
    ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 4, "decay_rate": 0.5, "staircase": True},
     lambda t: 0.1 * 0.5 ** (t // 4)),
    ("InverseTimeDecay", {"initial_learning_rate": 0.2, "decay_steps": 3, "decay_rate": 2.0},
     lambda t: 0.2 / (1 + 2.0 * t / 3)),
    ("InverseTimeDecay", {"initial_learning_rate": 0.2, "decay_steps": 3, "decay_rate": 2.0, "staircase": True},
     lambda t: 0.2 / (1 + 2.0 * (t // 3))),
    ("PiecewiseConstantDecay", {"boundaries": [2, 5], "values": [1.0, 0.5, 0.1]},
     lambda t: 1.0 if t <= 2 else 0.5 if t <= 5 else 0.1),
    ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 5, "end_learning_rate": 0.01, "power": 2.0},
     lambda t: (0.1 - 0.01) * (1 - min(t, 5) / 5) ** 2 + 0.01),
    ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 4, "cycle": True},
     lambda t: (0.1 - 1e-4) * (1 - t / (4 * max(1, math.ceil(t / 4)))) + 1e-4),
    ("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 6, "alpha": 0.2},
     lambda t: 0.1 * (0.8 * 0.5 * (1 + math.cos(math.pi * min(t, 6) / 6)) + 0.2)),
    ("CosineDecay", {"initial_learning_rate": 0.0, "decay_steps": 4, "warmup_target": 0.4, "warmup_steps": 2},
     lambda t: 0.4 * t / 2 if t < 2 else 0.4 * 0.5 * (1 + math.cos(math.pi * min(t - 2, 4) / 4))),
]


@pytest.mark.parametrize("name, config, formula", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_schedule_follows_the_keras_formula_and_round_trips(name, config, formula) -> None:
    schedule = neuropil.schedules.get(name, **config)
    for step in range(13):
        assert schedule(step) == pytest.approx(formula(step), rel=1e-12, abs=1e-15), f"step {step}"
    rebuilt = neuropil.schedules.get(neuropil.schedules.serialize(schedule))
    assert [rebuilt(t) for t in range(13)] == [schedule(t) for t in range(13)]


def test_keras_import_path_resolves() -> None:
    from neuropil.optimizers.schedules import ExponentialDecay

    assert neuropil.optimizers.schedules.ExponentialDecay is ExponentialDecay
    assert type(neuropil.schedules.get("exponential_decay", initial_learning_rate=1.0, decay_steps=1,
                                       decay_rate=0.5)) is ExponentialDecay


def test_the_optimizer_uses_the_rate_for_the_number_of_updates_already_applied() -> None:
    schedule = neuropil.schedules.get("PiecewiseConstantDecay", boundaries=[0, 1], values=[1.0, 0.1, 0.01])
    optimizer = neuropil.optimizers.SGD(learning_rate=schedule)
    param = np.zeros(1)
    steps = []
    for _ in range(3):
        before = param.copy()
        optimizer.apply_gradients([("w", param, np.ones(1))])
        steps.append(float(before[0] - param[0]))
    assert steps == pytest.approx([1.0, 0.1, 0.01])  # steps 0, 1, 2, as Keras counts them
    assert optimizer.learning_rate == pytest.approx(0.01)


def test_a_scheduled_model_saves_loads_and_continues_as_if_never_stopped(tmp_path) -> None:
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(64, 3)), rng.normal(size=(64, 1))

    def model() -> Sequential:
        neuropil.utils.set_random_seed(1)
        built = Sequential([Dense(4, input_dim=3, activation="tanh"), Dense(1)])
        schedule = neuropil.schedules.get("ExponentialDecay", initial_learning_rate=0.05, decay_steps=3,
                                          decay_rate=0.7)
        built.compile(optimizer=neuropil.optimizers.Adam(learning_rate=schedule), loss="mse")
        return built

    straight = model()
    straight.fit(x, y, batch_size=16, epochs=4, shuffle=False, verbose=0)
    halted = model()
    halted.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    halted.save(tmp_path / "scheduled.neuropil")
    resumed = load_model(tmp_path / "scheduled.neuropil")
    assert type(resumed.optimizer._learning_rate).__name__ == "ExponentialDecay"
    resumed.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name, config, message", [
    ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 0, "decay_rate": 0.5},
     "decay_steps to be a finite number > 0"),
    ("ExponentialDecay", {"initial_learning_rate": -1.0, "decay_steps": 2, "decay_rate": 0.5}, "initial_learning_rate"),
    ("PiecewiseConstantDecay", {"boundaries": [1, 2], "values": [1.0, 0.5]}, "one more value than boundaries"),
    ("PiecewiseConstantDecay", {"boundaries": [3, 2], "values": [1.0, 0.5, 0.1]}, "strictly increasing"),
    ("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 5, "alpha": float("nan")}, "alpha"),
])
def test_bad_arguments_fail_at_construction(name, config, message) -> None:
    with pytest.raises(ValueError, match=message):
        neuropil.schedules.get(name, **config)
