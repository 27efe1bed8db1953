"""Argument checks shared by the components that take plain numbers (activation layers, schedules):
they fail at construction, naming the component, the argument, the bound and the value received."""
from __future__ import annotations

import math
from numbers import Real
from typing import Any


def finite_number(owner: str, name: str, value: Any, *, minimum: float | None = None,
                  positive: bool = False) -> float:
    """``value`` as a float, refusing non-numbers (bools included), NaN and infinities, numbers below
    ``minimum`` and, with ``positive``, zero."""
    ok = isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)
    if ok and ((positive and value <= 0) or (minimum is not None and value < minimum)):
        ok = False
    if not ok:
        bound = " > 0" if positive else (f" >= {minimum:g}" if minimum is not None else "")
        raise ValueError(f"{owner} expects {name} to be a finite number{bound}, received {name}={value!r}")
    return float(value)
