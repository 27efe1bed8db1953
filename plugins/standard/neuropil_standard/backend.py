"""The NumPy backend: the default on the CPU, and the reference every other backend is compared to."""
from __future__ import annotations

from typing import Any

import numpy as np
from neuropil.base.backend import Backend
from neuropil.plugin_system.hookspecs import Register


class NumpyBackend(Backend):
    """Arrays are NumPy arrays; always available."""

    name = "numpy"
    priority = 0
    xp = np

    def asarray(self, x: Any, dtype: Any = None) -> np.ndarray:
        return np.asarray(x, dtype=dtype)

    def to_numpy(self, x: Any) -> np.ndarray:
        return np.asarray(x)


def register_all(register: Register) -> None:
    register("numpy", NumpyBackend, aliases=("cpu",))
