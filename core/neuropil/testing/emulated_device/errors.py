"""The errors the emulated device raises where a real CuPy device would fail or stall.

They derive from :class:`TypeError` (what CuPy raises for an implicit conversion or a NumPy operand)
and from :class:`~neuropil.errors.NeuropilError`, so a test can catch either.
"""
from __future__ import annotations

from ...errors import NeuropilError


class DeviceError(NeuropilError, TypeError):
    """Base class: code did something on a device array that CuPy refuses."""


class ImplicitTransferError(DeviceError):
    """A device array was turned into a NumPy array implicitly (``np.asarray(x)``, ``np.array(x)``),
    which ``cupy.ndarray.__array__`` refuses: the data must come back through ``.get()`` or
    ``backend.to_numpy``."""


class MixedArrayError(DeviceError):
    """A NumPy array and a device array met in one operation (CuPy: ``Unsupported type``)."""


class MissingFunctionError(DeviceError, AttributeError):
    """A NumPy function or ``random`` method that CuPy does not have was asked of the device's ``xp``."""


class HostSyncError(DeviceError):
    """A synchronising call (``float(x)``, ``.item()``, ``to_numpy`` ...) inside a region that must not
    wait for the device, such as a captured training step."""


class CaptureError(DeviceError):
    """An allocation inside a region recorded for graph replay, where only static buffers may be used."""
