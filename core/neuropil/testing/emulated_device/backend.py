"""The emulated device as a neuropil backend, and the context manager that registers it for a test.

It is deliberately not registered by any plugin: a backend that is slower than NumPy and refuses
half of NumPy has no place in a user's automatic choice. Tests (and ``neuropil check``, through the
conformance suite's ``backends`` property) ask for it.
"""
from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ...base.backend import Backend, offer_fused
from ...plugin_system.hookspecs import Register, hookimpl
from .device_array import DeviceArray
from .fused import FUSED
from .graph import EmulatedGraph
from .namespace import XP, EmulatedGenerator
from .sync import COUNTER, SyncCounter

NAME = "emulated"


class EmulatedDevice(Backend):
    """A backend whose arrays behave like CuPy's on the CPU; see :mod:`neuropil.testing.emulated_device`.

    ``fused=False`` makes :meth:`fused` answer None, so the plain array code of every component can be
    checked on the device too. ``fused_calls`` counts the fused kernels components actually used.
    """

    name = NAME
    priority = -100  # never the automatic choice, even while registered
    xp: Any = XP

    def __init__(self, fused: bool = True) -> None:
        self.use_fused = bool(fused)
        self.fused_calls: Counter[str] = Counter()
        #: The device whose kernels served device arrays before this one took over (see :meth:`retire`).
        self._previous = offer_fused(self, XP)

    def retire(self) -> None:
        """Hand :func:`~neuropil.base.backend.fused_for` back to the device that served before."""
        offer_fused(self._previous, XP)

    @property
    def syncs(self) -> SyncCounter:
        """The process-wide count of synchronising calls (see :mod:`.sync`)."""
        return COUNTER

    def asarray(self, x: Any, dtype: Any = None) -> DeviceArray:
        """``x`` on the device: a host-to-device copy (counted in ``syncs.uploads``) for host data."""
        return XP.asarray(x, dtype=dtype)

    def owns(self, x: Any) -> bool:
        """The Backend protocol: the core brings these arrays to the host through :meth:`to_numpy`."""
        return isinstance(x, DeviceArray)

    def to_numpy(self, x: Any) -> np.ndarray:
        """A host copy: one counted synchronisation for a device array."""
        if isinstance(x, DeviceArray):
            COUNTER.record("to_numpy")
            return np.array(x._data)
        return np.asarray(x)

    def rng(self, seed: int | None) -> EmulatedGenerator:
        return XP.random.default_rng(seed)

    def synchronize(self) -> None:
        COUNTER.record("synchronize")

    def capture(self, step_fn: Callable[[], Any]) -> EmulatedGraph:
        """The stand-in for CUDA-graph capture (see :mod:`.graph`): the first call captures ``step_fn``
        and runs it, each later call replays it under capture's rules, checked kernel by kernel."""
        return EmulatedGraph(step_fn)

    def fused(self, name: str) -> Callable[..., Any] | None:
        if not self.use_fused or name not in FUSED:
            return None
        kernel = FUSED[name]

        def launch(*args: Any, **kwargs: Any) -> Any:
            self.fused_calls[name] += 1
            result = kernel(*args, **kwargs)
            COUNTER.launch(f"fused.{name}", (args, kwargs), result)
            return result

        return launch


class _Plugin:
    """The in-process plugin :func:`emulated_backend` registers."""

    def __init__(self, backend: EmulatedDevice) -> None:
        self.backend = backend

    @hookimpl
    def neuropil_register_backends(self, register: Register) -> None:
        register(NAME, lambda: self.backend, aliases=("emulated_device",))


@contextlib.contextmanager
def emulated_backend(fused: bool = True) -> Iterator[EmulatedDevice]:
    """Register an :class:`EmulatedDevice` as backend ``"emulated"`` for the block and yield it, with
    the sync counter reset: ``compile(..., backend="emulated")`` then trains on it."""
    from ...base.backend import _INSTANCES
    from ...plugin_system.manager import manager

    device = EmulatedDevice(fused=fused)
    plugin_name = f"neuropil-emulated-device-{id(device)}"
    registry = manager().registries["backends"]
    manager().register(_Plugin(device), name=plugin_name)
    ours = [e for e in registry.entries() if e.source.plugin == plugin_name]
    COUNTER.reset()
    try:
        yield device
    finally:
        manager().unregister(plugin_name)
        for entry in ours:  # forget the instance made from the removed entry
            _INSTANCES.pop(id(entry), None)
        device.retire()
