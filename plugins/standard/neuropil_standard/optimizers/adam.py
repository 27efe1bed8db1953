"""Adam and AdamW, Keras 3's form: bias corrections folded into one scalar step size.

Per parameter the update is a dozen in-place array operations on one scratch buffer; everything that
depends only on the step count is computed once in Python floats.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from neuropil.base.backend import array_module
from neuropil.base.optimizer import Optimizer
from neuropil.errors import ArgumentError

from ._args import in_unit_interval, non_negative
from ._moments import update_moments


class Adam(Optimizer):
    """``m += (g - m)(1 - beta_1)``; ``v += (g² - v)(1 - beta_2)``;
    ``p -= lr·sqrt(1 - beta_2^t)/(1 - beta_1^t) · m / (sqrt(v) + epsilon)``.

    With ``amsgrad`` the denominator uses the running maximum of ``v`` (slot ``velocity_hat``).
    """

    name = "adam"

    def __init__(self, learning_rate: float | Callable[[int], float] = 0.001, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, amsgrad: bool = False, **kwargs: Any) -> None:
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = in_unit_interval("beta_1", beta_1)
        self.beta_2 = in_unit_interval("beta_2", beta_2)
        self.epsilon = non_negative("epsilon", epsilon)
        self.amsgrad = bool(amsgrad)
        self.slot_names = ("momentum", "velocity", "velocity_hat") if self.amsgrad else ("momentum", "velocity")

    def update_step(self, param: Any, grad: Any, slots: dict[str, Any], lr: float, step: int) -> None:
        xp = array_module(param)
        m, v = slots["momentum"], slots["velocity"]
        alpha = lr * math.sqrt(1.0 - self.beta_2 ** step) / (1.0 - self.beta_1 ** step)
        scratch = update_moments(xp, grad, m, v, self.beta_1, self.beta_2)
        if self.amsgrad:
            v = xp.maximum(slots["velocity_hat"], v, out=slots["velocity_hat"])
        xp.sqrt(v, out=scratch)
        scratch += self.epsilon
        xp.divide(m, scratch, out=scratch)
        scratch *= alpha
        param -= scratch

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                "amsgrad": self.amsgrad, "name": self.name}


class AdamW(Adam):
    """Adam with decoupled weight decay on by default: ``p -= p·weight_decay·lr`` before each Adam step
    (Keras 3; the base :class:`~neuropil.base.optimizer.Optimizer` applies it), instead of an L2 term whose
    effect Adam's scaling would distort."""

    name = "adamw"

    def __init__(self, learning_rate: float | Callable[[int], float] = 0.001, weight_decay: float | None = 0.004,
                 beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7, amsgrad: bool = False,
                 **kwargs: Any) -> None:
        if weight_decay is None:  # Keras refuses it too: AdamW without decay would silently be Adam
            raise ArgumentError("AdamW expects weight_decay to be a number >= 0 (use Adam for no decay), "
                                "received weight_decay=None")
        super().__init__(learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, amsgrad=amsgrad,
                         weight_decay=weight_decay, **kwargs)  # checked by the base, as for every optimizer
