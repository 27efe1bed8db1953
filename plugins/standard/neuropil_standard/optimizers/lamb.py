"""Lamb: Adam's step rescaled per parameter by the trust ratio ``||p|| / ||step||``."""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from neuropil import checks
from neuropil.base.backend import array_module
from neuropil.base.optimizer import Optimizer

from ._moments import update_moments


class Lamb(Optimizer):
    """Keras 3's rule: Adam's moments; ``u = m̂ / (sqrt(v̂) + epsilon)`` with ``m̂ = m/(1 - beta_1^t)``,
    ``v̂ = v/(1 - beta_2^t)``; ``p -= r·lr·u`` with the trust ratio ``r = ||p|| / ||u||`` (1 when either
    norm is 0).

    The ratio makes the step proportional to the parameter's own size, layer by layer, which is what
    keeps very large batches (and so large learning rates) stable. The norms stay on the parameter's
    device as 0-d arrays: no host round trip per parameter.
    """

    name = "lamb"
    slot_names = ("momentum", "velocity")
    example_configs: tuple[dict[str, Any], ...] = ({}, {"beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-4})

    def __init__(self, learning_rate: float | Callable[[int], float] = 0.001, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, **kwargs: Any) -> None:
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = checks.number("Lamb", "beta_1", beta_1, minimum=0, maximum=1, max_inclusive=False)
        self.beta_2 = checks.number("Lamb", "beta_2", beta_2, minimum=0, maximum=1, max_inclusive=False)
        self.epsilon = checks.number("Lamb", "epsilon", epsilon, minimum=0)

    def update_step(self, param: Any, grad: Any, slots: dict[str, Any], lr: float, step: int) -> None:
        xp = array_module(param)
        m, v = slots["momentum"], slots["velocity"]
        scratch = update_moments(xp, grad, m, v, self.beta_1, self.beta_2)
        xp.multiply(v, 1.0 / (1.0 - self.beta_2 ** step), out=scratch)
        xp.sqrt(scratch, out=scratch)
        scratch += self.epsilon
        xp.divide(m, scratch, out=scratch)
        scratch *= 1.0 / (1.0 - self.beta_1 ** step)  # scratch is now the Adam direction u
        w_norm = xp.sqrt((param * param).sum())
        u_norm = xp.sqrt((scratch * scratch).sum())
        usable = (w_norm > 0) & (u_norm > 0)
        ratio = xp.where(usable, w_norm / xp.where(usable, u_norm, 1.0), 1.0)
        scratch *= ratio * lr
        param -= scratch

    def reference_update(self, p: np.ndarray, g: np.ndarray, s: dict[str, Any], lr: float, t: int) -> np.ndarray:
        """Keras's formula in float64, for the conformance suite."""
        s["m"] = self.beta_1 * s.get("m", 0.0) + (1 - self.beta_1) * g
        s["v"] = self.beta_2 * s.get("v", 0.0) + (1 - self.beta_2) * g * g
        u = (s["m"] / (1 - self.beta_1 ** t)) / (np.sqrt(s["v"] / (1 - self.beta_2 ** t)) + self.epsilon)
        w_norm, u_norm = math.sqrt(float(np.sum(p * p))), math.sqrt(float(np.sum(u * u)))
        ratio = w_norm / u_norm if w_norm > 0 and u_norm > 0 else 1.0
        return p - ratio * lr * u

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                "name": self.name}
