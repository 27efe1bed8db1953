"""Reference formulas of the standard metrics (the accuracies and ``crossentropy``), for the
conformance suite's ``reference`` property: ``reference(self, y_true, y_pred, sample_weight) ->
result()`` in float64, attached to each class as one attribute.

Each is Keras's definition (keras/src/metrics/accuracy_metrics.py, probabilistic_metrics.py) written
as a loop over samples: a per-sample score (the mean over that sample's entries), then the mean over
samples weighted by ``sample_weight``. Nothing is shared with the fast metrics or with the losses'
forwards. Test-side NumPy only.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

EPSILON = 1e-7  # Keras's backend.epsilon()


def _f(a: Any) -> np.ndarray:
    return np.asarray(a, dtype=np.float64)


def _weighted_mean(per_sample: list[float], sample_weight: Any) -> float:
    weights = [1.0] * len(per_sample) if sample_weight is None else [float(w) for w in _f(sample_weight).reshape(-1)]
    total = sum(weights)
    return sum(v * w for v, w in zip(per_sample, weights)) / total if total else 0.0


def _same_layout(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    t, p = _f(y_true), _f(y_pred)
    if t.shape != p.shape and t.size == p.size:
        t = t.reshape(p.shape)
    return t, p


def _first_argmax(row: np.ndarray) -> int:
    """The index of the first largest entry (Keras's argmax breaks ties so)."""
    best = 0
    for j in range(1, len(row)):
        if row[j] > row[best]:
            best = j
    return best


def accuracy(self: Any, y_true: Any, y_pred: Any, sample_weight: Any) -> float:
    """Per sample, the share of entries where the prediction equals the target exactly."""
    t, p = _same_layout(y_true, y_pred)
    n = p.shape[0]
    t, p = t.reshape(n, -1), p.reshape(n, -1)
    scores = [sum(1.0 for a, b in zip(t[i], p[i]) if a == b) / p.shape[1] for i in range(n)]
    return _weighted_mean(scores, sample_weight)


def binary_accuracy(self: Any, y_true: Any, y_pred: Any, sample_weight: Any) -> float:
    """Per sample, the share of entries where (prediction > threshold) equals the 0/1 target."""
    t, p = _same_layout(y_true, y_pred)
    n = p.shape[0]
    t, p = t.reshape(n, -1), p.reshape(n, -1)
    scores = [sum(1.0 for a, b in zip(t[i], p[i]) if a == (1.0 if b > self.threshold else 0.0)) / p.shape[1]
              for i in range(n)]
    return _weighted_mean(scores, sample_weight)


def categorical_accuracy(self: Any, y_true: Any, y_pred: Any, sample_weight: Any) -> float:
    """Per sample (per position of a sequence), 1 where the arg-maxes of target and prediction agree."""
    t, p = _f(y_true), _f(y_pred)
    n, classes = p.shape[0], p.shape[-1]
    rows_t, rows_p = t.reshape(n, -1, classes), p.reshape(n, -1, classes)
    scores = [sum(1.0 for a, b in zip(rows_t[i], rows_p[i]) if _first_argmax(a) == _first_argmax(b)) / rows_p.shape[1]
              for i in range(n)]
    return _weighted_mean(scores, sample_weight)


def sparse_categorical_accuracy(self: Any, y_true: Any, y_pred: Any, sample_weight: Any) -> float:
    """Per sample (per position), 1 where the prediction's arg-max is the integer label."""
    p = _f(y_pred)
    n, classes = p.shape[0], p.shape[-1]
    rows_p = p.reshape(n, -1, classes)
    labels = _f(y_true).reshape(n, rows_p.shape[1])
    scores = [sum(1.0 for label, row in zip(labels[i], rows_p[i]) if _first_argmax(row) == int(label))
              / rows_p.shape[1] for i in range(n)]
    return _weighted_mean(scores, sample_weight)


def _clipped(q: float) -> float:
    return min(max(q, EPSILON), 1.0 - EPSILON)


def crossentropy(self: Any, y_true: Any, y_pred: Any, sample_weight: Any) -> float:
    """The family's Keras cross-entropy per sample, weighted over samples: binary, the mean over the
    last axis of -(t log q + (1 - t) log(1 - q)), q clipped to [ε, 1 - ε]; categorical, -Σ t log q with
    q the renormalised, clipped distribution; sparse, -log q[label]."""
    p = _f(y_pred)
    n = p.shape[0]
    per_sample = []
    for i in range(n):
        if self.family == "binary":
            t_row, p_row = _same_layout(y_true, y_pred)[0][i].reshape(-1), p[i].reshape(-1)
            per_sample.append(sum(-(a * math.log(_clipped(b)) + (1.0 - a) * math.log(1.0 - _clipped(b)))
                                  for a, b in zip(t_row, p_row)) / len(p_row))
            continue
        rows_p = p[i].reshape(-1, p.shape[-1])
        if self.family == "categorical":
            rows_t = _f(y_true)[i].reshape(-1, p.shape[-1])
        else:
            labels = _f(y_true)[i].reshape(-1)
            rows_t = np.zeros_like(rows_p)
            for r, label in enumerate(labels):
                rows_t[r, int(label)] = 1.0
        values = [-sum(a * math.log(_clipped(b / sum(row_p))) for a, b in zip(row_t, row_p))
                  for row_t, row_p in zip(rows_t, rows_p)]
        per_sample.append(sum(values) / len(values))
    return _weighted_mean(per_sample, sample_weight)
