"""Hyperparameter checks shared by the optimizers: fail at construction, naming the bad value."""
from __future__ import annotations

import math
from typing import Any


def in_unit_interval(name: str, value: Any, *, include_one: bool = False) -> float:
    """A decay rate: a number in [0, 1) (or [0, 1] when ``include_one``)."""
    number = _number(name, value)
    if not (0.0 <= number < 1.0 or (include_one and number == 1.0)):
        interval = "[0, 1]" if include_one else "[0, 1)"
        raise ValueError(f"{name} must be a number in {interval}, received {name}={value!r}")
    return number


def non_negative(name: str, value: Any) -> float:
    number = _number(name, value)
    if number < 0:
        raise ValueError(f"{name} must be a number >= 0, received {name}={value!r}")
    return number


def _number(name: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number, received {name}={value!r}")
    return number
