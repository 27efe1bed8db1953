"""An emulated GPU: a backend whose arrays behave like CuPy's, on the CPU, for tests.

A component written against ``backend.xp`` can still break on a GPU: an ``np.asarray`` on a device
array, a NumPy array mixed into a device operation, a NumPy function CuPy lacks, or a ``float(loss)``
per batch that makes the host wait. None of that fails on the NumPy backend. On this one it does:

- ``np.asarray(x)`` / ``np.array(x)`` of a device array raises :class:`ImplicitTransferError`;
- a NumPy array as an operand raises :class:`MixedArrayError`;
- ``xp`` (and ``xp.random``, ``xp.linalg``, a ``default_rng`` generator, an array's methods) offers
  only the names CuPy has (:mod:`.cupy_names`), else :class:`MissingFunctionError`;
- every synchronising call (``to_numpy``, ``.get()``, ``float()``, ``int()``, ``bool()``, ``.item()``,
  printing) is counted in :data:`COUNTER`, with the line that made it; :meth:`SyncCounter.forbid`
  turns them into :class:`HostSyncError`;
- :meth:`EmulatedDevice.fused` offers stand-ins for the CuPy plugin's fused kernels;
- :meth:`EmulatedDevice.capture` stands in for CUDA-graph capture (:mod:`.graph`): static buffers
  from an arena, no sync or upload inside the step, every replayed kernel checked against the capture.

Use :func:`emulated_backend` (or the pytest fixture ``emulated_device``) to register it as backend
``"emulated"`` for a test; the conformance suite compares every component on it with NumPy.
"""
from __future__ import annotations

from .backend import NAME, EmulatedDevice, emulated_backend
from .device_array import DeviceArray
from .errors import (
    CaptureError,
    DeviceError,
    HostSyncError,
    ImplicitTransferError,
    MissingFunctionError,
    MixedArrayError,
)
from .fused import FUSED
from .graph import Arena, EmulatedGraph
from .namespace import XP
from .sync import COUNTER, SyncCounter, SyncEvent

__all__ = ["NAME", "EmulatedDevice", "emulated_backend", "DeviceArray", "XP", "FUSED", "COUNTER", "SyncCounter",
           "SyncEvent", "DeviceError", "ImplicitTransferError", "MixedArrayError", "MissingFunctionError",
           "HostSyncError", "CaptureError", "Arena", "EmulatedGraph"]
