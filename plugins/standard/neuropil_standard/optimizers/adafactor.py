"""Adafactor: Adam-like steps from a factored second moment (row and column averages of g²).

For a matrix the second moment costs ``rows + columns`` numbers instead of ``rows × columns``: that is
its reason to exist (memory, for large embedding and attention matrices).
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from neuropil import checks
from neuropil.base.backend import array_module
from neuropil.base.optimizer import Optimizer


class Adafactor(Optimizer):
    """Keras 3's rule, at step ``t``: ``rho = min(lr, 1/sqrt(t))`` (with ``relative_step`` and a
    constant rate, ``lr`` itself is first capped the same way); ``alpha = max(epsilon_2, rms(p))·rho``;
    ``beta = 1 - t^beta_2_decay``; ``G = g² + epsilon_1``. For parameters of 2+ axes (the last two
    factored): ``r = beta·r + (1-beta)·mean(G, -1)``, ``c = beta·c + (1-beta)·mean(G, -2)``,
    ``v = r/mean(r, -1) ⊗ c``; otherwise ``v = beta·v + (1-beta)·G``. Then ``u = g/sqrt(v)``,
    ``p -= alpha·u / max(1, rms(u)/clip_threshold)``.

    Slots: ``row_velocity`` (shape ``p.shape[:-1]``), ``column_velocity`` (``p.shape[:-2] +
    p.shape[-1:]``) and ``velocity`` (``p``'s shape); for parameters of fewer than 2 axes the factored
    slots are 0-d placeholders, as in Keras.
    """

    name = "adafactor"
    slot_names = ("row_velocity", "column_velocity", "velocity")
    example_configs: tuple[dict[str, Any], ...] = ({}, {"beta_2_decay": -0.5, "epsilon_2": 1e-2, "clip_threshold": 0.5,
                            "relative_step": False})

    def __init__(self, learning_rate: float | Callable[[int], float] = 0.001, beta_2_decay: float = -0.8,
                 epsilon_1: float = 1e-30, epsilon_2: float = 1e-3, clip_threshold: float = 1.0,
                 relative_step: bool = True, **kwargs: Any) -> None:
        super().__init__(learning_rate, **kwargs)
        self.beta_2_decay = checks.number("Adafactor", "beta_2_decay", beta_2_decay, maximum=0)
        self.epsilon_1 = checks.number("Adafactor", "epsilon_1", epsilon_1, minimum=0)
        self.epsilon_2 = checks.number("Adafactor", "epsilon_2", epsilon_2, minimum=0)
        self.clip_threshold = checks.number("Adafactor", "clip_threshold", clip_threshold, minimum=0,
                                            min_inclusive=False)
        self.relative_step = checks.boolean("Adafactor", "relative_step", relative_step)

    def initial_slot(self, slot: str, param: Any) -> Any:
        xp = array_module(param)
        shape = tuple(param.shape)
        if slot == "velocity":
            return xp.zeros_like(param)
        if len(shape) < 2:
            return xp.zeros((), dtype=param.dtype)
        factored = shape[:-1] if slot == "row_velocity" else shape[:-2] + shape[-1:]
        return xp.zeros(factored, dtype=param.dtype)

    def _step_size(self, lr: float, step: int) -> float:
        """``rho``: the rate capped by ``1/sqrt(t)`` (Keras caps twice with ``relative_step``)."""
        cap = 1.0 / math.sqrt(step)
        if self.relative_step and not callable(self._learning_rate):
            lr = min(lr, cap)
        return min(lr, cap)

    def update_step(self, param: Any, grad: Any, slots: dict[str, Any], lr: float, step: int) -> None:
        xp = array_module(param)
        rho = self._step_size(lr, step)
        alpha = xp.maximum(xp.sqrt((param * param).mean()), self.epsilon_2)
        alpha *= rho
        beta = 1.0 - step ** self.beta_2_decay
        squared = grad * grad
        squared += self.epsilon_1
        v = slots["velocity"]
        if param.ndim >= 2:
            r, c = slots["row_velocity"], slots["column_velocity"]
            r *= beta
            r += squared.mean(axis=-1) * (1.0 - beta)
            c *= beta
            c += squared.mean(axis=-2) * (1.0 - beta)
            row_share = r / r.mean(axis=-1, keepdims=True)
            xp.multiply(row_share[..., :, None], c[..., None, :], out=v)
        else:
            v *= beta
            squared *= 1.0 - beta
            v += squared
        u = xp.sqrt(v, out=squared)
        xp.divide(grad, u, out=u)
        clip = xp.maximum(xp.sqrt((u * u).mean()) / self.clip_threshold, 1.0)
        u *= alpha / clip
        param -= u

    def reference_update(self, p: np.ndarray, g: np.ndarray, s: dict[str, Any], lr: float, t: int) -> np.ndarray:
        """Keras's formula in float64, for the conformance suite."""
        if self.relative_step and not callable(self._learning_rate):
            lr = min(lr, 1 / math.sqrt(t))
        rho = min(lr, 1 / math.sqrt(t))
        alpha = max(self.epsilon_2, math.sqrt(float(np.mean(p ** 2)))) * rho
        squared = g ** 2 + self.epsilon_1
        beta = 1 - t ** self.beta_2_decay
        if p.ndim >= 2:
            s["r"] = beta * s.get("r", 0.0) + (1 - beta) * squared.mean(axis=-1)
            s["c"] = beta * s.get("c", 0.0) + (1 - beta) * squared.mean(axis=-2)
            v = np.expand_dims(s["r"] / s["r"].mean(axis=-1, keepdims=True), -1) * np.expand_dims(s["c"], -2)
        else:
            v = s["v"] = beta * s.get("v", 0.0) + (1 - beta) * squared
        u = g / np.sqrt(v)
        return p - alpha * u / max(1.0, math.sqrt(float(np.mean(u ** 2))) / self.clip_threshold)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta_2_decay": self.beta_2_decay, "epsilon_1": self.epsilon_1,
                "epsilon_2": self.epsilon_2, "clip_threshold": self.clip_threshold,
                "relative_step": self.relative_step, "name": self.name}
