"""ReduceLROnPlateau: multiply the learning rate by ``factor`` when a metric stops improving."""
from __future__ import annotations

from ..errors import ArgumentError
from ._monitor import Monitor
from ._optimizer import optimizer_of
from .base import Callback, Logs


class ReduceLROnPlateau(Callback):
    """After ``patience`` epochs without an improvement of more than ``min_delta`` in ``monitor``, the
    learning rate becomes ``max(lr * factor, min_lr)``; then ``cooldown`` epochs pass before waiting
    starts again. Models often benefit from a smaller step once learning stagnates."""

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10, verbose: int = 0,
                 mode: str = "auto", min_delta: float = 1e-4, cooldown: int = 0, min_lr: float = 0.0) -> None:
        super().__init__()
        if not 0.0 <= float(factor) < 1.0:
            raise ArgumentError(f"ReduceLROnPlateau does not support a factor >= 1.0 (or < 0); "
                                f"received factor={factor!r}")
        for name, value in (("patience", patience), ("cooldown", cooldown)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ArgumentError(f"ReduceLROnPlateau {name} must be a non-negative integer, received {value!r}")
        if float(min_lr) < 0:
            raise ArgumentError(f"ReduceLROnPlateau min_lr must be >= 0, received {min_lr!r}")
        self.watch = Monitor("ReduceLROnPlateau", monitor, mode, min_delta)
        self.monitor, self.factor, self.patience, self.verbose = monitor, float(factor), patience, verbose
        self.cooldown, self.min_lr = cooldown, float(min_lr)
        self._reset()

    def _reset(self) -> None:
        self.best: float | None = None
        self.wait = 0
        self.cooldown_counter = 0

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self._reset()
        self.watch.start(self.model)  # a missing monitor is reported in every fit; the model decides mode="auto"

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        optimizer = optimizer_of(self.model, "ReduceLROnPlateau")
        if logs is not None:
            logs["learning_rate"] = optimizer.learning_rate
        current = self.watch.value(logs)
        if current is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self.watch.improved(current, self.best):
            self.best, self.wait = current, 0
            return
        if self.cooldown_counter > 0:
            return
        self.wait += 1
        if self.wait < self.patience:
            return
        old = optimizer.learning_rate
        if old > self.min_lr:
            new = max(old * self.factor, self.min_lr)
            optimizer.learning_rate = new
            if self.verbose > 0:
                print(f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new}.")
            self.cooldown_counter, self.wait = self.cooldown, 0
