"""The accuracy metrics of Keras: ``accuracy``, ``binary_accuracy``, ``categorical_accuracy`` and
``sparse_categorical_accuracy``.

Each is the (optionally sample-weighted) mean over samples of a per-sample match score, kept as two
running sums. The sums live in the data's array module (a CuPy 0-d array on the GPU), so updating per
batch never synchronises with the device; only :meth:`result` brings the value to the host. The sums
are float64, so counts stay exact far beyond float32's 2**24.
"""
from __future__ import annotations

from typing import Any

from neuropil.base.backend import array_module
from neuropil.base.metric import Metric
from neuropil.plugin_system.hookspecs import Register

from . import reference_metrics as _reference


def _same_shape(y_true: Any, y_pred: Any) -> Any:
    """``y_true`` as an array of ``y_pred``'s module, reshaped to ``y_pred``'s shape when it holds the
    same number of entries (Keras aligns ``(n,)`` with ``(n, 1)`` the same way)."""
    y_true = array_module(y_pred).asarray(y_true)
    if y_true.shape != y_pred.shape and y_true.size == y_pred.size:
        y_true = y_true.reshape(y_pred.shape)
    return y_true


def _class_labels(y_true: Any, y_pred: Any) -> Any:
    """Class labels from ``(n,)`` or ``(n, 1)`` arrays: a trailing axis of 1 is dropped when the labels
    have the predictions' rank (Keras's rule), so they line up with ``y_pred.argmax(-1)``."""
    y_true = array_module(y_pred).asarray(y_true)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true.reshape(y_true.shape[:-1])
    return y_true


class MeanAccuracy(Metric):
    """Weighted mean of :meth:`matches` over every sample seen since the last reset."""

    direction = "up"  # bigger is better: how callbacks read mode="auto"

    name = "accuracy"
    #: What targets and predictions look like (the losses' vocabulary), so generic checks such as
    #: neuropil's conformance suite draw valid ones.
    target_kind = "real"
    prediction_kind = "real"

    def __init__(self, name: str | None = None, dtype: str | None = None) -> None:
        super().__init__(name=name, dtype=dtype)

    def matches(self, y_true: Any, y_pred: Any) -> Any:
        """One score in [0, 1] per sample (bool or float), shape ``(batch,)`` or ``(batch, ...)``."""
        raise NotImplementedError

    def reset_state(self) -> None:
        self.total: Any = 0.0
        self.count: Any = 0.0

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        xp = array_module(y_pred)
        y_pred = xp.asarray(y_pred)
        scores = self.matches(y_true, y_pred)
        if scores.ndim > 1:  # several outputs per sample: the sample scores their mean
            scores = scores.reshape(scores.shape[0], -1).mean(axis=1)
        if sample_weight is None:
            self.total = self.total + scores.sum(dtype=xp.float64)
            self.count = self.count + scores.shape[0]
            return
        weights = xp.asarray(sample_weight, dtype=xp.float64).reshape(scores.shape)
        self.total = self.total + (weights * scores).sum()
        self.count = self.count + weights.sum()

    def result(self) -> float:
        count = float(self.count)
        return float(self.total) / count if count else 0.0


class Accuracy(MeanAccuracy):
    """Keras ``Accuracy``: how often ``y_pred`` equals ``y_true`` exactly (per sample, the fraction of
    equal entries). For classifiers, ``binary_accuracy`` / ``categorical_accuracy`` are what you want."""
    result_range = (0.0, 1.0)  # checked by the conformance suite's `range`

    name = "accuracy"
    reference = _reference.accuracy
    #: Keras's documented example (keras/src/metrics/accuracy_metrics.py).
    golden_examples = ({"inputs": ([[1], [2], [3], [4]], [[0], [2], [3], [4]]), "output": 0.75},
                       {"inputs": ([[1], [2], [3], [4]], [[0], [2], [3], [4]], [1, 1, 0, 0]), "output": 0.5})

    def __init__(self, name: str | None = "accuracy", dtype: str | None = None) -> None:
        super().__init__(name=name, dtype=dtype)

    @classmethod
    def for_compile(cls, name: str, loss: Any, output_shape: tuple[int, ...]) -> Metric | None:
        """The name 'accuracy' in ``compile`` means the accuracy of the loss's targets, as in Keras."""
        from .compile_shorthands import accuracy_for_compile

        return accuracy_for_compile(name, loss, output_shape)

    def matches(self, y_true: Any, y_pred: Any) -> Any:
        return _same_shape(y_true, y_pred) == y_pred


class BinaryAccuracy(MeanAccuracy):
    """Keras ``BinaryAccuracy``: a prediction counts as 1 when it is above ``threshold`` (0.5), and
    matches when that equals the 0/1 target."""
    result_range = (0.0, 1.0)  # checked by the conformance suite's `range`

    name = "binary_accuracy"
    target_kind = "binary"
    prediction_kind = "probability"
    #: For the conformance suite: the default threshold and another one.
    example_configs: tuple[dict[str, Any], ...] = ({}, {"threshold": 0.3}, {"threshold": 0.7})
    reference = _reference.binary_accuracy
    #: Keras's documented example (keras/src/metrics/accuracy_metrics.py).
    golden_examples = ({"inputs": ([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]]), "output": 0.75},
                       {"inputs": ([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]], [1, 0, 0, 1]), "output": 0.5},
                       # by the definition: a prediction equal to the threshold is not above it
                       {"inputs": ([[0], [0]], [[0.5], [0.7]]), "output": 0.5},
                       {"config": {"threshold": 0.7}, "inputs": ([[0], [0]], [[0.5], [0.7]]), "output": 1.0})

    def __init__(self, name: str | None = "binary_accuracy", dtype: str | None = None,
                 threshold: float = 0.5) -> None:
        self.threshold = float(threshold)
        super().__init__(name=name, dtype=dtype)

    def matches(self, y_true: Any, y_pred: Any) -> Any:
        return _same_shape(y_true, y_pred) == (y_pred > self.threshold)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "threshold": self.threshold}


class CategoricalAccuracy(MeanAccuracy):
    """Keras ``CategoricalAccuracy``: the arg-max of the prediction equals the arg-max of the one-hot
    target (ties resolve to the first maximum, as ``argmax`` does)."""
    result_range = (0.0, 1.0)  # checked by the conformance suite's `range`

    name = "categorical_accuracy"
    target_kind = "one_hot"
    prediction_kind = "distribution"
    reference = _reference.categorical_accuracy
    #: Keras's documented example (keras/src/metrics/accuracy_metrics.py).
    golden_examples = ({"inputs": ([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]), "output": 0.5},
                       {"inputs": ([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], [0.7, 0.3]),
                        "output": 0.3})

    def __init__(self, name: str | None = "categorical_accuracy", dtype: str | None = None) -> None:
        super().__init__(name=name, dtype=dtype)

    def matches(self, y_true: Any, y_pred: Any) -> Any:
        y_true = array_module(y_pred).asarray(y_true)
        return y_true.argmax(axis=-1) == y_pred.argmax(axis=-1)


class SparseCategoricalAccuracy(MeanAccuracy):
    """Keras ``SparseCategoricalAccuracy``: the arg-max of the prediction equals the integer label
    (labels shaped ``(batch,)`` or ``(batch, 1)``; float-typed labels such as 2.0 compare as 2)."""
    result_range = (0.0, 1.0)  # checked by the conformance suite's `range`

    name = "sparse_categorical_accuracy"
    target_kind = "sparse"
    prediction_kind = "distribution"
    reference = _reference.sparse_categorical_accuracy
    #: Keras's documented example (keras/src/metrics/accuracy_metrics.py).
    golden_examples = ({"inputs": ([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]]), "output": 0.5},
                       {"inputs": ([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]], [0.7, 0.3]), "output": 0.3})

    def __init__(self, name: str | None = "sparse_categorical_accuracy", dtype: str | None = None) -> None:
        super().__init__(name=name, dtype=dtype)

    def matches(self, y_true: Any, y_pred: Any) -> Any:
        return _class_labels(y_true, y_pred) == y_pred.argmax(axis=-1)


METRICS: tuple[tuple[type[MeanAccuracy], tuple[str, ...]], ...] = (
    (Accuracy, ("acc",)),
    (BinaryAccuracy, ()),
    (CategoricalAccuracy, ()),
    (SparseCategoricalAccuracy, ()),
)


def register_all(register: Register) -> None:
    """Register the accuracies under their Keras names ('BinaryAccuracy' resolves like 'binary_accuracy')."""
    for cls, aliases in METRICS:
        register(cls.name, cls, aliases=aliases)
