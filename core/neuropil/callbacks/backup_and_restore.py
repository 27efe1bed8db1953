"""BackupAndRestore: resume an interrupted ``fit`` from its last finished epoch, bit for bit.

At each epoch end the callback saves, atomically, everything the next epoch depends on: the weights,
the optimizer's state, the epoch index, and every random stream (the global generator ``fit``
shuffles with, and the layers' own generators such as Dropout's). When ``fit`` starts and a backup
exists, all of it is restored and training continues at the following epoch, so an interrupted and
resumed run ends with exactly the weights of an uninterrupted one (on the CPU, same seed).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from ..errors import ArgumentError
from .base import Callback, Logs

BACKUP_FILE = "backup.safetensors"
FORMAT = "neuropil.backup"


class BackupAndRestore(Callback):
    """Keeps ``backup_dir/backup.safetensors`` current during ``fit``; deletes it when training ends
    normally (``delete_checkpoint=True``). A crash or an exception leaves it for the next ``fit``."""

    def __init__(self, backup_dir: str | os.PathLike[str], save_freq: str = "epoch",
                 delete_checkpoint: bool = True) -> None:
        super().__init__()
        if save_freq != "epoch":
            raise ArgumentError(f"BackupAndRestore supports save_freq='epoch' only, received {save_freq!r}")
        if not backup_dir:
            raise ArgumentError("BackupAndRestore needs a backup_dir")
        self.backup_dir = Path(backup_dir)
        self.delete_checkpoint = bool(delete_checkpoint)

    @property
    def path(self) -> Path:
        return self.backup_dir / BACKUP_FILE

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.backup_dir.mkdir(parents=True, exist_ok=True)
        if self.path.exists():
            self.model.resume_from_epoch = self._restore() + 1

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        from ..saving import rng, state
        from ..saving.atomic import atomic_write
        from ..saving.safetensors_io import write

        model = self.model
        tensors = {f"weights/{k}": v for k, v in state.weights(model).items()}
        tensors.update({f"optimizer/{k}": v for k, v in state.optimizer_state(model.compiled.optimizer).items()})
        info = {"epoch": epoch, "layers": [layer.name for layer in model._layers],
                "rng": rng.capture(model._layers), "learning_rate": model.compiled.optimizer.learning_rate}
        with atomic_write(self.path) as stream:
            write(stream, tensors, {"format": FORMAT, "format_version": "1", "state": json.dumps(info)})

    def on_train_end(self, logs: Logs | None = None) -> None:
        if self.delete_checkpoint and self.path.exists():
            self.path.unlink()

    def _restore(self) -> int:
        """Load the backup into the model; returns the epoch it was taken at. Checked before applied:
        any failure is a :class:`~neuropil.saving.SavedFileError` and leaves the model as it was."""
        from ..saving.guard import loading_errors

        with loading_errors(self.path, "the backup"):
            return self._restore_checked()

    def _restore_checked(self) -> int:
        from ..saving import rng, state
        from ..saving.errors import SavedFileError, brief
        from ..saving.model_file import check_tensor_names
        from ..saving.safetensors_io import SafetensorsFile, parse_json

        model = self.model
        with SafetensorsFile(self.path) as file:
            source = f"backup '{self.path}'"
            if file.metadata.get("format") != FORMAT or "state" not in file.metadata:
                raise SavedFileError(f"{source} is not a neuropil backup (format {brief(file.metadata.get('format'))})")
            info = parse_json(file.metadata["state"], f"the state in {source}")
            if not isinstance(info, dict) or not isinstance(info.get("layers"), list) \
                    or not all(isinstance(n, str) for n in info["layers"]):
                raise SavedFileError(f"{source} has a malformed state: expected an object with epoch and a list "
                                     f"of layer names")
            epoch = info.get("epoch")
            if type(epoch) is not int or not 0 <= epoch < 2**53:
                # a negative epoch would make fit(epochs=3) run more epochs than asked
                raise SavedFileError(f"{source} records epoch {brief(epoch)}; expected a non-negative integer")
            learning_rate = info.get("learning_rate")
            if learning_rate is not None and (type(learning_rate) not in (int, float)
                                              or not 0 <= learning_rate < float("inf")):
                raise SavedFileError(f"{source} records learning_rate {brief(learning_rate)}; expected a finite "
                                     f"number >= 0")
            if info.get("rng") is not None and not isinstance(info["rng"], dict):
                raise SavedFileError(f"{source} records random streams as {brief(info['rng'])}; expected an object")
            check_tensor_names(file.specs, source, ("weights/", "optimizer/"))
            tensors = file.read_all()
        rename = state.positional_rename(info["layers"], model)  # a rebuilt model may number its layers anew
        weights = {k[len("weights/"):]: v for k, v in tensors.items() if k.startswith("weights/")}
        slots = {k[len("optimizer/"):]: v for k, v in tensors.items() if k.startswith("optimizer/")}
        saved_rng = dict(info.get("rng") or {})
        if not isinstance(saved_rng.get("layers") or {}, dict):
            raise SavedFileError(f"{source} records layer random streams as {brief(saved_rng['layers'])}; "
                                 f"expected an object")
        saved_rng["layers"] = {rename.get(k, k): v for k, v in (saved_rng.get("layers") or {}).items()}
        optimizer = model.compiled.optimizer
        before = {k: v.copy() for k, v in state.weights(model).items()}  # to_numpy may not copy
        before_optimizer = (optimizer.iterations, optimizer.slots)  # set_state replaces, never mutates
        state.set_weights(model, weights, source, rename)
        try:
            state.set_optimizer_state(model, optimizer, slots, source, rename)
            rng.restore(saved_rng, model._layers)
        except BaseException:
            state.set_weights(model, before, source)  # all or nothing
            optimizer.iterations, optimizer.slots = before_optimizer
            raise
        if learning_rate is not None and not callable(optimizer._learning_rate):
            optimizer.learning_rate = learning_rate
        return epoch
