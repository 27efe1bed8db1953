"""Keras-format progress lines.

``313/313 [==============================] - 1s 3ms/step - loss: 0.6934 - accuracy: 0.4964``

On a terminal the line is redrawn in place (at most every ``interval`` seconds, since every redraw
needs the running values on the host); otherwise only the finished line is written, once per epoch.
``verbose=2`` writes one bar-less line per epoch, ``verbose=0`` nothing.
"""
from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

BAR_WIDTH = 30


def format_value(value: float) -> str:
    """Keras's number format: 4 decimals, or scientific notation for tiny magnitudes."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{value:.4f}" if abs(value) > 1e-3 or value == 0 else f"{value:.4e}"


def format_duration(seconds: float) -> str:
    """A per-step time with Keras's units: s, ms or us."""
    if seconds >= 1:
        return f"{seconds:.0f}s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms"
    return f"{seconds * 1e6:.0f}us"


def format_logs(values: dict[str, object]) -> str:
    parts = []
    for name, value in values.items():
        if hasattr(value, "shape") and getattr(value, "shape", ()) != ():
            continue  # array-valued metrics (a confusion matrix) are in History, not on the line
        parts.append(f" - {name}: {format_value(value)}")  # type: ignore[arg-type]
    return "".join(parts)


class Progbar:
    """One epoch's (or one evaluation's) progress line."""

    def __init__(self, total_steps: int, verbose: int = 1, stream: TextIO | None = None,
                 interval: float = 0.05) -> None:
        self.total = total_steps
        self.verbose = verbose
        self.stream = stream or sys.stdout
        self.interactive = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval = interval
        self.start = time.perf_counter()
        self.last_draw = 0.0
        self.drawn_width = 0

    def due(self) -> bool:
        """Whether an in-place redraw is due now (only on a terminal, in verbose 1)."""
        return self.verbose == 1 and self.interactive and time.perf_counter() - self.last_draw >= self.interval

    def update(self, step: int, values: Callable[[], dict[str, object]]) -> None:
        """Redraw at ``step`` (1-based) if due; ``values`` is called only when a redraw happens."""
        if not self.due() or step >= self.total:
            return
        self.last_draw = time.perf_counter()
        elapsed = self.last_draw - self.start
        eta = elapsed / step * (self.total - step)
        eta_text = f"{eta:.0f}s" if eta < 60 else f"{int(eta // 60)}:{int(eta % 60):02d}"
        line = f"{self._counter(step)} {self._bar(step)} - ETA: {eta_text}{format_logs(values())}"
        self._write("\r" + line.ljust(self.drawn_width))
        self.drawn_width = len(line)

    def finish(self, values: dict[str, object]) -> None:
        """Write the finished line (verbose 1 and 2)."""
        if self.verbose == 0:
            return
        elapsed = time.perf_counter() - self.start
        per_step = format_duration(elapsed / max(self.total, 1))
        if self.verbose == 1:
            line = (f"{self._counter(self.total)} {self._bar(self.total)} - {elapsed:.0f}s {per_step}/step"
                    f"{format_logs(values)}")
            prefix = "\r" if self.interactive else ""
            self._write(prefix + line.ljust(self.drawn_width) + "\n")
        else:
            self._write(f"{self._counter(self.total)} - {elapsed:.0f}s{format_logs(values)}"
                        f" - {elapsed:.0f}s/epoch - {per_step}/step\n")

    def _counter(self, step: int) -> str:
        digits = len(str(self.total))
        return f"{step:>{digits}}/{self.total}"

    def _bar(self, step: int) -> str:
        filled = int(BAR_WIDTH * step / max(self.total, 1))
        if step < self.total:
            body = "=" * max(filled - 1, 0) + ">"
        else:
            body = "=" * BAR_WIDTH
        return "[" + body + "." * (BAR_WIDTH - len(body)) + "]"

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()
