"""CosineDecayRestarts against Keras's definition, written as a walk over the periods (period i lasts
first_decay_steps·t_mul^i steps and peaks at m_mul^i), not Keras's closed form the schedule uses."""
from __future__ import annotations

import json
import math

import neuropil.schedules as schedules
import pytest


def walked(step: int, initial: float, first: int, t_mul: float = 2.0, m_mul: float = 1.0,
           alpha: float = 0.0) -> float:
    start, length, restart = 0.0, float(first), 0
    while step >= start + length:
        start += length
        length *= t_mul
        restart += 1
    fraction = (step - start) / length
    return initial * ((1 - alpha) * 0.5 * m_mul ** restart * (1 + math.cos(math.pi * fraction)) + alpha)


CONFIGS = [
    {"initial_learning_rate": 0.1, "first_decay_steps": 10},
    {"initial_learning_rate": 1.0, "first_decay_steps": 7, "t_mul": 1.0, "m_mul": 0.5},
    {"initial_learning_rate": 0.3, "first_decay_steps": 5, "t_mul": 1.5, "m_mul": 0.9, "alpha": 0.2},
    {"initial_learning_rate": 0.02, "first_decay_steps": 3, "t_mul": 3.0, "alpha": 0.05},
]


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()))
def test_rates_follow_the_periods(config: dict) -> None:
    schedule = schedules.get("CosineDecayRestarts", **config)
    arguments = {"t_mul": 2.0, "m_mul": 1.0, "alpha": 0.0, **config}
    for step in range(0, 400):
        expected = walked(step, arguments["initial_learning_rate"], arguments["first_decay_steps"],
                          arguments["t_mul"], arguments["m_mul"], arguments["alpha"])
        assert schedule(step) == pytest.approx(expected, rel=1e-9, abs=1e-15), f"step {step}"


def test_each_restart_returns_to_the_peak() -> None:
    """Steps 0, 10, 30, 70 open the periods of 10, 20, 40 steps (t_mul=2); the step before each is
    near the floor alpha·initial."""
    schedule = schedules.get("CosineDecayRestarts", initial_learning_rate=1.0, first_decay_steps=10, alpha=0.1)
    for start in (0, 10, 30, 70):
        assert schedule(start) == pytest.approx(1.0)
    for end in (9, 29, 69):
        assert schedule(end) < 0.13  # 0.1 + 0.9·0.5·(1 + cos(0.9·pi)) = 0.122 at worst


def test_keras_defaults_and_config_round_trip() -> None:
    schedule = schedules.get("CosineDecayRestarts", initial_learning_rate=0.1, first_decay_steps=100)
    config = schedule.get_config()
    assert config == {"initial_learning_rate": 0.1, "first_decay_steps": 100, "t_mul": 2.0, "m_mul": 1.0,
                      "alpha": 0.0, "name": "SGDRDecay"}
    rebuilt = schedules.get(json.loads(json.dumps(schedules.serialize(schedule))))
    assert [rebuilt(s) for s in (0, 57, 300)] == [schedule(s) for s in (0, 57, 300)]


@pytest.mark.parametrize("bad", [{"first_decay_steps": 0}, {"t_mul": 0.0}, {"alpha": -0.1},
                                 {"initial_learning_rate": -1.0}])
def test_bad_arguments_fail_at_construction(bad: dict) -> None:
    arguments = {"initial_learning_rate": 0.1, "first_decay_steps": 10, **bad}
    name = next(iter(bad))
    with pytest.raises(ValueError, match=rf"CosineDecayRestarts expects {name} .*received {name}="):
        schedules.get("CosineDecayRestarts", **arguments)
