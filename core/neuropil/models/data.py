"""Turning user data into arrays the model can train on, and refusing data it cannot.

Everything here runs before a model is touched, so bad input fails with a clear message and leaves
weights and optimizer state as they were.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import config
from ..base.backend import to_host
from ..errors import InputValidationError


def _as_array(data: Any, what: str) -> np.ndarray:
    data = to_host(data)  # a device array comes over once; fit moves data to its backend anyway
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


def split_validation(x: np.ndarray, y: np.ndarray, weights: np.ndarray | None,
                     fraction: float) -> tuple[Any, ...]:
    """Keras's ``validation_split``: the last ``fraction`` of the samples (and of their weights),
    taken before shuffling. Returns ``(x, y, weights, x_val, y_val, weights_val)``."""
    if not 0.0 <= fraction < 1.0:
        raise InputValidationError(f"validation_split must be in [0, 1), received {fraction!r}")
    n_val = int(len(x) * fraction)
    if fraction > 0 and (n_val == 0 or n_val == len(x)):
        raise InputValidationError(f"validation_split={fraction} leaves {len(x) - n_val} training and "
                                   f"{n_val} validation samples of {len(x)}; both must be non-empty")
    cut = len(x) - n_val
    train_weights, val_weights = (None, None) if weights is None else (weights[:cut], weights[cut:])
    return x[:cut], y[:cut], train_weights, x[cut:], y[cut:], val_weights


def sample_weights(sample_weight: Any, n: int, what: str = "sample_weight") -> np.ndarray:
    """One finite, non-negative floatx weight per sample, from shape (n,) or (n, 1).

    Negative weights are refused although Keras lets them through: they turn descent into ascent on
    those samples, which is almost always a sign of a mix-up, not an intent.
    """
    array = _as_array(sample_weight, what)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1 or len(array) != n:
        raise InputValidationError(f"{what} must hold one weight per sample, shape ({n},), received shape "
                                   f"{array.shape}")
    array = np.ascontiguousarray(array, dtype=config.floatx())
    _check_finite(array, what)
    if (array < 0).any():
        index = int(np.argmax(array < 0))
        raise InputValidationError(f"{what} must be non-negative, received {array[index]} at index {index}")
    return array


def class_ids(y: np.ndarray) -> np.ndarray:
    """The class each target names, as Keras reads it for ``class_weight``: the argmax of one-hot
    (or probability) rows, otherwise the rounded label itself (binary 0/1 or sparse ids)."""
    if y.ndim >= 2 and y.shape[-1] > 1:
        return np.argmax(y.reshape(len(y), -1), axis=1)
    return np.rint(y.reshape(len(y))).astype(np.int64)


def class_weights(class_weight: Any, y: np.ndarray) -> np.ndarray:
    """Per-sample weights from a ``{class id: weight}`` dict; classes it leaves out weigh 1.0."""
    if not isinstance(class_weight, dict):
        raise InputValidationError("class_weight must be a dict {class id: weight}, received "
                                   f"{type(class_weight).__name__}")
    table: dict[int, float] = {}
    for key, value in class_weight.items():
        if isinstance(key, bool) or not isinstance(key, (int, np.integer)):
            raise InputValidationError(f"class_weight keys must be integer class ids, received {key!r}")
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
                or not np.isfinite(value) or value < 0:
            raise InputValidationError(f"class_weight[{key}] must be a finite non-negative number, "
                                       f"received {value!r}")
        table[int(key)] = float(value)
    ids = class_ids(y)
    weights = np.ones(len(ids), dtype=config.floatx())
    for key, value in table.items():
        weights[ids == key] = value
    return weights


def combined_weights(y: np.ndarray, sample_weight: Any, class_weight: Any,
                     what: str = "") -> np.ndarray | None:
    """The per-sample weights ``fit`` trains with, or None (unweighted, the fast path).

    ``sample_weight`` and ``class_weight`` together are refused, as in Keras 3: which of the two
    should win, or whether they multiply, is ambiguous; a user who wants the product passes it.
    """
    if sample_weight is not None and class_weight is not None:
        raise InputValidationError("pass either sample_weight or class_weight, not both; to combine them, "
                                   "multiply the class weights into sample_weight")
    if sample_weight is not None:
        return sample_weights(sample_weight, len(y), "sample_weight" + what)
    if class_weight is not None:
        return class_weights(class_weight, y)
    return None
