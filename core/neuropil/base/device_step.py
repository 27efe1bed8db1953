"""An optimizer's per-step scalars as device values, for a training step captured as a CUDA graph.

Eagerly, an optimizer computes its learning rate (a schedule at the step count) and its bias
corrections from a host integer every step: cheap, and exact. A captured graph replays the kernels it
recorded with the scalar arguments they had at capture, so those host floats would stay frozen at the
captured step: Adam's bias correction would stop decaying and a schedule would stop moving. Here the
step count lives in a 0-d device array that the step itself increments in place, and everything
derived from it (the rate of a schedule, ``1 - beta ** t``) is computed from it on the device, inside
the step. A plain float learning rate lives in a device buffer too, refreshed between steps when the
host value changes (a callback lowering it), so the graph reads the current one.
"""
from __future__ import annotations

from typing import Any

import numpy as np


class DeviceStep:
    """The device-side step counter (``counter`` = updates applied, as ``Optimizer._iterations``) and
    learning-rate buffer of one optimizer on one backend.

    ``mirror`` is the host's copy of what the counter holds, so the host can tell, without reading the
    device, when someone set ``optimizer.iterations`` or the learning rate and the buffers need a write.
    """

    def __init__(self, backend: Any, iterations: int, learning_rate: Any) -> None:
        self.backend = backend
        self.counter = backend.asarray(np.asarray(float(iterations), dtype=np.float64))
        self.mirror = int(iterations)
        self.rate = backend.asarray(np.asarray(0.0, dtype=np.float64))
        self._rate_value: float | None = None
        self.refresh(iterations, learning_rate)

    def refresh(self, iterations: int, learning_rate: Any) -> None:
        """Before a step, outside any capture: bring the buffers up to the host's values (a write each,
        only when they changed; never a read)."""
        if self.mirror != iterations:
            self.counter.fill(float(iterations))
            self.mirror = int(iterations)
        if not callable(learning_rate) and learning_rate != self._rate_value:
            self.rate.fill(float(learning_rate))
            self._rate_value = float(learning_rate)

    def learning_rate(self, learning_rate: Any) -> Any:
        """The rate for the coming update as a 0-d device array: the schedule evaluated at the device
        counter, or the buffer holding the float rate."""
        return learning_rate(self.counter) if callable(learning_rate) else self.rate

    def advance(self) -> None:
        """Count one update, in place on the device (a captured graph replays this increment)."""
        self.counter += 1.0
        self.mirror += 1


def device_step_problem(optimizer: Any, backend: Any) -> str | None:
    """Why ``optimizer`` cannot compute its per-step scalars on the device (None: it can).

    An optimizer opts in with ``device_step = True`` once its ``update_step`` accepts ``lr`` and
    ``step`` as 0-d arrays; host-side branches on the step count (moving averages, gradient
    accumulation) and schedules that return host floats cannot be captured.
    """
    name = type(optimizer).__name__
    if not getattr(optimizer, "device_step", False):
        return f"{name} computes its per-step scalars on the host (it does not declare device_step = True)"
    if optimizer.use_ema:
        return f"{name}(use_ema=True) decides on the host when to overwrite the weights"
    if optimizer.gradient_accumulation_steps:
        return f"{name}(gradient_accumulation_steps=...) decides on the host which steps update"
    schedule = optimizer._learning_rate
    if callable(schedule):
        probe = backend.asarray(np.asarray(float(optimizer._iterations), dtype=np.float64))
        try:
            value = schedule(probe)
        except Exception as error:  # noqa: BLE001 - any failure means: not computable on the device
            return f"the learning-rate schedule {schedule!r} cannot be evaluated on a device step ({error})"
        if not backend.owns(value):
            return (f"the learning-rate schedule {schedule!r} returns a host value "
                    f"({type(value).__name__}) for a device step, which a captured graph would freeze")
    return None
