"""Turning user data into arrays the model can train on, and refusing data it cannot.

Everything here runs before a model is touched, so bad input fails with a clear message and leaves
weights and optimizer state as they were.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import config
from ..errors import InputValidationError


def _as_array(data: Any, what: str) -> np.ndarray:
    if hasattr(data, "__cuda_array_interface__") or type(data).__module__.startswith("cupy"):
        data = data.get()  # a device array: bring it over once; fit moves data to its backend anyway
    try:
        array = np.asarray(data)
    except (ValueError, TypeError) as exc:
        raise InputValidationError(f"{what} could not be converted to an array: {exc}") from None
    if array.dtype == object or array.dtype.kind not in "biuf":
        raise InputValidationError(
            f"{what} must hold real numbers (bool, int or float), received dtype {array.dtype}")
    if array.ndim == 0:
        raise InputValidationError(f"{what} must have a batch axis, received a scalar")
    return array


def _check_finite(array: np.ndarray, what: str) -> None:
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        bad = np.argwhere(~np.isfinite(array))[0]
        raise InputValidationError(f"{what} contains NaN or Inf (first at index {tuple(int(i) for i in bad)}: "
                                   f"{array[tuple(bad)]}); expected finite values")


def features(x: Any, what: str = "x") -> np.ndarray:
    """``x`` as a finite floatx array of shape (n, ...); a 1-D ``x`` is n samples of one feature."""
    array = _as_array(x, what)
    if array.ndim == 1:
        array = array[:, None]
    array = np.ascontiguousarray(array, dtype=config.floatx())
    _check_finite(array, what)
    return array


def targets(y: Any, sparse: bool, what: str = "y") -> np.ndarray:
    """``y`` as floatx, or as int64 class ids for losses that take sparse labels."""
    array = _as_array(y, what)
    if sparse:
        if array.dtype.kind == "f":
            _check_finite(array, what)
            if not np.all(array == np.round(array)):
                raise InputValidationError(f"{what} must hold integer class ids for a sparse loss, "
                                           f"received non-integer values such as {array[array != np.round(array)][0]}")
        return np.ascontiguousarray(array, dtype=np.int64)
    array = np.ascontiguousarray(array, dtype=config.floatx())
    _check_finite(array, what)
    return array


def check_lengths(x: np.ndarray, y: np.ndarray | None, what: str = "") -> None:
    if y is not None and len(x) != len(y):
        raise InputValidationError(f"x and y{what} must have the same number of samples, received "
                                   f"{len(x)} and {len(y)}")
    if len(x) == 0:
        raise InputValidationError(f"x{what} is empty: expected at least one sample")


def check_batch_size(batch_size: Any) -> int:
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
        raise InputValidationError(f"batch_size must be a positive integer, received {batch_size!r}")
    return int(batch_size)


def split_validation(x: np.ndarray, y: np.ndarray, fraction: float) -> tuple[np.ndarray, ...]:
    """Keras's ``validation_split``: the last ``fraction`` of the samples, taken before shuffling."""
    if not 0.0 <= fraction < 1.0:
        raise InputValidationError(f"validation_split must be in [0, 1), received {fraction!r}")
    n_val = int(len(x) * fraction)
    if fraction > 0 and (n_val == 0 or n_val == len(x)):
        raise InputValidationError(f"validation_split={fraction} leaves {len(x) - n_val} training and "
                                   f"{n_val} validation samples of {len(x)}; both must be non-empty")
    cut = len(x) - n_val
    return x[:cut], y[:cut], x[cut:], y[cut:]
