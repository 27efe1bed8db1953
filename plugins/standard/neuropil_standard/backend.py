"""The NumPy backend: the default on the CPU, and the reference every other backend is compared to."""
from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import numpy as np
from neuropil.base.backend import Backend
from neuropil.plugin_system.hookspecs import Register

from . import _blas
from ._heap import keep_freed_memory
from ._threads import map_batch


class NumpyBackend(Backend):
    """Arrays are NumPy arrays; always available."""

    name = "numpy"
    priority = 0
    xp = np

    def __init__(self) -> None:
        super().__init__()
        keep_freed_memory()  # training steps reuse their large blocks instead of faulting them in again

    def map_batch(self, work: Callable[[slice], None], batch: int, size: int = 0) -> None:
        """Slices of the batch on the CPU's cores at once (NumPy's loops use one each); see _threads."""
        map_batch(work, batch, size)

    def session(self) -> AbstractContextManager[None]:
        """Once a step's layers share out work over the batch threads, BLAS stays on one thread until
        the loop ends, so no product in between wakes BLAS's spinning workers; see _blas."""
        return _blas.session()

    def asarray(self, x: Any, dtype: Any = None) -> np.ndarray:
        return np.asarray(x, dtype=dtype)

    def to_numpy(self, x: Any) -> np.ndarray:
        return np.asarray(x)


def register_all(register: Register) -> None:
    register("numpy", NumpyBackend, aliases=("cpu",))
