"""Shared plumbing for the metrics: device-side running sums, input alignment, host-side arithmetic.

Every metric here follows one rule: ``update_state`` only does array math with ``xp`` (NumPy or CuPy,
whichever owns ``y_pred``) and adds into :class:`Tallies`; nothing is converted to a Python number or
copied to the host until ``result()`` calls :meth:`Tallies.read`. Tallies are float64 so that long
epochs of float32 batches do not drift.
"""
from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["Tallies", "aligned", "broadcast_weights", "divide", "threshold_tallies", "keep_top_k", "to_host"]

FLOAT = "float64"


def to_host(x: Any) -> np.ndarray:
    """``x`` as a NumPy array (one device-to-host copy for CuPy arrays, which have ``.get()``)."""
    getter = getattr(x, "get", None)
    return np.asarray(getter() if callable(getter) else x)


class Tallies:
    """Named running sums that stay where the data lives until read.

    The first batch fixes each tally's shape; later batches add elementwise. ``read()`` is the only
    place a tally leaves the device, so a metric on the GPU costs no synchronisation per batch.
    """

    def __init__(self) -> None:
        self._sums: dict[str, Any] | None = None

    @property
    def empty(self) -> bool:
        return self._sums is None

    def add(self, **batch: Any) -> None:
        if self._sums is None:
            self._sums = dict(batch)
            return
        for key, value in batch.items():
            self._sums[key] = self._sums[key] + value

    def read(self) -> dict[str, np.ndarray] | None:
        """Every tally as a float64 NumPy array, or None before the first update."""
        if self._sums is None:
            return None
        # One transfer for all tallies, not one each: on a GPU every copy back waits for the device.
        from neuropil.base.backend import array_module

        values = list(self._sums.values())
        xp = array_module(next((v for v in values if hasattr(v, "shape")), values[0]))
        host = to_host(xp.concatenate([xp.asarray(v, dtype=FLOAT).reshape(-1) for v in values]))
        out, start = {}, 0
        for key, value in self._sums.items():
            shape = tuple(getattr(value, "shape", ()))
            size = int(np.prod(shape))
            out[key] = host[start:start + size].reshape(shape)
            start += size
        return out


def aligned(xp: Any, y_true: Any, y_pred: Any) -> tuple[Any, Any]:
    """``y_true`` and ``y_pred`` as ``xp`` arrays, ``y_true`` reshaped to ``y_pred``'s shape when only
    the layout differs ((n,) labels against (n, 1) sigmoid outputs is the common case)."""
    y_pred = xp.asarray(y_pred)
    y_true = xp.asarray(y_true)
    if y_pred.ndim == 0:
        y_pred = y_pred.reshape(1)
    if y_true.shape != y_pred.shape and y_true.size == y_pred.size:
        y_true = y_true.reshape(y_pred.shape)
    return y_true, y_pred


def broadcast_weights(xp: Any, sample_weight: Any, shape: tuple[int, ...]) -> Any:
    """Float64 weights of ``shape``: one weight per sample (leading axis) is spread over that sample's
    elements, as Keras does; ``None`` weighs everything 1."""
    if sample_weight is None:
        return xp.ones(shape, dtype=FLOAT)
    weights = xp.asarray(sample_weight, dtype=FLOAT)
    if weights.size == int(np.prod(shape)) and weights.shape != shape:
        return weights.reshape(shape)
    if weights.ndim < len(shape):
        weights = weights.reshape(weights.shape + (1,) * (len(shape) - weights.ndim))
    return xp.broadcast_to(weights, shape)


def threshold_tallies(xp: Any, positive: Any, scores: Any, weights: Any, thresholds: Any) -> tuple[Any, ...]:
    """Weighted true and false positives at every threshold (a score counts as predicted positive when
    it is strictly greater than the threshold), plus the total positive and negative weight.

    One sort and two cumulative sums serve any number of thresholds, so the 200 of AUC cost no more
    memory than the one of Precision; all of it stays on the device. The sums run from the highest
    score down (suffix sums), so the weight above a threshold is the plain sum of those weights, not a
    total minus a running sum: with weights of 0.1 the latter gives fp = 0.30000000000000004 - 0.2 =
    0.10000000000000003, and a precision of exactly 0.5 would read as 0.49999999999999994 and miss
    RecallAtPrecision(0.5)'s ``>=``.
    """
    order = xp.argsort(scores)
    sorted_scores = scores[order]
    positive = positive[order]
    weights = weights[order]
    zero = xp.zeros((1,), dtype=FLOAT)
    pos_above = xp.concatenate([xp.flip(xp.cumsum(xp.flip(xp.where(positive, weights, 0.0)))), zero])
    neg_above = xp.concatenate([xp.flip(xp.cumsum(xp.flip(xp.where(positive, 0.0, weights)))), zero])
    at_or_below = xp.searchsorted(sorted_scores, thresholds, side="right")
    return pos_above[at_or_below], neg_above[at_or_below], pos_above[0], neg_above[0]


def keep_top_k(xp: Any, y_pred: Any, k: int) -> Any:
    """``y_pred`` with every entry outside its row's top ``k`` replaced by -inf.

    Exactly ``k`` entries per row stay, as in Keras (whose ``top_k`` keeps, among scores tied at the
    k-th place, the ones with the lower index: ``Precision(top_k=2)`` on scores [1, 1, 1, 1] keeps
    columns 0 and 1). The rank of each entry comes from a stable sort of the negated scores and the
    inverse of that permutation (a second argsort), both plain ``xp`` calls, so every backend
    breaks ties the same way.
    """
    classes = y_pred.shape[-1]
    if k >= classes:
        return y_pred
    order = xp.argsort(-y_pred, axis=-1, kind="stable")
    rank = xp.argsort(order, axis=-1, kind="stable")
    return xp.where(rank < k, y_pred, -xp.inf)


def divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """``numerator / denominator`` with 0 where the denominator is 0 (Keras's ``divide_no_nan``), and no
    RuntimeWarning: the convention every degenerate case here relies on."""
    numerator, denominator = np.asarray(numerator, dtype=np.float64), np.asarray(denominator, dtype=np.float64)
    nonzero = denominator != 0
    return np.where(nonzero, numerator / np.where(nonzero, denominator, 1.0), 0.0)
