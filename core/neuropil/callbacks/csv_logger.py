"""CSVLogger: one CSV row per epoch (epoch, then every logged quantity), flushed as it goes."""
from __future__ import annotations

import csv
import os
from typing import IO, Any

import numpy as np

from ..errors import ArgumentError
from .base import Callback, Logs


class CSVLogger(Callback):
    """Streams epoch results to ``filename``. Columns are ``epoch`` then the log keys sorted; ``append``
    continues an existing file (without repeating its header), so a resumed run keeps one log."""

    def __init__(self, filename: str | os.PathLike[str], separator: str = ",", append: bool = False) -> None:
        super().__init__()
        if not isinstance(separator, str) or len(separator) != 1:
            raise ArgumentError(f"CSVLogger separator must be one character, received {separator!r}")
        self.filename, self.sep, self.append = os.fspath(filename), separator, bool(append)
        self.keys: list[str] | None = None
        self._file: IO[str] | None = None
        self._writer: Any = None
        self._write_header = True

    def on_train_begin(self, logs: Logs | None = None) -> None:
        existing = self.append and os.path.exists(self.filename) and os.path.getsize(self.filename) > 0
        self._write_header = not existing
        self._file = open(self.filename, "a" if self.append else "w", newline="", encoding="utf-8")
        self.keys, self._writer = None, None

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        logs = logs or {}
        if self._file is None:  # used outside fit: open on first use
            self.on_train_begin()
        assert self._file is not None  # opened just above (for the type checker)
        if self.keys is None:
            keys = set(logs)
            if self.params.get("do_validation") and not any(k.startswith("val_") for k in keys):
                # validation_freq > 1: the first epoch has no val_* logs, later ones do; the header
                # is written once, so their columns are added now (and read NA until validated)
                keys |= {f"val_{k}" for k in keys}
            self.keys = sorted(keys)
            self._writer = csv.DictWriter(self._file, fieldnames=["epoch", *self.keys], delimiter=self.sep)
            if self._write_header:
                self._writer.writeheader()
        row = {"epoch": epoch, **{k: _cell(logs[k]) if k in logs else "NA" for k in self.keys}}
        self._writer.writerow(row)
        self._file.flush()

    def on_train_end(self, logs: Logs | None = None) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _cell(value: Any) -> Any:
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return np.array2string(value, separator=" ").replace("\n", "")
    return value
