"""History: the record ``fit`` returns, one list per logged quantity."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import ArgumentError
from .base import Callback, Logs


class History(Callback):
    """``history[name]`` is the list of epoch values of loss, metrics and their ``val_`` versions."""

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[Any]] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.epoch = []
        self.history = {}

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        self.epoch.append(epoch)
        for name, value in (logs or {}).items():
            self.history.setdefault(name, []).append(value)
        if self.model is not None:
            self.model.history = self

    def plot(self, path: str | os.PathLike[str], keys: list[str] | None = None) -> Path:
        """Write the curves to a PNG at ``path``: one panel per quantity, its ``val_`` twin on the same
        axes, so over-fitting shows as the two lines parting. Needs matplotlib (``pip install
        'neuropil[plot]'``); returns the path written."""
        try:
            from matplotlib.backends.backend_agg import FigureCanvasAgg
            from matplotlib.figure import Figure
        except ImportError:
            raise ImportError("History.plot needs matplotlib, which is not installed: "
                              "pip install 'neuropil[plot]' (or pip install matplotlib)") from None
        names = keys if keys is not None else [k for k in self.history if not k.startswith("val_")]
        unknown = [k for k in names if k not in self.history]
        if unknown:
            raise ArgumentError(f"History has no {', '.join(map(repr, unknown))}; recorded: {', '.join(self.history)}")
        plotted = [k for k in names if _plottable(self.history[k])]
        if not plotted:
            raise ArgumentError("History holds nothing to plot: call fit() first "
                             f"(recorded: {', '.join(self.history) or 'nothing'})")
        figure = Figure(figsize=(5 * len(plotted), 3.5))
        FigureCanvasAgg(figure)
        epochs = [e + 1 for e in self.epoch]
        for i, name in enumerate(plotted, start=1):
            axes = figure.add_subplot(1, len(plotted), i)
            for key in (name, f"val_{name}"):
                if key in self.history and _plottable(self.history[key]):
                    axes.plot(epochs[-len(self.history[key]):], [float(v) for v in self.history[key]], label=key)
            axes.set_xlabel("epoch")
            axes.set_title(name)
            axes.legend()
        figure.tight_layout()
        target = Path(path)
        figure.savefig(target, format="png")
        return target

    def __repr__(self) -> str:
        return f"<History epochs={len(self.epoch)} keys={list(self.history)}>"


def _plottable(values: list[Any]) -> bool:
    """Scalar series only (a confusion matrix per epoch is recorded but not drawn)."""
    return bool(values) and all(getattr(v, "shape", ()) == () for v in values)
