"""The finite-number check of the components that take plain numbers (activation layers, schedules),
in terms of the shared :mod:`neuropil.checks`, with those components' bounds vocabulary."""
from __future__ import annotations

from typing import Any

from neuropil import checks


def finite_number(owner: str, name: str, value: Any, *, minimum: float | None = None,
                  positive: bool = False) -> float:
    """``value`` as a float, refusing non-numbers (bools included), NaN and infinities, numbers below
    ``minimum`` and, with ``positive``, zero."""
    if positive:
        return checks.number(owner, name, value, minimum=0.0, min_inclusive=False)
    return checks.number(owner, name, value, minimum=minimum)
