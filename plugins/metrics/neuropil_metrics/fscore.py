"""F-beta and F1 scores with Keras 3's arguments (``average``, ``beta``, ``threshold``).

Multi-class / multi-label mode (``y_pred`` of shape (n, C), C > 1): per-class tp, fp, fn and support
are tallied; ``threshold=None`` predicts each row's highest-scoring class(es) (a row of zeros predicts
none, as in Keras), a float predicts every class scoring above it. ``average`` then says how classes
combine: None (one score per class, a NumPy array), 'micro', 'macro' or 'weighted' (by support).

Binary mode (``y_pred`` of shape (n,) or (n, 1)): Keras would take the arg-max of a single column,
predicting every sample positive; here one column means a sigmoid output, thresholded at
``threshold`` (0.5 when None), and the result is the positive class's score as a float whatever
``average`` says (all averages agree for one class).

A class with tp + fp + fn = 0 scores 0.0 (scikit-learn's ``zero_division=0``; Keras adds an epsilon
instead, which differs by ~1e-7).
"""
from __future__ import annotations

from typing import Any

import numpy as np
from neuropil import checks
from neuropil.base.backend import array_module
from neuropil.base.metric import Metric

from . import reference_metrics as _reference
from ._tally import FLOAT, Tallies, aligned, broadcast_weights, divide

AVERAGES = (None, "micro", "macro", "weighted")


class FBetaScore(Metric):
    """Weighted harmonic mean of precision and recall, recall weighing ``beta`` times as much."""
    result_range = (0.0, 1.0)  # checked by the conformance suite's `range`
    target_kind, prediction_kind = "binary", "probability"  # Keras: 0/1 targets, scores in [0, 1]

    direction = "up"  # bigger is better: how callbacks read mode="auto"

    name = "fbeta_score"
    example_configs: tuple[dict[str, Any], ...] = (
        {}, {"average": "micro"}, {"average": "macro", "beta": 2.0}, {"average": "weighted", "beta": 0.5},
        {"threshold": 0.4, "beta": 1.5}, {"average": "macro", "threshold": 0.6},
        {"average": "weighted", "threshold": 0.3})
    reference = _reference.fbeta
    #: Keras's documented example (keras/src/metrics/f_score_metrics.py), printed in float32.
    golden_examples: tuple[dict[str, Any], ...] = (
        {"config": {"beta": 2.0, "threshold": 0.5},
         "inputs": ([[1, 1, 1], [1, 0, 0], [1, 1, 0]], [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]]),
         "output": [0.3846154, 0.90909094, 0.8333334]},
        # beta's default is 1: the same data then scores F1's documented values
        {"config": {"threshold": 0.5},
         "inputs": ([[1, 1, 1], [1, 0, 0], [1, 1, 0]], [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]]),
         "output": [0.5, 0.8, 2 / 3]})

    def __init__(self, average: str | None = None, beta: float = 1.0, threshold: float | None = None,
                 name: str | None = None, dtype: str | None = None) -> None:
        owner = type(self).__name__
        self.average = checks.one_of(owner, "average", average, AVERAGES)
        self.beta = checks.number(owner, "beta", beta, minimum=0.0, min_inclusive=False)
        self.threshold = None if threshold is None else checks.number(owner, "threshold", threshold)
        super().__init__(name=name, dtype=dtype)

    def reset_state(self) -> None:
        self._tallies = Tallies()
        self._binary = False

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        xp = array_module(y_pred)
        y_true, y_pred = aligned(xp, y_true, y_pred)
        if y_pred.ndim == 1:
            y_true, y_pred = y_true.reshape(-1, 1), y_pred.reshape(-1, 1)
        if y_pred.ndim != 2:
            raise ValueError(f"{type(self).__name__} expects predictions of shape (n, classes), got {y_pred.shape}")
        self._binary = y_pred.shape[1] == 1
        if self._binary or self.threshold is not None:
            predicted = y_pred > (0.5 if self.threshold is None else self.threshold)
        else:
            predicted = (y_pred >= y_pred.max(axis=1, keepdims=True)) & (xp.abs(y_pred) > 1e-9)
        predicted = predicted.astype(FLOAT)
        truth = y_true.astype(FLOAT)
        weights = broadcast_weights(xp, sample_weight, y_pred.shape)
        hits = predicted * truth * weights
        self._tallies.add(
            tp=hits.sum(axis=0),
            fp=(predicted * weights).sum(axis=0) - hits.sum(axis=0),
            fn=(truth * weights).sum(axis=0) - hits.sum(axis=0),
            support=(truth * weights).sum(axis=0),
        )

    def result(self) -> float | np.ndarray:
        counts = self._tallies.read()
        if counts is None:
            return 0.0
        tp, fp, fn, support = counts["tp"], counts["fp"], counts["fn"], counts["support"]
        if self.average == "micro":
            tp, fp, fn = tp.sum(keepdims=True), fp.sum(keepdims=True), fn.sum(keepdims=True)
        b2 = self.beta ** 2
        scores = divide((1 + b2) * tp, (1 + b2) * tp + b2 * fn + fp)
        if self._binary:
            return float(scores[0])
        if self.average is None:
            return scores
        if self.average == "weighted":
            return float(divide((scores * support).sum(), support.sum()))
        return float(scores.mean())

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "average": self.average, "beta": self.beta, "threshold": self.threshold}


class F1Score(FBetaScore):
    """F-beta with beta = 1: the harmonic mean of precision and recall."""

    name = "f1_score"
    example_configs: tuple[dict[str, Any], ...] = (
        {}, {"average": "micro"}, {"average": "macro", "threshold": 0.5}, {"average": "weighted"},
        {"threshold": 0.3})
    #: Keras's documented example (keras/src/metrics/f_score_metrics.py).
    golden_examples = ({"config": {"threshold": 0.5},
                        "inputs": ([[1, 1, 1], [1, 0, 0], [1, 1, 0]],
                                   [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]]),
                        "output": [0.5, 0.8, 2 / 3]},)

    def __init__(self, average: str | None = None, threshold: float | None = None,
                 name: str | None = None, dtype: str | None = None) -> None:
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "average": self.average, "threshold": self.threshold}
