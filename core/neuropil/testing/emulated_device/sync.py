"""Counting what makes the host wait for the device.

On a GPU every device-to-host copy (``.get()``, ``to_numpy``) and every conversion of a device scalar
to a Python value (``float(x)``, ``int(x)``, ``bool(x)``, ``.item()``, printing it) blocks the host
until all queued kernels have finished. One per batch turns an asynchronous training loop into a
lock-step one. The emulated device records each such call here, with the line of user code that made
it, so a test can assert how many a loop makes and a failure says where they come from.
"""
from __future__ import annotations

import contextlib
import os
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .errors import CaptureError, HostSyncError

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


@dataclass(frozen=True)
class SyncEvent:
    """One synchronising call: what it was (``"float"``, ``"item"``, ``"to_numpy"`` ...) and the first
    line outside the emulated device that made it."""

    kind: str
    where: str

    def __str__(self) -> str:
        return f"{self.kind} at {self.where}"


def caller() -> str:
    """``file:line in function`` of the innermost frame outside this package."""
    frame = sys._getframe(1)
    while frame is not None and os.path.dirname(os.path.abspath(frame.f_code.co_filename)) == _PACKAGE_DIR:
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None:
        return "<unknown>"
    return f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"


class SyncCounter:
    """The synchronising calls made so far, in order; ``uploads`` counts host-to-device copies, which
    do not wait for the device but cost a transfer each."""

    def __init__(self) -> None:
        self.events: list[SyncEvent] = []
        self.uploads = 0
        #: Refused implicit conversions, kept even when the code that made them caught the error.
        self.refused: list[SyncEvent] = []
        #: Device buffers created (results of operations, uploads; not views), and their bytes.
        self.allocations = 0
        self.allocated_bytes = 0
        self._forbidden: list[str] = []
        self._static: list[str] = []
        #: While a captured step runs: the arena serving its buffers, and the kernels it launches
        #: (see :mod:`.graph`); None otherwise, so the eager path pays one attribute test.
        self.arena: Any = None
        self.tape: list[Any] | None = None

    @property
    def count(self) -> int:
        return len(self.events)

    def record(self, kind: str) -> None:
        event = SyncEvent(kind, caller())
        if self._forbidden:
            raise HostSyncError(f"{event}: a synchronising call inside {self._forbidden[-1]}, which must not "
                                f"wait for the device")
        self.events.append(event)

    def record_refused(self, kind: str) -> str:
        """Note a call the device refused (it raises too); returns where it was made."""
        where = caller()
        self.refused.append(SyncEvent(kind, where))
        return where

    def record_allocation(self, nbytes: int) -> None:
        if self._static:
            raise CaptureError(f"a new device buffer of {nbytes} bytes at {caller()}, inside {self._static[-1]}: a "
                               f"captured graph replays fixed addresses, so every buffer it uses must exist "
                               f"before capture (write into it with out= or [...] =)")
        self.allocations += 1
        self.allocated_bytes += nbytes

    def record_upload(self) -> None:
        if self._static:
            raise CaptureError(f"a host-to-device copy at {caller()}, inside {self._static[-1]}: a captured graph "
                               f"would replay the host memory's address, not the values the host has then")
        self.uploads += 1

    def launch(self, kernel: str, operands: Any, result: Any = None) -> None:
        """Note one kernel launch on the tape of the step being captured (when there is one)."""
        if self.tape is not None:
            from .graph import node

            self.tape.append(node(kernel, operands, result, caller()))

    def since(self, mark: int) -> list[SyncEvent]:
        """The events after ``mark`` (a value of :attr:`count` taken earlier)."""
        return self.events[mark:]

    def by_kind(self, mark: int = 0) -> Counter[str]:
        return Counter(e.kind for e in self.events[mark:])

    def reset(self) -> None:
        self.events.clear()
        self.refused.clear()
        self.uploads = 0
        self.allocations = self.allocated_bytes = 0

    @contextlib.contextmanager
    def capture(self, region: str = "the captured step") -> Iterator[None]:
        """The discipline of CUDA-graph capture for the block: no synchronising call (:class:`HostSyncError`)
        and no new device buffer (:class:`~.errors.CaptureError`); views and in-place writes are fine."""
        self._static.append(region)
        try:
            with self.forbid(region):
                yield
        finally:
            self._static.pop()

    @contextlib.contextmanager
    def forbid(self, region: str = "this region") -> Iterator[None]:
        """Make every synchronising call inside the block raise :class:`HostSyncError`."""
        self._forbidden.append(region)
        try:
            yield
        finally:
            self._forbidden.pop()


#: The process-wide counter: device arrays do not know which backend instance made them, and one
#: host thread waits on one device queue either way.
COUNTER = SyncCounter()
