"""Keras's learning-rate schedules: the rate as a pure function of the step, saved by config.

``step`` is the number of updates already applied (0 for the first), as the optimizer passes it. Each
schedule checks its arguments at construction, so a bad one fails where it is written, not epochs later.
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

from neuropil.base.backend import array_module
from neuropil.base.schedule import LearningRateSchedule
from neuropil.plugin_system.hookspecs import Register

from . import reference_schedules as _reference
from ._checks import finite_number


def _number(owner: str, name: str, value: Any, *, minimum: float | None = 0.0, positive: bool = False) -> float:
    """A checked argument (non-negative unless told otherwise); step counts stay integers in configs."""
    number = finite_number(owner, name, value, minimum=minimum, positive=positive)
    return int(value) if isinstance(value, int) else number


def _device_ops(step: Any) -> Any:
    """The array module of a device step (a 0-d array: a captured training step counts on the device,
    so the rate must be computed there too, branch-free), or None for a host number."""
    return None if isinstance(step, numbers.Number) else array_module(step)


class _TimeDecay(LearningRateSchedule):
    """What exponential and inverse-time decay share: arguments, checks, config and the elapsed
    ``step / decay_steps`` (floored with ``staircase``, so the rate drops every ``decay_steps``)."""

    example_configs = ({"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5},
                       {"initial_learning_rate": 0.01, "decay_steps": 3, "decay_rate": 0.9, "staircase": True})

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float,
                 staircase: bool = False, name: str | None = None) -> None:
        owner = type(self).__name__
        self.initial_learning_rate = _number(owner, "initial_learning_rate", initial_learning_rate)
        self.decay_steps = _number(owner, "decay_steps", decay_steps, positive=True)
        self.decay_rate = _number(owner, "decay_rate", decay_rate)
        self.staircase, self.name = bool(staircase), name or owner

    def _elapsed(self, step: int) -> float:
        elapsed = step / self.decay_steps
        if not self.staircase:
            return elapsed
        xp = _device_ops(step)
        return math.floor(elapsed) if xp is None else xp.floor(elapsed)

    def get_config(self) -> dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class ExponentialDecay(_TimeDecay):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)``."""

    reference = _reference.exponential_decay
    #: By hand: 0.1 * 0.5 ** (20 / 10) = 0.025; staircase, floor(19 / 10) = 1: 0.05.
    golden_examples = ({"config": {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5},
                        "inputs": (20,), "output": 0.025},
                       {"config": {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5,
                                   "staircase": True}, "inputs": (19,), "output": 0.05})

    def __call__(self, step: int) -> float:
        return self.initial_learning_rate * self.decay_rate ** self._elapsed(step)


class InverseTimeDecay(_TimeDecay):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)``."""

    reference = _reference.inverse_time_decay
    #: By hand: 1 / (1 + 0.5 * 8 / 4) = 0.5.
    golden_examples = ({"config": {"initial_learning_rate": 1.0, "decay_steps": 4, "decay_rate": 0.5},
                        "inputs": (8,), "output": 0.5},)

    def __call__(self, step: int) -> float:
        return self.initial_learning_rate / (1.0 + self.decay_rate * self._elapsed(step))


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` up to and including step ``boundaries[0]``, ``values[i]`` for steps in
    ``(boundaries[i-1], boundaries[i]]``, ``values[-1]`` after the last boundary."""

    example_configs = ({"boundaries": [2, 5], "values": [0.1, 0.05, 0.01]},
                       {"boundaries": [0, 9.5, 40, 1000], "values": [1.0, 0.5, 0.25, 0.1, 0.01]})
    reference = _reference.piecewise_constant_decay
    #: Keras's documented example: 1.0 up to step 100000, 0.5 up to 110000, 0.1 after.
    golden_examples = tuple({"config": {"boundaries": [100000, 110000], "values": [1.0, 0.5, 0.1]},
                             "inputs": (step,), "output": rate}
                            for step, rate in ((100000, 1.0), (100001, 0.5), (110000, 0.5), (110001, 0.1)))

    def __init__(self, boundaries: Sequence[int], values: Sequence[float], name: str = "PiecewiseConstant") -> None:
        owner = type(self).__name__
        self.boundaries = [_number(owner, "boundaries[]", b, minimum=None) for b in boundaries]
        self.values = [_number(owner, "values[]", v) for v in values]
        if len(self.values) != len(self.boundaries) + 1:
            raise ValueError(f"{owner} expects one more value than boundaries, received {len(self.boundaries)} "
                             f"boundaries and {len(self.values)} values")
        if any(b >= after for b, after in zip(self.boundaries, self.boundaries[1:])):
            raise ValueError(f"{owner} expects strictly increasing boundaries, received {list(boundaries)}")
        self.name = name

    def __call__(self, step: int) -> float:
        xp = _device_ops(step)
        if xp is not None:  # the same choice, branch-free: from the last interval back to the first
            rate = xp.full((), self.values[-1], dtype=xp.float64)
            for boundary, value in zip(reversed(self.boundaries), reversed(self.values[:-1])):
                rate = xp.where(step <= boundary, value, rate)
            return rate
        for boundary, value in zip(self.boundaries, self.values):
            if step <= boundary:
                return value
        return self.values[-1]

    def get_config(self) -> dict[str, Any]:
        return {"boundaries": list(self.boundaries), "values": list(self.values), "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """From ``initial_learning_rate`` to ``end_learning_rate`` over ``decay_steps`` along
    ``(1 - step / decay_steps) ** power``, then constant; with ``cycle``, the horizon extends to the
    next multiple of ``decay_steps`` and the decay starts again from there."""

    example_configs = ({"initial_learning_rate": 0.1, "decay_steps": 5},
                       {"initial_learning_rate": 0.1, "decay_steps": 4, "end_learning_rate": 0.01, "power": 2.0,
                        "cycle": True},
                       {"initial_learning_rate": 0.01, "decay_steps": 7, "end_learning_rate": 0.1, "power": 0.5})
    reference = _reference.polynomial_decay
    #: By hand, with Keras's defaults (end 0.0001, power 1): halfway (0.1 - 0.0001) / 2 + 0.0001; the end.
    golden_examples = ({"config": {"initial_learning_rate": 0.1, "decay_steps": 10}, "inputs": (5,),
                        "output": 0.05005},
                       {"config": {"initial_learning_rate": 0.1, "decay_steps": 10}, "inputs": (30,),
                        "output": 0.0001})

    def __init__(self, initial_learning_rate: float, decay_steps: int, end_learning_rate: float = 0.0001,
                 power: float = 1.0, cycle: bool = False, name: str = "PolynomialDecay") -> None:
        owner = type(self).__name__
        self.initial_learning_rate = _number(owner, "initial_learning_rate", initial_learning_rate)
        self.decay_steps = _number(owner, "decay_steps", decay_steps, positive=True)
        self.end_learning_rate = _number(owner, "end_learning_rate", end_learning_rate)
        self.power = _number(owner, "power", power)
        self.cycle, self.name = bool(cycle), name

    def __call__(self, step: int) -> float:
        horizon: Any = self.decay_steps
        position: Any = step
        xp = _device_ops(step)
        if xp is not None:
            if self.cycle:
                horizon = horizon * xp.maximum(xp.ceil(step / self.decay_steps), 1.0)
            else:
                position = xp.minimum(step, float(horizon))
        elif self.cycle:
            horizon *= 1.0 if step == 0 else math.ceil(step / self.decay_steps)
        else:
            position = min(step, horizon)
        remaining = (1.0 - position / horizon) ** self.power
        return (self.initial_learning_rate - self.end_learning_rate) * remaining + self.end_learning_rate

    def get_config(self) -> dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power, "cycle": self.cycle,
                "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Half a cosine from the starting rate down to ``alpha`` times it over ``decay_steps``, then
    constant. With ``warmup_target``, the rate first climbs linearly from ``initial_learning_rate`` to
    ``warmup_target`` over ``warmup_steps`` and the cosine starts from ``warmup_target``."""

    example_configs = ({"initial_learning_rate": 0.1, "decay_steps": 6},
                       {"initial_learning_rate": 0.0, "decay_steps": 5, "alpha": 0.1, "warmup_target": 0.1,
                        "warmup_steps": 3},
                       {"initial_learning_rate": 0.05, "decay_steps": 4, "warmup_target": 0.2},
                       {"initial_learning_rate": 0.3, "decay_steps": 25, "alpha": 0.2},
                       {"initial_learning_rate": 0.02, "decay_steps": 10, "alpha": 0.5, "warmup_target": 0.01,
                        "warmup_steps": 20})
    reference = _reference.cosine_decay
    #: By hand, with Keras's default alpha 0: halfway down, 0.05; warm-up 0 -> 0.2 over 4 steps: 0.05 at 1.
    golden_examples = ({"config": {"initial_learning_rate": 0.1, "decay_steps": 10}, "inputs": (5,), "output": 0.05},
                       {"config": {"initial_learning_rate": 0.0, "decay_steps": 10, "warmup_target": 0.2,
                                   "warmup_steps": 4}, "inputs": (1,), "output": 0.05})

    def __init__(self, initial_learning_rate: float, decay_steps: int, alpha: float = 0.0, name: str = "CosineDecay",
                 warmup_target: float | None = None, warmup_steps: int = 0) -> None:
        owner = type(self).__name__
        self.initial_learning_rate = _number(owner, "initial_learning_rate", initial_learning_rate)
        self.decay_steps = _number(owner, "decay_steps", decay_steps, positive=True)
        self.alpha = _number(owner, "alpha", alpha)
        self.warmup_target = None if warmup_target is None else _number(owner, "warmup_target", warmup_target)
        self.warmup_steps = _number(owner, "warmup_steps", warmup_steps)
        self.name = name

    def _cosine(self, step: Any, start: float) -> Any:
        xp = _device_ops(step)
        if xp is not None:
            fraction = xp.minimum(step, float(self.decay_steps)) / self.decay_steps
            return start * ((1.0 - self.alpha) * 0.5 * (1.0 + xp.cos(math.pi * fraction)) + self.alpha)
        fraction = min(step, self.decay_steps) / self.decay_steps
        return start * ((1.0 - self.alpha) * 0.5 * (1.0 + math.cos(math.pi * fraction)) + self.alpha)

    def __call__(self, step: int) -> float:
        xp = _device_ops(step)
        if xp is not None and self.warmup_target is not None:  # both branches, chosen on the device
            climb = self.warmup_target - self.initial_learning_rate
            warming = self.initial_learning_rate + climb * step / max(self.warmup_steps, 1)
            return xp.where(step < self.warmup_steps, warming,
                            self._cosine(xp.maximum(step - self.warmup_steps, 0.0), self.warmup_target))
        if self.warmup_target is None:
            return self._cosine(step, self.initial_learning_rate)
        if step < self.warmup_steps:
            climb = self.warmup_target - self.initial_learning_rate
            return self.initial_learning_rate + climb * step / self.warmup_steps
        return self._cosine(step - self.warmup_steps, self.warmup_target)

    def get_config(self) -> dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}


def register_all(register: Register) -> None:
    for schedule in (ExponentialDecay, InverseTimeDecay, PiecewiseConstantDecay, PolynomialDecay, CosineDecay):
        register(schedule.__name__, schedule)
    from .restart_schedules import CosineDecayRestarts

    register("CosineDecayRestarts", CosineDecayRestarts)
