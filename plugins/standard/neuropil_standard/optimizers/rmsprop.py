"""RMSprop: gradients divided by a running RMS of gradients (optionally centered, with momentum)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from neuropil.base.backend import array_module, fused_for
from neuropil.base.optimizer import Optimizer

from ._args import in_unit_interval, non_negative


class RMSprop(Optimizer):
    """Keras 3's rule: ``v = rho·v + (1 - rho)·g²``; ``step = lr·g / sqrt(v + epsilon)`` (centered:
    ``sqrt(v - a² + epsilon)`` with ``a = rho·a + (1 - rho)·g``); with momentum
    ``mom = momentum·mom + step``, ``p -= mom``; else ``p -= step``."""

    name = "rmsprop"
    device_step = True  # lr may be a 0-d device array (captured training)

    def __init__(self, learning_rate: float | Callable[[int], float] = 0.001, rho: float = 0.9,
                 momentum: float = 0.0, epsilon: float = 1e-7, centered: bool = False, **kwargs: Any) -> None:
        super().__init__(learning_rate, **kwargs)
        self.rho = in_unit_interval(type(self).__name__, "rho", rho)
        self.momentum = in_unit_interval(type(self).__name__, "momentum", momentum, include_one=True)
        self.epsilon = non_negative(type(self).__name__, "epsilon", epsilon)
        self.centered = bool(centered)
        self.slot_names = (("velocity",) + (("momentum",) if self.momentum > 0 else ())
                           + (("average_gradient",) if self.centered else ()))

    def update_step(self, param: Any, grad: Any, slots: dict[str, Any], lr: float, step: int) -> None:
        xp = array_module(param)
        rho = self.rho
        velocity = slots["velocity"]
        if not self.centered:  # one kernel on backends that offer it
            fused = fused_for(param, "rmsprop_momentum" if self.momentum > 0 else "rmsprop")
            if fused is not None and self.momentum > 0:
                fused(param, grad, velocity, slots["momentum"], lr=lr, rho=rho, momentum=self.momentum,
                      epsilon=self.epsilon)
                return
            if fused is not None:
                fused(param, grad, velocity, lr=lr, rho=rho, epsilon=self.epsilon)
                return
        scratch = grad * grad
        scratch *= 1.0 - rho
        velocity *= rho
        velocity += scratch
        if self.centered:
            average = slots["average_gradient"]
            average *= rho
            xp.multiply(grad, 1.0 - rho, out=scratch)
            average += scratch
            xp.multiply(average, average, out=scratch)
            xp.subtract(velocity, scratch, out=scratch)
            scratch += self.epsilon
        else:
            xp.add(velocity, self.epsilon, out=scratch)
        xp.sqrt(scratch, out=scratch)
        xp.divide(grad, scratch, out=scratch)
        scratch *= lr
        if self.momentum > 0:
            momentum = slots["momentum"]
            momentum *= self.momentum
            momentum += scratch
            param -= momentum
        else:
            param -= scratch

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                "centered": self.centered, "name": self.name}
