"""Learning-rate schedules: what an optimizer relies on when it calls ``schedule(step)``.

The optimizer calls ``schedule(iterations)`` before each update (0 for the first) and may call it
again for the same step (to log the rate, or after a model is loaded); a saved model stores the
schedule as its registered name and ``get_config()``. Hence:

- ``rates``: for any step from 0 to a million, a real number, finite and >= 0 (a negative rate would
  turn descent into ascent; NaN would poison every parameter).
- ``pure``: the rate depends on the step alone: the same step gives the same rate whatever was asked
  before, and a new instance from the same config agrees. A schedule counting its own calls would
  decay twice as fast once anything else reads the rate.
- ``config_roundtrip``: saved as a model file saves it (JSON) and loaded back, it gives the same rates.
"""
from __future__ import annotations

import math
from typing import Any

from ...plugin_system.registry import Entry
from .. import strategies as s
from ..instances import example_configs, make
from ._common import run_hypothesis, saved_and_loaded

#: Steps worth asking about: the start, small counts, and long runs.
STEPS = s.st.lists(s.st.integers(0, 10) | s.st.integers(0, 1_000_000), min_size=1, max_size=6)


def _rate(schedule: Any, step: int) -> float:
    value = schedule(step)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise AssertionError(f"schedule({step}) returned {value!r} ({type(value).__name__}), expected a real "
                             f"number") from None


def _draw(data: Any, entry: Entry) -> tuple[dict[str, Any], Any, list[int]]:
    config = data.draw(s.st.sampled_from(example_configs(entry)), label="config")
    return config, make(entry, config), data.draw(STEPS, label="steps")


def rates(entry: Entry) -> None:
    def test(data: Any) -> None:
        _, schedule, steps = _draw(data, entry)
        for step in [0, *steps]:
            rate = _rate(schedule, step)
            if not math.isfinite(rate) or rate < 0:
                raise AssertionError(f"schedule({step}) = {rate!r}: a learning rate must be finite and >= 0")

    run_hypothesis(test)


def pure(entry: Entry) -> None:
    def test(data: Any) -> None:
        config, schedule, steps = _draw(data, entry)
        first = [_rate(schedule, step) for step in steps]
        again = [_rate(schedule, step) for step in reversed(steps)][::-1]
        if again != first:
            raise AssertionError(f"asked again for steps {steps}, the rates changed from {first} to {again}: a "
                                 f"schedule must depend on the step alone, not on earlier calls")
        fresh = [_rate(make(entry, config), step) for step in steps]
        if fresh != first:
            raise AssertionError(f"a new instance from the same config gives {fresh} for steps {steps}, the "
                                 f"first gave {first}")

    run_hypothesis(test)


def config_roundtrip(entry: Entry) -> None:
    def test(data: Any) -> None:
        _, schedule, steps = _draw(data, entry)
        expected = [_rate(schedule, step) for step in steps]
        saved, loaded = saved_and_loaded("schedules", schedule)
        got = [_rate(loaded, step) for step in steps]
        if got != expected:
            raise AssertionError(f"the schedule loaded from {saved!r} gives {got} for steps {steps}, the "
                                 f"original {expected}")

    run_hypothesis(test)


PROPERTIES = {"rates": rates, "pure": pure, "config_roundtrip": config_roundtrip}
