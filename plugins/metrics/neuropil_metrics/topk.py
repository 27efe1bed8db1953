"""Top-k categorical accuracy: is the true class among the k highest-scoring ones?

Per-sample hits are averaged by the core's :class:`~neuropil.base.metric.MeanMetricWrapper` (weighted mean
over samples, state on the device). A true class tied with the k-th highest score counts as a hit
(TensorFlow's ``in_top_k`` convention), so the answer never depends on how a backend breaks ties.
"""
from __future__ import annotations

from typing import Any

from neuropil.base.backend import array_module
from neuropil.base.metric import MeanMetricWrapper, Metric

from ._tally import FLOAT


def _hits(xp: Any, labels: Any, y_pred: Any, k: int) -> Any:
    """1.0 where ``labels`` (integer class per row) is within the row's top ``k`` scores, else 0.0."""
    if y_pred.ndim != 2:
        raise ValueError(f"top-k accuracy expects scores of shape (n, classes), got {y_pred.shape}")
    classes = y_pred.shape[1]
    if k >= classes:
        return xp.ones((y_pred.shape[0],), dtype=FLOAT)
    kth = xp.partition(y_pred, classes - k, axis=1)[:, classes - k]
    own = xp.take_along_axis(y_pred, labels.reshape(-1, 1).astype("int64"), axis=1)[:, 0]
    return (own >= kth).astype(FLOAT)


def top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> Any:
    """Per-sample top-k hits for one-hot (or probability) targets of shape (n, classes)."""
    xp = array_module(y_pred)
    y_pred = xp.asarray(y_pred)
    return _hits(xp, xp.argmax(xp.asarray(y_true), axis=-1), y_pred, k)


def sparse_top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> Any:
    """Per-sample top-k hits for integer targets of shape (n,) or (n, 1)."""
    xp = array_module(y_pred)
    return _hits(xp, xp.asarray(y_true).reshape(-1), xp.asarray(y_pred), k)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often one-hot targets are in the top ``k`` predictions."""

    name = "top_k_categorical_accuracy"
    __call__ = Metric.__call__  # one-shot value through this class, not a bare wrapper

    def __init__(self, k: int = 5, name: str | None = None, dtype: str | None = None) -> None:
        if k < 1:
            raise ValueError(f"k must be a positive integer, got {k}")
        super().__init__(top_k_categorical_accuracy, name=name or type(self).name, dtype=dtype, k=k)


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often integer targets are in the top ``k`` predictions."""

    name = "sparse_top_k_categorical_accuracy"
    __call__ = Metric.__call__

    def __init__(self, k: int = 5, name: str | None = None, dtype: str | None = None) -> None:
        if k < 1:
            raise ValueError(f"k must be a positive integer, got {k}")
        super().__init__(sparse_top_k_categorical_accuracy, name=name or type(self).name, dtype=dtype, k=k)
