"""Reference formulas of the standard learning-rate schedules, for the conformance suite's
``reference`` property: ``reference(self, step) -> rate`` in float64, attached to each class as one
attribute and compared with ``schedule(step)`` (on host steps and on device steps alike).

Each is Keras's definition (keras/src/optimizers/schedules/learning_rate_schedule.py) written
plainly and sharing nothing with the schedules' code: the piecewise choice is counted, not branched,
and the restarts of CosineDecayRestarts are found by walking the periods one by one instead of
Keras's closed-form logarithm. Test-side NumPy only.
"""
from __future__ import annotations

import math
from typing import Any


def _elapsed(self: Any, step: int) -> float:
    periods = float(step) / float(self.decay_steps)
    return float(math.floor(periods)) if self.staircase else periods


def exponential_decay(self: Any, step: int) -> float:
    """``initial_learning_rate * decay_rate ** (step / decay_steps)``, the exponent floored with
    ``staircase``."""
    return float(self.initial_learning_rate) * float(self.decay_rate) ** _elapsed(self, step)


def inverse_time_decay(self: Any, step: int) -> float:
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)``, the quotient floored with
    ``staircase``."""
    return float(self.initial_learning_rate) / (1.0 + float(self.decay_rate) * _elapsed(self, step))


def piecewise_constant_decay(self: Any, step: int) -> float:
    """``values[i]`` where ``i`` is the number of boundaries strictly below ``step`` (a step equal to a
    boundary still gets the earlier value)."""
    passed = sum(1 for boundary in self.boundaries if step > boundary)
    return float(self.values[passed])


def polynomial_decay(self: Any, step: int) -> float:
    """``(initial - end) * (1 - step / decay_steps) ** power + end``, the step capped at
    ``decay_steps``; with ``cycle``, the horizon is ``decay_steps`` times ``ceil(step / decay_steps)``
    (at least 1) and the step is not capped."""
    decay_steps = float(self.decay_steps)
    if self.cycle:
        horizon = decay_steps * max(1.0, math.ceil(step / decay_steps))
        position = float(step)
    else:
        horizon, position = decay_steps, min(float(step), decay_steps)
    start, end = float(self.initial_learning_rate), float(self.end_learning_rate)
    return (start - end) * (1.0 - position / horizon) ** float(self.power) + end


def _half_cosine(peak: float, alpha: float, fraction: float) -> float:
    """From ``peak`` at fraction 0 down to ``alpha * peak`` at fraction 1, along half a cosine."""
    return peak * ((1.0 - alpha) * 0.5 * (1.0 + math.cos(math.pi * fraction)) + alpha)


def cosine_decay(self: Any, step: int) -> float:
    """Without ``warmup_target``: half a cosine from ``initial_learning_rate`` to ``alpha`` times it over
    ``decay_steps``, constant after. With it: a straight line from ``initial_learning_rate`` to
    ``warmup_target`` over ``warmup_steps``, then the cosine from ``warmup_target``."""
    decay_steps, alpha = float(self.decay_steps), float(self.alpha)
    start = float(self.initial_learning_rate)
    if self.warmup_target is None:
        return _half_cosine(start, alpha, min(float(step), decay_steps) / decay_steps)
    target, warmup = float(self.warmup_target), float(self.warmup_steps)
    if step < warmup:
        return start + (target - start) * (float(step) / warmup)
    return _half_cosine(target, alpha, min(float(step) - warmup, decay_steps) / decay_steps)


#: Periods walked at most (a ``t_mul`` below 1 shrinks them towards a finite horizon, past which
#: Keras's closed form is NaN); far more than any step up to a million needs with ``t_mul > 1``.
MAX_PERIODS = 100_000


def cosine_decay_restarts(self: Any, step: int) -> float:
    """Period ``i`` lasts ``first_decay_steps * t_mul ** i`` steps and decays half a cosine from
    ``m_mul ** i`` times the initial rate to ``alpha`` times the initial rate; the step is located by
    walking the periods from the first (with ``t_mul == 1``, every period is ``first_decay_steps``
    long, so the period is the whole number of them)."""
    length, t_mul = float(self.first_decay_steps), float(self.t_mul)
    if t_mul == 1.0:
        restart = math.floor(step / length)
        fraction = step / length - restart
    else:
        restart, begin = 0, 0.0
        while step >= begin + length and restart < MAX_PERIODS:
            begin += length
            length *= t_mul
            restart += 1
        fraction = (step - begin) / length
    peak = float(self.m_mul) ** restart
    alpha = float(self.alpha)
    cosine = 0.5 * peak * (1.0 + math.cos(math.pi * fraction))
    return float(self.initial_learning_rate) * ((1.0 - alpha) * cosine + alpha)
