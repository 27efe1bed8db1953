"""Keras's CosineDecayRestarts (SGDR, Loshchilov & Hutter 2016): cosine decays that restart.

Each period decays the rate along half a cosine from its peak to ``alpha`` times the initial rate;
period ``i`` lasts ``first_decay_steps · t_mul^i`` steps and peaks at ``m_mul^i`` times the initial
rate. Restarting lets training leave a sharp minimum the decayed rate had settled into.
"""
from __future__ import annotations

import math
from typing import Any

from neuropil import checks
from neuropil.base.schedule import LearningRateSchedule

from . import reference_schedules as _reference


class CosineDecayRestarts(LearningRateSchedule):
    """``initial_learning_rate · ((1 - alpha) · 0.5 · m_mul^i · (1 + cos(pi·f)) + alpha)`` where step
    ``s`` lies at fraction ``f`` of period ``i`` (Keras's closed form: with ``c = s /
    first_decay_steps``, ``i = floor(log(1 - c(1 - t_mul)) / log(t_mul))`` and ``f = (c - (1 -
    t_mul^i)/(1 - t_mul)) / t_mul^i``; for ``t_mul == 1``, ``i = floor(c)`` and ``f = c - i``).

    Keras evaluates the logarithm in the rate's dtype and can land a step at a period's boundary at
    the end of the previous period (rate ``alpha``) instead of the start of the next; here ``i`` is
    corrected so ``f`` always lies in [0, 1), the value the exact formula gives.
    """

    example_configs: tuple[dict[str, Any], ...] = (
        {"initial_learning_rate": 0.1, "first_decay_steps": 10},
        {"initial_learning_rate": 0.05, "first_decay_steps": 4, "t_mul": 1.0, "m_mul": 0.8, "alpha": 0.1},
        {"initial_learning_rate": 0.2, "first_decay_steps": 3, "t_mul": 1.5, "m_mul": 0.9, "alpha": 0.01})
    reference = _reference.cosine_decay_restarts
    #: By hand, with Keras's defaults t_mul 2, m_mul 1, alpha 0: period 1 spans steps 10-30, peak 1.
    golden_examples = ({"config": {"initial_learning_rate": 1.0, "first_decay_steps": 10}, "inputs": (20,),
                        "output": 0.5},
                       {"config": {"initial_learning_rate": 1.0, "first_decay_steps": 10}, "inputs": (5,),
                        "output": 0.5})

    def __init__(self, initial_learning_rate: float, first_decay_steps: int, t_mul: float = 2.0,
                 m_mul: float = 1.0, alpha: float = 0.0, name: str = "SGDRDecay") -> None:
        owner = "CosineDecayRestarts"
        self.initial_learning_rate = checks.number(owner, "initial_learning_rate", initial_learning_rate, minimum=0)
        steps = checks.number(owner, "first_decay_steps", first_decay_steps, minimum=0, min_inclusive=False)
        self.first_decay_steps: float | int = int(first_decay_steps) if isinstance(first_decay_steps, int) else steps
        self.t_mul = checks.number(owner, "t_mul", t_mul, minimum=0, min_inclusive=False)
        self.m_mul = checks.number(owner, "m_mul", m_mul, minimum=0)
        self.alpha = checks.number(owner, "alpha", alpha, minimum=0)
        self.name = name

    def _period(self, completed: float) -> tuple[int, float]:
        """The restart index and the fraction of that period done after ``completed`` first periods."""
        t_mul = self.t_mul
        if t_mul == 1.0:
            restart = math.floor(completed)
            return restart, completed - restart
        restart = math.floor(math.log(1.0 - completed * (1.0 - t_mul)) / math.log(t_mul))
        for _ in range(2):  # step off a boundary the logarithm rounded to the wrong side
            fraction = (completed - (1.0 - t_mul ** restart) / (1.0 - t_mul)) / t_mul ** restart
            if fraction >= 1.0:
                restart += 1
            elif fraction < 0.0:
                restart -= 1
            else:
                break
        fraction = (completed - (1.0 - t_mul ** restart) / (1.0 - t_mul)) / t_mul ** restart
        return restart, min(max(fraction, 0.0), 1.0)

    def __call__(self, step: int) -> float:
        restart, fraction = self._period(step / self.first_decay_steps)
        cosine = 0.5 * self.m_mul ** restart * (1.0 + math.cos(math.pi * fraction))
        return self.initial_learning_rate * ((1.0 - self.alpha) * cosine + self.alpha)

    def get_config(self) -> dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate, "first_decay_steps": self.first_decay_steps,
                "t_mul": self.t_mul, "m_mul": self.m_mul, "alpha": self.alpha, "name": self.name}
