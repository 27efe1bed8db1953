"""Every learning-rate schedule, on host steps and on device steps (0-d arrays, as captured training
passes them), against Keras's formulas written out here in float64.

The device path is a second, branch-free implementation of each schedule (``xp.where`` instead of
``if``); nothing else compares it with the formula, so a wrong sign there would change the rate of
captured training only.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import neuropil.schedules
import numpy as np
import pytest

STEPS = range(0, 14)


def exponential(c: dict[str, Any], step: float) -> float:
    elapsed = step / c["decay_steps"]
    return c["initial_learning_rate"] * c["decay_rate"] ** (math.floor(elapsed) if c.get("staircase") else elapsed)


def inverse_time(c: dict[str, Any], step: float) -> float:
    elapsed = step / c["decay_steps"]
    elapsed = math.floor(elapsed) if c.get("staircase") else elapsed
    return c["initial_learning_rate"] / (1 + c["decay_rate"] * elapsed)


def piecewise(c: dict[str, Any], step: float) -> float:
    for boundary, value in zip(c["boundaries"], c["values"], strict=False):
        if step <= boundary:
            return float(value)
    return float(c["values"][-1])


def polynomial(c: dict[str, Any], step: float) -> float:
    decay_steps, end, power = c["decay_steps"], c.get("end_learning_rate", 0.0001), c.get("power", 1.0)
    if c.get("cycle"):
        decay_steps = decay_steps * (1 if step == 0 else math.ceil(step / decay_steps))
    else:
        step = min(step, decay_steps)
    return (c["initial_learning_rate"] - end) * (1 - step / decay_steps) ** power + end


def cosine(c: dict[str, Any], step: float) -> float:
    alpha, warmup_steps, target = c.get("alpha", 0.0), c.get("warmup_steps", 0), c.get("warmup_target")
    if target is not None and step < warmup_steps:
        return c["initial_learning_rate"] + (target - c["initial_learning_rate"]) * step / warmup_steps
    start = c["initial_learning_rate"] if target is None else target
    fraction = min(step - (warmup_steps if target is not None else 0), c["decay_steps"]) / c["decay_steps"]
    return start * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * fraction)) + alpha)


def cosine_restarts(c: dict[str, Any], step: float) -> float:
    """Period i lasts first_decay_steps * t_mul^i steps and peaks at m_mul^i: found by walking the
    periods (not Keras's closed form, so the two computations share nothing)."""
    t_mul, m_mul, alpha = c.get("t_mul", 2.0), c.get("m_mul", 1.0), c.get("alpha", 0.0)
    length, start, restart = float(c["first_decay_steps"]), 0.0, 0
    while step >= start + length:
        start, length, restart = start + length, length * t_mul, restart + 1
    fraction = (step - start) / length
    return c["initial_learning_rate"] * ((1 - alpha) * 0.5 * m_mul ** restart * (1 + math.cos(math.pi * fraction))
                                         + alpha)


CASES: list[tuple[str, dict[str, Any], Callable[[dict[str, Any], float], float]]] = [
    ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 4, "decay_rate": 0.5}, exponential),
    ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 4, "decay_rate": 0.5, "staircase": True},
     exponential),
    ("InverseTimeDecay", {"initial_learning_rate": 0.3, "decay_steps": 3, "decay_rate": 0.7}, inverse_time),
    ("InverseTimeDecay", {"initial_learning_rate": 0.3, "decay_steps": 3, "decay_rate": 0.7, "staircase": True},
     inverse_time),
    ("PiecewiseConstantDecay", {"boundaries": [2, 5, 9], "values": [0.4, 0.2, 0.1, 0.05]}, piecewise),
    ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 5}, polynomial),
    ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 4, "end_learning_rate": 0.01, "power": 2.0,
                         "cycle": True}, polynomial),
    ("PolynomialDecay", {"initial_learning_rate": 0.2, "decay_steps": 6, "end_learning_rate": 0.05, "power": 0.5},
     polynomial),
    ("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 6, "alpha": 0.2}, cosine),
    ("CosineDecay", {"initial_learning_rate": 0.01, "decay_steps": 5, "alpha": 0.1, "warmup_target": 0.3,
                     "warmup_steps": 4}, cosine),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 3}, cosine_restarts),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.2, "first_decay_steps": 2, "t_mul": 1.5, "m_mul": 0.9,
                             "alpha": 0.05}, cosine_restarts),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.05, "first_decay_steps": 4, "t_mul": 1.0, "m_mul": 0.8,
                             "alpha": 0.1}, cosine_restarts),
]


@pytest.mark.parametrize(("name", "config", "formula"), CASES, ids=[f"{n}-{i}" for i, (n, *_r) in enumerate(CASES)])
def test_host_steps_follow_the_keras_formula(name: str, config: dict[str, Any],
                                            formula: Callable[[dict[str, Any], float], float]) -> None:
    schedule = neuropil.schedules.get({"class_name": name, "config": config})
    np.testing.assert_allclose([float(schedule(step)) for step in STEPS], [formula(config, s) for s in STEPS],
                               rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(("name", "config", "formula"), CASES, ids=[f"{n}-{i}" for i, (n, *_r) in enumerate(CASES)])
def test_device_steps_follow_the_keras_formula(name: str, config: dict[str, Any],
                                              formula: Callable[[dict[str, Any], float], float]) -> None:
    schedule = neuropil.schedules.get({"class_name": name, "config": config})
    try:
        rates = [float(schedule(np.asarray(float(step)))) for step in STEPS]
    except TypeError:
        pytest.skip(f"{name} takes host steps only")
    np.testing.assert_allclose(rates, [formula(config, s) for s in STEPS], rtol=1e-12, atol=1e-15)


def test_restart_at_a_period_boundary_the_logarithm_rounds_low() -> None:
    """With t_mul = 3 the periods end at steps 1, 4, 13, 40, 121, ...; at 121 the closed form's float64
    logarithm lands just below 5, and the rate must still be the new period's peak (m_mul^5 times the
    initial rate), not the previous period's floor."""
    config = {"initial_learning_rate": 0.1, "first_decay_steps": 1, "t_mul": 3.0, "m_mul": 0.5, "alpha": 0.1}
    schedule = neuropil.schedules.get({"class_name": "CosineDecayRestarts", "config": config})
    steps = [0, 1, 3, 4, 13, 39, 40, 120, 121, 122]
    np.testing.assert_allclose([float(schedule(s)) for s in steps], [cosine_restarts(config, s) for s in steps],
                               rtol=1e-12, atol=1e-15)
    assert float(schedule(121)) == pytest.approx(0.1 * (0.9 * 0.5 ** 5 + 0.1), rel=1e-12)
