"""What "better" means for a monitored quantity: the comparison shared by EarlyStopping,
ModelCheckpoint and ReduceLROnPlateau, so all three agree on direction and on ``min_delta``."""
from __future__ import annotations

import difflib
import math
import os
import sys
import warnings
from typing import Any

from ..errors import ArgumentError

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class MonitorWarning(UserWarning, RuntimeWarning):
    """A callback's ``monitor`` is not among the epoch's logs, so the callback cannot act.

    A ``UserWarning`` as in Keras (and a ``RuntimeWarning``, as neuropil raised before).
    """


def _user_site() -> tuple[str, int]:
    """File and line of the first caller outside neuropil: where the user built the callback."""
    frame = sys._getframe(1)
    while frame.f_back is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR):
        frame = frame.f_back
    return frame.f_code.co_filename, frame.f_lineno


class Monitor:
    """``monitor``, ``mode`` ('auto' | 'min' | 'max') and ``min_delta`` (an absolute, non-negative margin)."""

    def __init__(self, owner: str, monitor: str, mode: str, min_delta: float = 0.0) -> None:
        if mode not in ("auto", "min", "max"):
            raise ArgumentError(f"{owner} mode must be 'auto', 'min' or 'max', received {mode!r}")
        if not isinstance(monitor, str) or not monitor:
            raise ArgumentError(f"{owner} monitor must be a metric name such as 'val_loss', received {monitor!r}")
        self.owner, self.monitor = owner, monitor
        self._site = _user_site()
        self._warned_about: frozenset[str] | None = None
        #: "min" or "max"; with mode="auto", decided from the model once the monitored value is first
        #: seen (see :meth:`start` and :meth:`_decide`).
        self.mode = mode
        self._model: Any = None
        self.min_delta = abs(float(min_delta))

    @property
    def worst(self) -> float:
        return math.inf if self.mode == "min" else -math.inf

    def improved(self, current: float, reference: float | None) -> bool:
        """Whether ``current`` beats ``reference`` by more than ``min_delta`` (anything beats None)."""
        if reference is None:
            return True
        if self.mode == "min":
            return current < reference - self.min_delta
        return current > reference + self.min_delta

    def start(self, model: Any) -> None:
        """Called when training starts: warn again at the next epoch whose logs lack the monitor, and
        take the model whose compiled metrics say which direction is better for ``mode="auto"``."""
        self._warned_about = None
        self._model = model

    def _decide(self) -> str:
        """Keras's rule for ``mode="auto"``: a loss is minimised; a metric goes the way its declared
        ``direction`` says (the Metric protocol); anything else cannot be decided and is an error."""
        base = self.monitor.removeprefix("val_")
        if base.endswith("loss"):
            return "min"
        compiled = getattr(self._model, "compiled", None)
        for metric in getattr(compiled, "metrics", None) or ():
            if metric.name == base and getattr(metric, "direction", None) in ("up", "down"):
                return "max" if metric.direction == "up" else "min"
        raise ArgumentError(f"{self.owner} received monitor={self.monitor!r} but cannot tell whether it should be "
                            f"maximized or minimized (no compiled metric {base!r} declares a direction): pass "
                            f"mode='max' or mode='min'")

    def value(self, logs: dict[str, Any] | None) -> float | None:
        """The monitored value from epoch logs, or None, with a :class:`MonitorWarning` naming the
        monitor and the keys that are there.

        The warning points at the line where the callback was made and is issued through a fresh
        registry, so Python's once-per-location filter cannot swallow it in a second ``fit``; it
        repeats only when the available keys change (not at every epoch of a long run).
        """
        logs = logs or {}
        if self.monitor in logs:
            if self.mode == "auto":
                self.mode = self._decide()
            return float(logs[self.monitor])
        keys = frozenset(logs)
        if keys != self._warned_about:
            self._warned_about = keys
            close = difflib.get_close_matches(self.monitor, list(logs), n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            message = (f"{self.owner} is conditioned on {self.monitor!r}, which is not available; available "
                       f"metrics are: {', '.join(logs) or 'none'}{hint}. It does nothing until "
                       f"{self.monitor!r} is logged.")
            warnings.warn_explicit(message, MonitorWarning, self._site[0], self._site[1], registry={})
        return None
