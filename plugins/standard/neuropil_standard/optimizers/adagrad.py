"""Adagrad: per-coordinate steps shrinking with the sum of all past squared gradients."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from neuropil.base.backend import array_module
from neuropil.base.optimizer import Optimizer

from ._args import non_negative


class Adagrad(Optimizer):
    """``acc += g²``; ``p -= lr·g / sqrt(acc + epsilon)``; ``acc`` starts at ``initial_accumulator_value``."""

    name = "adagrad"
    device_step = True  # lr and step may be 0-d device arrays (captured training)
    slot_names = ("accumulator",)

    def __init__(self, learning_rate: float | Callable[[int], float] = 0.001,
                 initial_accumulator_value: float = 0.1, epsilon: float = 1e-7, **kwargs: Any) -> None:
        super().__init__(learning_rate, **kwargs)
        self.initial_accumulator_value = non_negative(type(self).__name__, "initial_accumulator_value",
                                                      initial_accumulator_value)
        self.epsilon = non_negative(type(self).__name__, "epsilon", epsilon)

    def initial_slot(self, slot: str, param: Any) -> Any:
        return array_module(param).full_like(param, self.initial_accumulator_value)

    def update_step(self, param: Any, grad: Any, slots: dict[str, Any], lr: float, step: int) -> None:
        xp = array_module(param)
        acc = slots["accumulator"]
        scratch = grad * grad
        acc += scratch
        xp.add(acc, self.epsilon, out=scratch)
        xp.sqrt(scratch, out=scratch)
        xp.divide(grad, scratch, out=scratch)
        scratch *= lr
        param -= scratch

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon, "name": self.name}
