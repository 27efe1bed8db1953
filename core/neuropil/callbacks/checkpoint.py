"""ModelCheckpoint: save the model (or its weights) at each epoch end, or only on improvement."""
from __future__ import annotations

import os

from ..errors import ArgumentError, MissingKeyError
from ._monitor import Monitor
from .base import Callback, Logs


class ModelCheckpoint(Callback):
    """Saves to ``filepath`` after every epoch, formatted with ``epoch`` (1-based, as Keras) and the
    epoch's logs: ``"ckpt-{epoch:02d}-{val_loss:.2f}.safetensors"``.

    With ``save_best_only`` a file is written only when ``monitor`` improved on the best value so far
    (or on ``initial_value_threshold``). ``save_weights_only`` writes ``model.save_weights`` files,
    otherwise whole models (``model.save``). Every write is atomic, so an interrupted save keeps the
    previous checkpoint.
    """

    def __init__(self, filepath: str | os.PathLike[str], monitor: str = "val_loss", verbose: int = 0,
                 save_best_only: bool = False, save_weights_only: bool = False, mode: str = "auto",
                 save_freq: str = "epoch", initial_value_threshold: float | None = None) -> None:
        super().__init__()
        if save_freq != "epoch":
            raise ArgumentError(f"ModelCheckpoint supports save_freq='epoch' only, received {save_freq!r}")
        self.filepath = os.fspath(filepath)
        self.watch = Monitor("ModelCheckpoint", monitor, mode)
        self.monitor, self.verbose = monitor, verbose
        self.save_best_only, self.save_weights_only = bool(save_best_only), bool(save_weights_only)
        self.best: float | None = None if initial_value_threshold is None else float(initial_value_threshold)

    def filepath_for(self, epoch: int, logs: Logs | None) -> str:
        """``filepath`` with ``{epoch}`` and log values filled in; a missing key is a clear error."""
        try:
            return self.filepath.format(epoch=epoch + 1, **(logs or {}))
        except KeyError as exc:
            raise MissingKeyError(f"ModelCheckpoint filepath {self.filepath!r} names {exc}, which is not in the "
                           f"epoch logs (available: epoch, {', '.join(logs or {})})") from None

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.watch.start(self.model)  # a missing monitor is reported in every fit; the model decides mode="auto"

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        path = self.filepath_for(epoch, logs)
        if self.save_best_only:
            current = self.watch.value(logs)
            if current is None:
                return
            if not self.watch.improved(current, self.best):
                if self.verbose > 0:
                    print(f"Epoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")
                return
            if self.verbose > 0:
                previous = "inf" if self.best is None else f"{self.best:.5f}"
                print(f"Epoch {epoch + 1}: {self.monitor} improved from {previous} to {current:.5f}, saving to {path}")
            self.best = current
        elif self.verbose > 0:
            print(f"Epoch {epoch + 1}: saving model to {path}")
        self._save(path)

    def _save(self, path: str) -> None:
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)


__all__ = ["ModelCheckpoint"]
