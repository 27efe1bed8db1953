"""What "better" means for a monitored quantity: the comparison shared by EarlyStopping,
ModelCheckpoint and ReduceLROnPlateau, so all three agree on direction and on ``min_delta``."""
from __future__ import annotations

import math
import warnings
from typing import Any

#: Monitored names where bigger is better when ``mode='auto'`` (after a ``val_`` prefix is removed).
_BIGGER_IS_BETTER = ("acc", "accuracy", "auc", "precision", "recall", "f1", "fbeta", "iou", "r2")


class Monitor:
    """``monitor``, ``mode`` ('auto' | 'min' | 'max') and ``min_delta`` (an absolute, non-negative margin)."""

    def __init__(self, owner: str, monitor: str, mode: str, min_delta: float = 0.0) -> None:
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"{owner} mode must be 'auto', 'min' or 'max', received {mode!r}")
        if not isinstance(monitor, str) or not monitor:
            raise ValueError(f"{owner} monitor must be a metric name such as 'val_loss', received {monitor!r}")
        self.owner, self.monitor = owner, monitor
        if mode == "auto":
            base = monitor.removeprefix("val_").lower()
            mode = "max" if any(base == name or base.endswith("_" + name) or base.startswith(name)
                                for name in _BIGGER_IS_BETTER) else "min"
        self.mode = mode
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

    def value(self, logs: dict[str, Any] | None) -> float | None:
        """The monitored value from epoch logs, or None (with a warning naming what is there)."""
        logs = logs or {}
        if self.monitor not in logs:
            warnings.warn(f"{self.owner} is conditioned on {self.monitor!r}, which is not available; "
                          f"available metrics are: {', '.join(logs) or 'none'}", RuntimeWarning, stacklevel=3)
            return None
        return float(logs[self.monitor])
