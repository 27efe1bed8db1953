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
- ``reference``: where the schedule declares ``reference(step) -> rate``, a float64 formula written
  from the published definition and sharing no code with ``__call__``, the rates agree with it at
  every step from 0 to 63 (where warm-ups end, staircases drop and periods restart), at powers of ten
  up to a million and at drawn steps; and, where the schedule accepts a device step (a 0-d float64
  array, as a captured training step passes it), its rate there agrees as well. Without a declaration:
  a visible skip, since the other properties hold for a schedule computing the wrong rates.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...plugin_system.registry import Entry
from .. import strategies as s
from ..instances import example_configs, make
from ._common import run_hypothesis, saved_and_loaded
from .reference import _check_golden, _require

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


#: Steps every config is checked at: each of the first 64 (the boundaries of short example configs)
#: and long runs. Hypothesis adds drawn steps.
FIXED_STEPS = (*range(64), 100, 1000, 10_000, 100_000, 1_000_000)
#: A float64 rate against a float64 formula written differently: rounding differs by far less, and a
#: constant off by 10% or a step off by one moves the rate by far more.
REFERENCE_RTOL, REFERENCE_ATOL = 1e-9, 1e-12


def _device_rate(schedule: Any, step: int) -> float | None:
    """The rate for ``step`` given as a 0-d float64 array, or None where the schedule does not take
    one (host-only schedules are allowed: the captured training step then falls back to the host)."""
    try:
        value = schedule(np.asarray(float(step), dtype=np.float64))
        return float(np.asarray(value, dtype=np.float64))
    except Exception:  # noqa: BLE001 - any failure means: a host-only schedule
        return None


def _agree(how: str, config: dict[str, Any], steps: list[int], got: list[float], expected: list[float]) -> None:
    """Every rate within tolerance of the reference; the report names the first step that is not
    (a list of 69 rates says less than one step and its two values)."""
    close = np.isclose(got, expected, rtol=REFERENCE_RTOL, atol=REFERENCE_ATOL)
    if close.all():
        return
    first = int(np.argmin(close))
    raise AssertionError(f"schedule({steps[first]}){how} = {got[first]!r}, the declared reference gives "
                         f"{expected[first]!r} (config {config}; {int((~close).sum())} of the {len(steps)} steps "
                         f"checked differ, rtol={REFERENCE_RTOL})")


def reference(entry: Entry) -> None:
    has_formula, golden = _require(entry, "rates this schedule", "`reference(step) -> rate`")
    _check_golden(entry, golden, lambda schedule, inputs: schedule(int(inputs[0])))
    if not has_formula:
        return

    def compare(config: dict[str, Any], schedule: Any, steps: list[int]) -> None:
        expected = [float(schedule.reference(step)) for step in steps]
        _agree("", config, steps, [_rate(schedule, step) for step in steps], expected)
        on_device = [_device_rate(schedule, step) for step in steps]
        if all(rate is not None for rate in on_device):
            _agree(" given as a 0-d float64 array (a device step)", config, steps,
                   [float(rate) for rate in on_device if rate is not None], expected)

    for config in example_configs(entry):
        compare(config, make(entry, config), list(FIXED_STEPS))

    def test(data: Any) -> None:
        config, schedule, steps = _draw(data, entry)
        compare(config, schedule, steps)

    run_hypothesis(test)


PROPERTIES = {"rates": rates, "pure": pure, "config_roundtrip": config_roundtrip, "reference": reference}
