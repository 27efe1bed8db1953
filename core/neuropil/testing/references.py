"""Reference update formulas (Keras 3 semantics) for the standard optimizer names.

An optimizer is checked against the formula its *name* promises: anything registered as "adam" must
update like Keras's Adam, whichever plugin provides it. A component whose name is not listed here can
declare its own formula as a ``reference_update`` method with the same signature as these functions
(minus ``config``, which it reads from ``self``). Each formula is written plainly in float64, one
parameter at a time, from the published algorithm, so it shares no code (and no bug) with the
implementation under test.

Signature: ``formula(config, param, grad, state, lr, step) -> new_param`` where ``config`` is the
optimizer's ``get_config()``, ``state`` a dict the formula owns (empty before the first step) and
``step`` counts from 1. A formula describes the optimizer's own rule only: Keras 3's decoupled weight
decay, which the base class applies for every optimizer, is added by :func:`formula_for`.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..plugin_system.registry import normalize

Formula = Callable[[dict[str, Any], np.ndarray, np.ndarray, dict[str, Any], float, int], np.ndarray]


def _opt(config: dict[str, Any], key: str, default: Any) -> Any:
    value = config.get(key)
    return default if value is None else value


def sgd(config: dict[str, Any], p: np.ndarray, g: np.ndarray, s: dict[str, Any], lr: float, t: int) -> np.ndarray:
    momentum = float(_opt(config, "momentum", 0.0))
    if momentum == 0.0:
        return p - lr * g
    m = momentum * s.get("m", np.zeros_like(p)) - lr * g
    s["m"] = m
    if _opt(config, "nesterov", False):
        return p + momentum * m - lr * g
    return p + m


def adagrad(config: dict[str, Any], p: np.ndarray, g: np.ndarray, s: dict[str, Any], lr: float, t: int) -> np.ndarray:
    eps = float(_opt(config, "epsilon", 1e-7))
    acc = s.get("acc", np.full_like(p, float(_opt(config, "initial_accumulator_value", 0.1)))) + g * g
    s["acc"] = acc
    return p - lr * g / np.sqrt(acc + eps)


def adadelta(config: dict[str, Any], p: np.ndarray, g: np.ndarray, s: dict[str, Any], lr: float, t: int) -> np.ndarray:
    rho, eps = float(_opt(config, "rho", 0.95)), float(_opt(config, "epsilon", 1e-7))
    acc_g = rho * s.get("acc_g", np.zeros_like(p)) + (1 - rho) * g * g
    delta = -np.sqrt(s.get("acc_d", np.zeros_like(p)) + eps) / np.sqrt(acc_g + eps) * g
    s["acc_g"], s["acc_d"] = acc_g, rho * s.get("acc_d", np.zeros_like(p)) + (1 - rho) * delta * delta
    return p + lr * delta


def rmsprop(config: dict[str, Any], p: np.ndarray, g: np.ndarray, s: dict[str, Any], lr: float, t: int) -> np.ndarray:
    rho, eps = float(_opt(config, "rho", 0.9)), float(_opt(config, "epsilon", 1e-7))
    momentum = float(_opt(config, "momentum", 0.0))
    v = rho * s.get("v", np.zeros_like(p)) + (1 - rho) * g * g
    s["v"] = v
    denominator = v + eps
    if _opt(config, "centered", False):
        avg = rho * s.get("avg", np.zeros_like(p)) + (1 - rho) * g
        s["avg"] = avg
        denominator = v - avg * avg + eps
    increment = lr * g / np.sqrt(denominator)
    if momentum > 0:
        s["mom"] = momentum * s.get("mom", np.zeros_like(p)) + increment
        return p - s["mom"]
    return p - increment


def adam(config: dict[str, Any], p: np.ndarray, g: np.ndarray, s: dict[str, Any], lr: float, t: int) -> np.ndarray:
    b1, b2 = float(_opt(config, "beta_1", 0.9)), float(_opt(config, "beta_2", 0.999))
    eps = float(_opt(config, "epsilon", 1e-7))
    m = s.get("m", np.zeros_like(p)) + (g - s.get("m", np.zeros_like(p))) * (1 - b1)
    v = s.get("v", np.zeros_like(p)) + (g * g - s.get("v", np.zeros_like(p))) * (1 - b2)
    s["m"], s["v"] = m, v
    if _opt(config, "amsgrad", False):
        v = s["vhat"] = np.maximum(s.get("vhat", np.zeros_like(p)), v)
    alpha = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
    return p - alpha * m / (np.sqrt(v) + eps)




def nadam(config: dict[str, Any], p: np.ndarray, g: np.ndarray, s: dict[str, Any], lr: float, t: int) -> np.ndarray:
    b1, b2 = float(_opt(config, "beta_1", 0.9)), float(_opt(config, "beta_2", 0.999))
    eps = float(_opt(config, "epsilon", 1e-7))
    u_t = b1 * (1 - 0.5 * 0.96**t)
    u_next = b1 * (1 - 0.5 * 0.96 ** (t + 1))
    u_product = s.get("u_product", 1.0) * u_t
    s["u_product"] = u_product
    m = s.get("m", np.zeros_like(p)) + (g - s.get("m", np.zeros_like(p))) * (1 - b1)
    v = s.get("v", np.zeros_like(p)) + (g * g - s.get("v", np.zeros_like(p))) * (1 - b2)
    s["m"], s["v"] = m, v
    m_hat = u_next * m / (1 - u_product * u_next) + (1 - u_t) * g / (1 - u_product)
    v_hat = v / (1 - b2**t)
    return p - lr * m_hat / (np.sqrt(v_hat) + eps)


#: Formulas by normalized registered name (aliases resolve to the same registry entry anyway).
FORMULAS: dict[str, Formula] = {
    normalize(k): f for k, f in {
        "SGD": sgd, "Adagrad": adagrad, "Adadelta": adadelta, "RMSprop": rmsprop, "Adam": adam,
        "AdamW": adam, "Nadam": nadam,  # AdamW is Adam with weight decay on by default (Keras 3)
    }.items()
}

#: Weight decay a name implies when its config does not state one.
DEFAULT_WEIGHT_DECAY: dict[str, float] = {normalize("AdamW"): 0.004}

#: Extra constructor arguments worth checking for each name (Keras options that switch formulas).
CONFIGS: dict[str, tuple[dict[str, Any], ...]] = {
    normalize("SGD"): ({}, {"momentum": 0.9}, {"momentum": 0.9, "nesterov": True},
                       {"momentum": 0.9, "weight_decay": 0.05}),
    normalize("RMSprop"): ({}, {"momentum": 0.5}, {"centered": True}),
    normalize("Adam"): ({}, {"amsgrad": True}),
}


def formula_for(name: str, optimizer: Any) -> Formula | None:
    """The reference for ``optimizer`` registered as ``name``: its own ``reference_update`` if it
    declares one, else the shipped formula for the name, else None."""
    own = getattr(optimizer, "reference_update", None)
    if callable(own):
        return _with_weight_decay(lambda config, p, g, s, lr, t: own(p, g, s, lr, t), 0.0)
    formula = FORMULAS.get(normalize(name))
    return None if formula is None else _with_weight_decay(formula, DEFAULT_WEIGHT_DECAY.get(normalize(name), 0.0))


def _with_weight_decay(formula: Formula, default: float) -> Formula:
    """``formula`` preceded by Keras 3's decoupled decay ``p -= p * weight_decay * lr``."""
    def decayed(config: dict[str, Any], p: np.ndarray, g: np.ndarray, s: dict[str, Any], lr: float,
                t: int) -> np.ndarray:
        rate = float(_opt(config, "weight_decay", default))
        return formula(config, p - p * rate * lr if rate else p, g, s, lr, t)

    return decayed
