"""The compute-backend contract and the choice of backend.

A backend carries ``xp`` (an array module with NumPy's API: numpy itself, cupy, ...) plus the few
operations worth specialising. Components never import an array library for math: layers use
``self.backend.xp``; stateless components (activations, losses, metrics) use :func:`array_module` on
their input, so the same code runs wherever the data lives.
"""
from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import numpy as np

from ..errors import BackendUnavailableError, NeuropilError


class CaptureUnavailableError(NeuropilError, RuntimeError):
    """A backend could not capture a training step here (say, a library refusing calls during stream
    capture); ``fit`` then trains eagerly, with a warning quoting this message."""


class Backend:
    """Base class of compute backends; plugins register subclasses through ``neuropil_register_backends``.

    ``priority`` orders the automatic choice: the available backend with the highest priority wins
    (the NumPy backend has 0, a GPU backend more), unless ``NEUROPIL_BACKEND`` or an explicit name says
    otherwise.
    """

    name: str = "abstract"
    priority: int = 0
    xp: Any = np

    def availability(self) -> tuple[bool, str]:
        """``(True, "")`` when usable here, else ``(False, reason a person can act on)``."""
        return True, ""

    def asarray(self, x: Any, dtype: Any = None) -> Any:
        """``x`` as an array of this backend (one host-to-device copy when it lives elsewhere)."""
        return self.xp.asarray(x, dtype=dtype)

    def to_numpy(self, x: Any) -> np.ndarray:
        """``x`` as a NumPy array on the host."""
        return np.asarray(x)

    def owns(self, x: Any) -> bool:
        """Whether ``x`` is an array of this backend. The core asks it to bring a user's device array
        (or a saved model's parameters) to the host without knowing any array library: a device
        backend answers for its own array type. The default recognises NumPy arrays."""
        return isinstance(x, np.ndarray)

    def rng(self, seed: int | None) -> Any:
        """A random generator living where the arrays live, with NumPy Generator's ``random``."""
        return np.random.default_rng(seed)

    def synchronize(self) -> None:
        """Wait until queued device work is done (a no-op on synchronous backends)."""

    def capture(self, step_fn: Callable[[], Any]) -> Callable[[], Any] | None:
        """A replayable form of ``step_fn`` (a whole training step reading and writing only device
        buffers that exist before it runs), or None when this backend cannot capture; the NumPy
        backend cannot, so ``compile(jit_compile=True)`` trains eagerly there.

        The returned callable's first call captures the step and runs it; each later call replays the
        captured work (on CuPy, one CUDA-graph launch) and returns the same output buffers, which the
        caller must read before the next call. The step's Python does not run again on a real device,
        so it must keep per-step values on the device (:mod:`.device_step`) and write state in place.
        """
        return None

    def map_batch(self, work: Callable[[slice], None], batch: int, size: int = 0) -> None:
        """Run ``work(rows)`` over slices of ``range(batch)`` that together cover it once, in any
        order and possibly at the same time: how a layer spreads per-sample elementwise work (a max
        pooling's windows, an im2col copy) over the CPU's cores, where the array library runs it on
        one. ``work`` must write only the rows it is given; ``size`` (the elements it touches, 0 if
        unknown) lets a backend keep small work on one thread. The default, right for a device whose
        every operation is already parallel, is one call with every row."""
        work(slice(0, batch))

    def session(self) -> AbstractContextManager[None]:
        """A context the trainer holds around each loop of steps (``fit``, ``evaluate``, ``predict``
        and the ``*_on_batch`` calls), nested ones included: a backend may claim a process-wide
        resource for the loop's duration and must give it back when the context ends. The NumPy
        backend keeps BLAS on one thread through a loop whose layers share out their work over the
        batch threads. The default claims nothing."""
        return contextlib.nullcontext()

    def fused(self, name: str) -> Any:
        """A fused kernel for operation ``name`` (e.g. an optimizer's whole update), or None when this
        backend has none and the component's plain array code is the fastest path."""
        return None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


def array_module(x: Any) -> Any:
    """The array module (numpy, cupy, ...) that owns ``x``, without importing what is not in use.

    An array type's top-level package is its module when that package has NumPy's ``asarray``; any
    other type (Python scalars, lists, NumPy arrays) maps to NumPy.
    """
    root = type(x).__module__.partition(".")[0]
    if root == "numpy":
        return np
    module = sys.modules.get(root)
    if module is not None and hasattr(module, "asarray") and hasattr(module, "ndarray"):
        return module
    namespace = getattr(x, "__array_namespace__", None)  # the Array API's way (the emulated device's)
    return namespace() if namespace is not None else np


#: Array module (by id) -> (that module, the backend whose fused kernels serve its arrays); the module
#: is kept so that an id reused after it was collected cannot match.
_FUSED_PROVIDERS: dict[int, tuple[Any, Backend | None]] = {}


def offer_fused(backend: Backend | None, xp: Any) -> Backend | None:
    """Make ``backend.fused`` serve :func:`fused_for` on arrays of ``xp`` (None withdraws the offer);
    returns the backend that served them before, so a temporary offer can be undone.

    Optimizers and activations receive arrays, not backends: this is how they find the kernels of
    the backend those arrays live on. A backend calls it once its array module is known.
    """
    previous = _FUSED_PROVIDERS.get(id(xp), (None, None))[1]
    _FUSED_PROVIDERS[id(xp)] = (xp, backend)
    return previous


def fused_for(x: Any, name: str) -> Any:
    """The fused kernel ``name`` of the backend ``x`` lives on, or None: NumPy arrays, backends
    without that kernel, and backends that offer none all take the component's plain array code.

    A dictionary lookup when a backend offers kernels, nothing at all otherwise; cheap enough to ask
    on every call.
    """
    if not _FUSED_PROVIDERS or isinstance(x, np.ndarray):
        return None
    module = array_module(x)
    provider, backend = _FUSED_PROVIDERS.get(id(module), (None, None))
    return None if backend is None or provider is not module else backend.fused(name)


def to_host(x: Any) -> Any:
    """``x`` on the host: a NumPy array as it is, an array of an installed backend through that
    backend's ``to_numpy`` (one transfer), anything else (lists, scalars) unchanged."""
    if isinstance(x, np.ndarray) or array_module(x) is np:
        return x
    from ..plugin_system.manager import manager

    for entry in manager().registries["backends"].entries():
        backend = _instance(entry)
        if backend.owns(x):
            return backend.to_numpy(x)
    return x


_CHOSEN: str | None = None


def set_backend(name: str | None) -> None:
    """Choose the default backend by name for models compiled from now on (None: automatic)."""
    global _CHOSEN
    if name is not None:
        get_backend(name)  # fail now, with the reason, rather than at compile
    _CHOSEN = name


def get_backend(name: str | Backend | None = None) -> Backend:
    """The backend called ``name``; without a name: ``set_backend``'s, else ``NEUROPIL_BACKEND``'s,
    else the available backend with the highest priority."""
    if isinstance(name, Backend):
        return name
    from ..plugin_system.manager import manager

    registry = manager().registries["backends"]
    wanted = name or _CHOSEN or os.environ.get("NEUROPIL_BACKEND") or None
    if wanted:
        backend = _instance(registry.lookup(wanted))
        ok, why = backend.availability()
        if not ok:
            raise BackendUnavailableError(f"backend {backend.name!r} is not available: {why}")
        return backend
    candidates = [_instance(e) for e in registry.entries()]
    usable = [b for b in candidates if b.availability()[0]]
    if not usable:
        reasons = "; ".join(f"{b.name}: {b.availability()[1]}" for b in candidates) or "none installed"
        raise BackendUnavailableError(
            f"no compute backend is available ({reasons}). Install neuropil-standard for the NumPy backend.")
    return max(usable, key=lambda b: b.priority)


#: id(entry) -> (entry, its instance). The entry is kept and compared: after a plugin reload a new
#: entry can get a collected one's id, and must not inherit its instance (another backend's).
_INSTANCES: dict[int, tuple[Any, Backend]] = {}


def _instance(entry: Any) -> Backend:
    """One instance per registered backend: backends hold compiled kernels and device handles."""
    held = _INSTANCES.get(id(entry))
    if held is None or held[0] is not entry:
        held = _INSTANCES[id(entry)] = (entry, entry.factory())
    return held[1]
