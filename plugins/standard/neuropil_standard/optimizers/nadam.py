"""Nadam: Adam with Nesterov momentum and Keras 3's momentum schedule (``u_t``, decay 0.96)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from neuropil.base.backend import array_module
from neuropil.base.optimizer import Optimizer

from ._args import in_unit_interval, non_negative
from ._moments import update_moments

DECAY = 0.96


class Nadam(Optimizer):
    """With ``u_s = beta_1·(1 - 0.5·0.96^s)`` and ``P_t = u_1·…·u_t``:
    ``m += (g - m)(1 - beta_1)``; ``v += (g² - v)(1 - beta_2)``;
    ``m̂ = u_{t+1}·m / (1 - P_t·u_{t+1}) + (1 - u_t)·g / (1 - P_t)``; ``v̂ = v / (1 - beta_2^t)``;
    ``p -= lr·m̂ / (sqrt(v̂) + epsilon)``.

    ``P_t`` depends only on the step, so it is derived from ``iterations`` (and survives save/load
    without a slot of its own).
    """

    name = "nadam"
    slot_names = ("momentum", "velocity")

    def __init__(self, learning_rate: float | Callable[[int], float] = 0.001, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, **kwargs: Any) -> None:
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = in_unit_interval(type(self).__name__, "beta_1", beta_1)
        self.beta_2 = in_unit_interval(type(self).__name__, "beta_2", beta_2)
        self.epsilon = non_negative(type(self).__name__, "epsilon", epsilon)
        self._product_step, self._product = 0, 1.0

    def _u(self, step: int) -> float:
        return self.beta_1 * (1.0 - 0.5 * DECAY ** step)

    def _u_product(self, step: int) -> float:
        """``u_1·…·u_step``, advanced incrementally; recomputed after a jump (e.g. restored state)."""
        if step == self._product_step + 1:
            self._product *= self._u(step)
        elif step != self._product_step:
            self._product = 1.0
            for s in range(1, step + 1):
                self._product *= self._u(s)
        self._product_step = step
        return self._product

    def update_step(self, param: Any, grad: Any, slots: dict[str, Any], lr: float, step: int) -> None:
        xp = array_module(param)
        m, v = slots["momentum"], slots["velocity"]
        u_t, u_next = self._u(step), self._u(step + 1)
        product = self._u_product(step)
        m_coef = u_next / (1.0 - product * u_next)
        g_coef = (1.0 - u_t) / (1.0 - product)
        scratch = update_moments(xp, grad, m, v, self.beta_1, self.beta_2)
        # sqrt(v̂) + eps = (sqrt(v) + eps·c) / c with c = sqrt(1 - beta_2^t): fold c into the step size
        c = (1.0 - self.beta_2 ** step) ** 0.5
        denominator = xp.sqrt(v)
        denominator += self.epsilon * c
        xp.multiply(grad, g_coef, out=scratch)
        numerator = m * m_coef
        numerator += scratch
        numerator /= denominator
        numerator *= lr * c
        param -= numerator

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                "name": self.name}
