"""The optimizers' hyperparameter checks in terms of the shared :mod:`neuropil.checks`: decay rates
in the unit interval and non-negative constants, failing at construction and naming the optimizer."""
from __future__ import annotations

from typing import Any

from neuropil import checks


def in_unit_interval(owner: str, name: str, value: Any, *, include_one: bool = False) -> float:
    """A decay rate: a number in [0, 1) (or [0, 1] when ``include_one``)."""
    return checks.number(owner, name, value, minimum=0, maximum=1, max_inclusive=include_one)


def non_negative(owner: str, name: str, value: Any) -> float:
    return checks.number(owner, name, value, minimum=0)
