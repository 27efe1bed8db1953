"""Lion: the sign of an interpolated momentum as the step, so every entry moves by exactly ``lr``."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from neuropil import checks
from neuropil.base.backend import array_module
from neuropil.base.optimizer import Optimizer


class Lion(Optimizer):
    """Keras 3's rule: ``p -= lr·sign(beta_1·m + (1 - beta_1)·g)``; then
    ``m = beta_2·m + (1 - beta_2)·g``.

    The step interpolates with ``beta_1`` but the momentum is tracked with ``beta_2``: that split is
    the algorithm (Chen et al., 2023). ``beta_1`` must be in (0, 1], as Keras requires (0 would make it
    signSGD).
    """

    name = "lion"
    slot_names = ("momentum",)
    example_configs: tuple[dict[str, Any], ...] = ({}, {"beta_1": 0.5, "beta_2": 0.9})

    def __init__(self, learning_rate: float | Callable[[int], float] = 0.001, beta_1: float = 0.9,
                 beta_2: float = 0.99, **kwargs: Any) -> None:
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = checks.number("Lion", "beta_1", beta_1, minimum=0, maximum=1, min_inclusive=False)
        self.beta_2 = checks.number("Lion", "beta_2", beta_2, minimum=0, maximum=1)

    def update_step(self, param: Any, grad: Any, slots: dict[str, Any], lr: float, step: int) -> None:
        xp = array_module(param)
        m = slots["momentum"]
        direction = m * self.beta_1
        scratch = grad * (1.0 - self.beta_1)
        direction += scratch
        xp.sign(direction, out=direction)
        direction *= lr
        param -= direction
        m *= self.beta_2
        xp.multiply(grad, 1.0 - self.beta_2, out=scratch)
        m += scratch

    def reference_update(self, p: np.ndarray, g: np.ndarray, s: dict[str, Any], lr: float, t: int) -> np.ndarray:
        """The rule of the paper and Keras, in float64, for the conformance suite."""
        m = s.get("m", np.zeros_like(p))
        new_p = p - lr * np.sign(m * self.beta_1 + g * (1 - self.beta_1))
        s["m"] = m * self.beta_2 + g * (1 - self.beta_2)
        return new_p

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "name": self.name}
