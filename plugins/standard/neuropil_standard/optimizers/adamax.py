"""Adamax: Adam with the second moment replaced by an exponentially weighted infinity norm."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from neuropil import checks
from neuropil.base.backend import array_module
from neuropil.base.optimizer import Optimizer


class Adamax(Optimizer):
    """Keras 3's rule: ``m += (g - m)(1 - beta_1)``; ``u = max(beta_2·u, |g|)``;
    ``p -= lr·m / ((1 - beta_1^t)·(u + epsilon))``.

    The infinity norm ``u`` needs no bias correction (a maximum does not shrink towards its zero
    start the way an average does), so only the first moment is corrected.
    """

    name = "adamax"
    slot_names = ("momentum", "norm")
    example_configs: tuple[dict[str, Any], ...] = ({}, {"beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-3})

    def __init__(self, learning_rate: float | Callable[[int], float] = 0.001, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, **kwargs: Any) -> None:
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = checks.number("Adamax", "beta_1", beta_1, minimum=0, maximum=1, max_inclusive=False)
        self.beta_2 = checks.number("Adamax", "beta_2", beta_2, minimum=0, maximum=1, max_inclusive=False)
        self.epsilon = checks.number("Adamax", "epsilon", epsilon, minimum=0)

    def update_step(self, param: Any, grad: Any, slots: dict[str, Any], lr: float, step: int) -> None:
        xp = array_module(param)
        m, u = slots["momentum"], slots["norm"]
        scratch = grad - m
        scratch *= 1.0 - self.beta_1
        m += scratch
        u *= self.beta_2
        xp.abs(grad, out=scratch)
        xp.maximum(u, scratch, out=u)
        xp.add(u, self.epsilon, out=scratch)
        xp.divide(m, scratch, out=scratch)
        scratch *= lr / (1.0 - self.beta_1 ** step)
        param -= scratch

    def reference_update(self, p: np.ndarray, g: np.ndarray, s: dict[str, Any], lr: float, t: int) -> np.ndarray:
        """The rule of Keras's docstring, in float64, for the conformance suite."""
        s["m"] = self.beta_1 * s.get("m", 0.0) + (1 - self.beta_1) * g
        s["u"] = np.maximum(self.beta_2 * s.get("u", 0.0), np.abs(g))
        return p - lr / (1 - self.beta_1 ** t) * s["m"] / (s["u"] + self.epsilon)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                "name": self.name}
