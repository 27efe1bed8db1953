"""The learning-rate schedule contract: the rate as a function of the step, saved as data.

A schedule lets a rate change with every update (warm-up, decay) without a callback, and, unlike a
plain function, can be written into a saved model and rebuilt through the registry: its config is
its whole state.
"""
from __future__ import annotations

from typing import Any


class LearningRateSchedule:
    """Base class of learning-rate schedules (Keras's ``LearningRateSchedule``).

    ``schedule(step) -> float``: the rate for the update that follows ``step`` completed updates (0
    for the first update), as Keras evaluates it. Calling must not change the schedule: the same step
    always gives the same rate. ``get_config()`` returns the constructor's keyword arguments.
    """

    def __call__(self, step: int) -> float:
        raise NotImplementedError(f"{type(self).__name__} does not implement __call__(step)")

    def get_config(self) -> dict[str, Any]:
        raise NotImplementedError(f"{type(self).__name__} does not implement get_config()")

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> LearningRateSchedule:
        return cls(**config)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_config().items())})"
