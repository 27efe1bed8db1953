"""LearningRateScheduler: set the learning rate at the start of each epoch from ``schedule``."""
from __future__ import annotations

import math
from collections.abc import Callable

from ..errors import ArgumentError, ArgumentTypeError
from ._optimizer import optimizer_of
from .base import Callback, Logs


class LearningRateScheduler(Callback):
    """``schedule(epoch, lr) -> new lr`` (0-based epoch, current lr) is called before each epoch; a
    one-argument ``schedule(epoch)`` works too. The rate used is logged as ``learning_rate``."""

    def __init__(self, schedule: Callable[..., float], verbose: int = 0) -> None:
        super().__init__()
        if not callable(schedule):
            raise ArgumentTypeError(f"LearningRateScheduler needs a callable schedule(epoch, lr), "
                                    f"received {schedule!r}")
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        optimizer = optimizer_of(self.model, "LearningRateScheduler")
        try:
            value = self.schedule(epoch, optimizer.learning_rate)
        except TypeError:  # a one-argument schedule, as older Keras allowed
            value = self.schedule(epoch)
        try:
            lr = float(value)
        except (TypeError, ValueError):
            raise ArgumentError(f"the schedule returned {value!r} for epoch {epoch}; expected a number") from None
        if not math.isfinite(lr) or lr < 0:
            raise ArgumentError(f"the schedule returned learning rate {lr} for epoch {epoch}; expected a finite "
                             f"number >= 0")
        optimizer.learning_rate = lr
        if self.verbose > 0:
            print(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.")

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        if logs is not None:
            logs["learning_rate"] = optimizer_of(self.model, "LearningRateScheduler").learning_rate
