"""EarlyStopping: stop training when a monitored quantity stops improving (Keras semantics)."""
from __future__ import annotations

from typing import Any

from ._monitor import Monitor
from .base import Callback, Logs


class EarlyStopping(Callback):
    """Stops ``fit`` once ``monitor`` has not improved by more than ``min_delta`` for ``patience``
    epochs. ``baseline``: training also stops if the value never beats it within ``patience`` epochs.
    ``restore_best_weights``: at the end of training the weights of the best epoch are put back (as in
    Keras 3, whether or not training stopped early). Epochs before ``start_from_epoch`` are ignored
    (a warm-up in which no improvement is expected).
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0.0, patience: int = 0, verbose: int = 0,
                 mode: str = "auto", baseline: float | None = None, restore_best_weights: bool = False,
                 start_from_epoch: int = 0) -> None:
        super().__init__()
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 0:
            raise ValueError(f"EarlyStopping patience must be a non-negative integer, received {patience!r}")
        if isinstance(start_from_epoch, bool) or not isinstance(start_from_epoch, int) or start_from_epoch < 0:
            raise ValueError("EarlyStopping start_from_epoch must be a non-negative integer, "
                             f"received {start_from_epoch!r}")
        self.watch = Monitor("EarlyStopping", monitor, mode, min_delta)
        self.monitor, self.patience, self.verbose = monitor, patience, verbose
        self.baseline = None if baseline is None else float(baseline)
        self.restore_best_weights = bool(restore_best_weights)
        self.start_from_epoch = start_from_epoch
        self._reset()

    def _reset(self) -> None:
        self.wait = 0
        self.stopped_epoch = 0
        self.best: float | None = None
        self.best_weights: list[Any] | None = None
        self.best_epoch = 0

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self._reset()
        self.watch.start(self.model)  # a missing monitor is reported in every fit; the model decides mode="auto"

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        current = self.watch.value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights, self.best_epoch = self.model.get_weights(), epoch  # something to restore
        self.wait += 1
        if self.watch.improved(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self.watch.improved(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs: Logs | None = None) -> None:
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)
