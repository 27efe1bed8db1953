"""The CuPy backend: arrays live on the current CUDA device, ``xp`` is the cupy module.

Everything that touches CuPy happens lazily, on first use: constructing the backend (which plugin
loading does on every machine) must stay cheap and must not fail where CuPy or a GPU is missing.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from neuropil.base.backend import Backend, offer_fused
from neuropil.errors import BackendUnavailableError

from . import tf32 as _tf32
from .probe import probe


class CupyBackend(Backend):
    """Arrays on the GPU through CuPy.

    ``priority`` 10 puts it above the NumPy backend (0): once CuPy and a device are usable, models
    compile onto the GPU without being asked; ``NEUROPIL_BACKEND=numpy`` (or ``compile(backend=
    "numpy")``) keeps them on the CPU. ``tf32=True`` (or ``NEUROPIL_CUPY_TF32=1``) lets float32 matmuls
    use TF32 tensor cores; see :mod:`neuropil_cupy.tf32`.
    """

    name = "cupy"
    priority = 10

    def __init__(self, tf32: bool | None = None) -> None:
        self.tf32 = _tf32.requested(tf32)
        self._status: tuple[bool, str] | None = None
        self._cupy: Any = None
        self._fused: dict[str, Callable[..., Any]] | None = None

    # -- availability ----------------------------------------------------------------------------
    def availability(self) -> tuple[bool, str]:
        """``(True, "<device name> (CUDA device N)")``, or ``(False, why)``; probed once per instance,
        since the answer cannot change within a process and the probe runs a kernel."""
        if self._status is None:
            self._status = probe()
        return self._status

    @property
    def xp(self) -> Any:  # a lazy property where the base has a class attribute
        """The cupy module (imported, and TF32 applied if asked, on first use)."""
        if self._cupy is None:
            ok, why = self.availability()
            if not ok:
                raise BackendUnavailableError(f"backend 'cupy' is not available: {why}")
            import cupy

            if self.tf32:
                _tf32.enable(cupy)
            self._cupy = cupy
            offer_fused(self, cupy)  # optimizers and activations find the kernels through their arrays
        return self._cupy

    # -- moving data -----------------------------------------------------------------------------
    def asarray(self, x: Any, dtype: Any = None) -> Any:
        """``x`` on the device: one host-to-device copy for host data, none for a device array of the
        right dtype."""
        return self.xp.asarray(x, dtype=dtype)

    def to_numpy(self, x: Any) -> np.ndarray:
        """``x`` on the host (one device-to-host copy, which waits for the work producing ``x``)."""
        return self.xp.asnumpy(x)

    def owns(self, x: Any) -> bool:
        """A CuPy array (recognised by its type's package, so asking never imports CuPy)."""
        return type(x).__module__.partition(".")[0] == "cupy"

    def rng(self, seed: int | None) -> Any:
        """A CuPy ``Generator``: random numbers made on the device, without a host round trip per batch.

        Its stream differs from NumPy's for the same seed, so e.g. dropout masks differ between
        backends; initial weights do not (layers draw them on the host).
        """
        return self.xp.random.default_rng(seed)

    def synchronize(self) -> None:
        """Wait for all queued work on the current device (timing needs this; results do not)."""
        if self._cupy is not None:
            self._cupy.cuda.Device().synchronize()

    # -- graph capture ---------------------------------------------------------------------------
    def capture(self, step_fn: Callable[[], Any]) -> Any:
        """The training step as a CUDA graph (:class:`neuropil_cupy.graph.CupyGraph`): captured on its
        first call, launched on every call; None where the backend cannot run."""
        if not self.availability()[0]:
            return None
        from .graph import CupyGraph

        return CupyGraph(self.xp, step_fn)

    # -- fused kernels ---------------------------------------------------------------------------
    def fused(self, name: str) -> Callable[..., Any] | None:
        """The fused kernel called ``name`` (see :data:`neuropil_cupy.kernels.NAMES`), or None when
        there is none or the backend cannot run here, so a component can always write::

            op = backend.fused("adam")
            if op is not None: op(param, grad, m, v, alpha=..., ...)
            else: ...  # the plain array code
        """
        if self._fused is None:
            if not self.availability()[0]:
                return None
            from .kernels import fused_ops

            self._fused = fused_ops(self.xp)
        return self._fused.get(name)
