"""FTRL-proximal ("Follow The Regularized Leader"), Keras 3's form with online and shrinkage L2."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from neuropil import checks
from neuropil.base.backend import array_module
from neuropil.base.optimizer import Optimizer


class Ftrl(Optimizer):
    """Keras 3's rule, with ``n`` the accumulator, ``z`` the linear term, ``k = -learning_rate_power``:
    ``g' = g + 2·l2_shrinkage·p``; ``n' = n + g²``; ``z += g' - (n'^k - n^k)/lr · p``;
    ``p = (clip(z, -l1, l1) - z) / (n'^k/lr + 2·(l2 + beta/(2·lr)))``; ``n = n'``.

    Unlike a gradient step, the new weight is solved for from ``z`` alone: entries whose ``|z|`` stays
    below ``l1`` are exactly 0, which is why FTRL suits wide sparse models. The solution is taken from
    the accumulated ``z``, so the first update already moves the weights towards the origin (the
    proximal centre), as Keras's does.
    """

    name = "ftrl"
    #: Read by the conformance suite's descent check, which it skips: a step solved from ``z`` may go
    #: uphill from a start far from the origin (Keras's Ftrl does the same).
    descends_from_any_start = False
    slot_names = ("accumulator", "linear")
    example_configs: tuple[dict[str, Any], ...] = ({}, {"learning_rate_power": -0.3, "initial_accumulator_value": 0.5,
                            "l1_regularization_strength": 0.01, "l2_regularization_strength": 0.1,
                            "l2_shrinkage_regularization_strength": 0.05, "beta": 0.5})

    def __init__(self, learning_rate: float | Callable[[int], float] = 0.001, learning_rate_power: float = -0.5,
                 initial_accumulator_value: float = 0.1, l1_regularization_strength: float = 0.0,
                 l2_regularization_strength: float = 0.0, l2_shrinkage_regularization_strength: float = 0.0,
                 beta: float = 0.0, **kwargs: Any) -> None:
        super().__init__(learning_rate, **kwargs)
        self.learning_rate_power = checks.number("Ftrl", "learning_rate_power", learning_rate_power, maximum=0)
        self.initial_accumulator_value = checks.number("Ftrl", "initial_accumulator_value",
                                                       initial_accumulator_value, minimum=0)
        self.l1_regularization_strength = checks.number("Ftrl", "l1_regularization_strength",
                                                        l1_regularization_strength, minimum=0)
        self.l2_regularization_strength = checks.number("Ftrl", "l2_regularization_strength",
                                                        l2_regularization_strength, minimum=0)
        self.l2_shrinkage_regularization_strength = checks.number(
            "Ftrl", "l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength, minimum=0)
        self.beta = checks.number("Ftrl", "beta", beta, minimum=0)

    def initial_slot(self, slot: str, param: Any) -> Any:
        xp = array_module(param)
        if slot == "accumulator":
            return xp.full_like(param, self.initial_accumulator_value)
        return xp.zeros_like(param)

    def update_step(self, param: Any, grad: Any, slots: dict[str, Any], lr: float, step: int) -> None:
        xp = array_module(param)
        accumulator, linear = slots["accumulator"], slots["linear"]
        power = -self.learning_rate_power
        l1 = self.l1_regularization_strength
        l2 = self.l2_regularization_strength + self.beta / (2.0 * lr)
        new_accumulator = grad * grad
        new_accumulator += accumulator
        sigma = xp.power(new_accumulator, power)
        sigma -= xp.power(accumulator, power, out=accumulator)  # the old accumulator is not needed again
        sigma *= param
        sigma *= 1.0 / lr
        linear += grad
        if self.l2_shrinkage_regularization_strength:
            linear += param * (2.0 * self.l2_shrinkage_regularization_strength)
        linear -= sigma
        quadratic = xp.power(new_accumulator, power, out=sigma)
        quadratic *= 1.0 / lr
        quadratic += 2.0 * l2
        xp.clip(linear, -l1, l1, out=param)
        param -= linear
        param /= quadratic
        accumulator[...] = new_accumulator

    def reference_update(self, p: np.ndarray, g: np.ndarray, s: dict[str, Any], lr: float, t: int) -> np.ndarray:
        """Keras's formula in float64, for the conformance suite."""
        k = -self.learning_rate_power
        n = s.get("n", np.full_like(p, self.initial_accumulator_value))
        z = s.get("z", np.zeros_like(p))
        shrunk = g + 2 * self.l2_shrinkage_regularization_strength * p
        n_new = n + g ** 2
        z = z + shrunk - (n_new ** k - n ** k) / lr * p
        l1 = self.l1_regularization_strength
        l2 = self.l2_regularization_strength + self.beta / (2 * lr)
        s["n"], s["z"] = n_new, z
        return (np.clip(z, -l1, l1) - z) / (n_new ** k / lr + 2 * l2)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "learning_rate_power": self.learning_rate_power,
                "initial_accumulator_value": self.initial_accumulator_value,
                "l1_regularization_strength": self.l1_regularization_strength,
                "l2_regularization_strength": self.l2_regularization_strength,
                "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
                "beta": self.beta, "name": self.name}
