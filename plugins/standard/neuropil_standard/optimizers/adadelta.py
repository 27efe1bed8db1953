"""Adadelta: steps sized by the ratio of running RMS of past steps to running RMS of gradients."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from neuropil.base.backend import array_module
from neuropil.base.optimizer import Optimizer

from ._args import in_unit_interval, non_negative


class Adadelta(Optimizer):
    """Keras 3's rule, with ``rms(a) = sqrt(a + epsilon)``:
    ``G = rho·G + (1 - rho)·g²``; ``d = -rms(D)·g / rms(G)``; ``D = rho·D + (1 - rho)·d²``; ``p += lr·d``.
    """

    name = "adadelta"
    device_step = True  # lr and step may be 0-d device arrays (captured training)
    slot_names = ("accumulated_grad", "accumulated_delta_var")

    def __init__(self, learning_rate: float | Callable[[int], float] = 0.001, rho: float = 0.95,
                 epsilon: float = 1e-7, **kwargs: Any) -> None:
        super().__init__(learning_rate, **kwargs)
        self.rho = in_unit_interval(type(self).__name__, "rho", rho)
        self.epsilon = non_negative(type(self).__name__, "epsilon", epsilon)

    def update_step(self, param: Any, grad: Any, slots: dict[str, Any], lr: float, step: int) -> None:
        xp = array_module(param)
        acc_grad, acc_delta = slots["accumulated_grad"], slots["accumulated_delta_var"]
        rho, eps = self.rho, self.epsilon
        scratch = grad * grad
        scratch *= 1.0 - rho
        acc_grad *= rho
        acc_grad += scratch
        step_size = acc_delta + eps  # becomes -d, the step before the learning rate
        xp.sqrt(step_size, out=step_size)
        step_size *= grad
        xp.add(acc_grad, eps, out=scratch)
        xp.sqrt(scratch, out=scratch)
        step_size /= scratch
        xp.multiply(step_size, step_size, out=scratch)
        scratch *= 1.0 - rho
        acc_delta *= rho
        acc_delta += scratch
        step_size *= lr
        param -= step_size

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon, "name": self.name}
