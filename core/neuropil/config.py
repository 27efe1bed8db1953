"""Keras-compatible global settings: the float type and the fuzz factor ``epsilon``."""
from __future__ import annotations

import numpy as np

from .errors import ArgumentError

_FLOATX = "float32"
_EPSILON = 1e-7
_ALLOWED = ("float32", "float64")


def floatx() -> str:
    """The default float type of weights and inputs, as a string ('float32' unless changed)."""
    return _FLOATX


def set_floatx(value: str) -> None:
    """Set the default float type: 'float32' (default) or 'float64' (for gradient checking)."""
    global _FLOATX
    name = np.dtype(value).name if isinstance(value, (str, type, np.dtype)) else value
    if name not in _ALLOWED:
        raise ArgumentError(f"floatx must be one of {_ALLOWED}, got {value!r}")
    _FLOATX = name


def epsilon() -> float:
    """The small constant losses and optimizers add for numerical safety (Keras: 1e-7)."""
    return _EPSILON


def set_epsilon(value: float) -> None:
    global _EPSILON
    _EPSILON = float(value)


def set_backend(name: str | None) -> None:
    """Choose the compute backend by name ('numpy', 'cupy', ...); None returns to automatic choice."""
    from .base.backend import set_backend as _set

    _set(name)


def backend() -> str:
    """The name of the backend a model compiled now would use."""
    from .base.backend import get_backend

    return get_backend().name
