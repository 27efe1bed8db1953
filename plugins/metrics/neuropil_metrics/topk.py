"""Top-k categorical accuracy: is the true class among the k highest-scoring ones?

Per-sample hits are averaged by the core's :class:`~neuropil.base.metric.MeanMetricWrapper` (weighted mean
over samples, state on the device). A true class tied with the k-th highest score counts as a hit
(TensorFlow's ``in_top_k`` convention), so the answer never depends on how a backend breaks ties.
"""
from __future__ import annotations

from typing import Any

from neuropil import checks
from neuropil.base.backend import array_module
from neuropil.base.metric import MeanMetricWrapper

from . import reference_metrics as _reference
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


def sparse_top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5, from_sorted_ids: bool = False) -> Any:
    """Per-sample top-k hits for integer targets of shape (n,) or (n, 1).

    ``from_sorted_ids`` (Keras 3): ``y_pred`` holds, per row, class ids sorted from the highest score
    down (n, N) instead of scores; a hit is the target among the first ``k`` of them.
    """
    xp = array_module(y_pred)
    labels, y_pred = xp.asarray(y_true).reshape(-1), xp.asarray(y_pred)
    if not from_sorted_ids:
        return _hits(xp, labels, y_pred, k)
    if y_pred.ndim != 2:
        raise ValueError(f"sorted top-k ids must have shape (n, N), got {y_pred.shape}")
    first = y_pred[:, :k]
    return (first == labels.reshape(-1, 1).astype(first.dtype)).any(axis=1).astype(FLOAT)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often one-hot targets are in the top ``k`` predictions."""
    result_range = (0.0, 1.0)  # checked by the conformance suite's `range`

    direction = "up"  # bigger is better: how callbacks read mode="auto"

    name = "top_k_categorical_accuracy"
    target_kind = "one_hot"
    prediction_kind = "distribution"
    example_configs: tuple[dict[str, Any], ...] = ({}, {"k": 1}, {"k": 2}, {"k": 3})
    reference = _reference.top_k_categorical_accuracy
    #: Keras's documented example (keras/src/metrics/accuracy_metrics.py).
    golden_examples = ({"config": {"k": 1}, "inputs": ([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]),
                        "output": 0.5},
                       {"config": {"k": 1},
                        "inputs": ([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], [0.7, 0.3]),
                        "output": 0.3})

    def __init__(self, k: int = 5, name: str | None = None, dtype: str | None = None) -> None:
        k = checks.count(type(self).__name__, "k", k)
        super().__init__(top_k_categorical_accuracy, name=name or type(self).name, dtype=dtype, k=k)


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often integer targets are in the top ``k`` predictions (scores, or with
    ``from_sorted_ids=True`` the ids of the top classes, best first)."""
    result_range = (0.0, 1.0)  # checked by the conformance suite's `range`

    direction = "up"  # bigger is better: how callbacks read mode="auto"

    name = "sparse_top_k_categorical_accuracy"
    target_kind = "sparse"
    prediction_kind = "distribution"
    example_configs: tuple[dict[str, Any], ...] = ({}, {"k": 1}, {"k": 2}, {"k": 3})
    reference = _reference.sparse_top_k_categorical_accuracy
    #: Keras's documented examples (keras/src/metrics/accuracy_metrics.py); the last one reads ids
    #: sorted best first (from_sorted_ids): the target 2 is the second id of row 0 and absent from row 1.
    golden_examples = ({"config": {"k": 1}, "inputs": ([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]), "output": 0.5},
                       {"config": {"k": 1}, "inputs": ([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], [0.7, 0.3]),
                        "output": 0.3},
                       {"config": {"k": 2, "from_sorted_ids": True}, "inputs": ([2, 1], [[1, 2, 0], [0, 2, 1]]),
                        "output": 0.5})

    def __init__(self, k: int = 5, name: str | None = None, dtype: str | None = None,
                 from_sorted_ids: bool = False) -> None:
        owner = type(self).__name__
        k = checks.count(owner, "k", k)
        super().__init__(sparse_top_k_categorical_accuracy, name=name or type(self).name, dtype=dtype, k=k,
                         from_sorted_ids=checks.boolean(owner, "from_sorted_ids", from_sorted_ids))

    @property
    def from_sorted_ids(self) -> bool:
        return bool(self.fn_kwargs["from_sorted_ids"])
