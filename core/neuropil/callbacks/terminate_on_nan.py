"""TerminateOnNaN: stop as soon as a batch's loss is NaN or infinite (nothing useful follows one)."""
from __future__ import annotations

import math

from .base import Callback, Logs


class TerminateOnNaN(Callback):
    """Sets ``model.stop_training`` when the running loss becomes NaN or Inf; the epoch ends there."""

    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True
