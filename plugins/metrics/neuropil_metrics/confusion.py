"""Precision and Recall: thresholded counts of true/false positives over every element (Keras semantics).

Labels are positive when non-zero (Keras casts them to bool); a prediction is positive when it is
strictly greater than the threshold. With ``top_k`` only each row's k highest scores can be positive;
``class_id`` restricts the counts to one column. Multi-column inputs are otherwise counted element by
element ("micro"), exactly like Keras.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from neuropil import checks
from neuropil.base.backend import array_module
from neuropil.base.metric import Metric

from . import reference_metrics as _reference
from ._tally import FLOAT, Tallies, aligned, broadcast_weights, divide, keep_top_k, threshold_tallies
from .counts import parse_thresholds


class _ThresholdedRate(Metric):
    """tp / (tp + other) at one or more thresholds; ``other`` is "fp" (precision) or "fn" (recall)."""

    other: str = ""
    target_kind = "binary"
    prediction_kind = "probability"
    example_configs: tuple[dict[str, Any], ...] = ({}, {"thresholds": [0.2, 0.7]}, {"thresholds": 0.35},
                                                    {"top_k": 1}, {"top_k": 2, "class_id": 0},
                                                    {"class_id": 0}, {"top_k": 2, "thresholds": [0.1, 0.6]})

    def __init__(self, thresholds: float | Sequence[float] | None = None, top_k: int | None = None,
                 class_id: int | None = None, name: str | None = None, dtype: str | None = None) -> None:
        owner = type(self).__name__
        self.top_k = None if top_k is None else checks.count(owner, "top_k", top_k)
        self.class_id = None if class_id is None else checks.integer(owner, "class_id", class_id, minimum=0)
        self.init_thresholds = thresholds
        # Keras: 0.5 by default, but with top_k every kept score is positive (threshold -inf); given
        # thresholds must lie in [0, 1], as Keras checks.
        self.thresholds: list[float] = parse_thresholds(owner, thresholds, 0.5 if top_k is None else -np.inf)
        self._scalar = len(self.thresholds) == 1
        super().__init__(name=name, dtype=dtype)

    def reset_state(self) -> None:
        self._tallies = Tallies()

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        xp = array_module(y_pred)
        y_true, y_pred = aligned(xp, y_true, y_pred)
        weights = broadcast_weights(xp, sample_weight, y_pred.shape)
        if self.top_k is not None:
            y_pred = keep_top_k(xp, y_pred, self.top_k)
        if self.class_id is not None:
            column = self.class_id
            y_true, y_pred, weights = y_true[..., column], y_pred[..., column], weights[..., column]
        thresholds = xp.asarray(self.thresholds, dtype=y_pred.dtype if y_pred.dtype.kind == "f" else FLOAT)
        tp, fp, positives, _ = threshold_tallies(
            xp, y_true.reshape(-1) != 0, y_pred.reshape(-1), weights.reshape(-1), thresholds)
        self._tallies.add(tp=tp, fp=fp, fn=positives - tp)

    def result(self) -> float | np.ndarray:
        """A float for one threshold (0.0 when nothing was counted), else one value per threshold."""
        counts = self._tallies.read()
        if counts is None:
            values = np.zeros(len(self.thresholds))
        else:
            values = divide(counts["tp"], counts["tp"] + counts[self.other])
        return float(values[0]) if self._scalar else values

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "thresholds": self.init_thresholds, "top_k": self.top_k,
                "class_id": self.class_id}


class Precision(_ThresholdedRate):
    """The fraction of predicted positives that are positive: tp / (tp + fp); 0.0 with no predicted
    positive (Keras; scikit-learn also gives 0.0, with a warning)."""
    result_range = (0.0, 1.0)  # checked by the conformance suite's `range`

    direction = "up"  # bigger is better: how callbacks read mode="auto"

    name = "precision"
    other = "fp"
    reference = _reference.precision
    #: Keras's documented examples (keras/src/metrics/confusion_metrics.py).
    golden_examples = ({"inputs": ([0, 1, 1, 1], [1, 0, 1, 1]), "output": 2 / 3},
                       {"inputs": ([0, 1, 1, 1], [1, 0, 1, 1], [0, 0, 1, 0]), "output": 1.0},
                       {"config": {"top_k": 2}, "inputs": ([0, 0, 1, 1], [1, 1, 1, 1]), "output": 0.0},
                       {"config": {"top_k": 4}, "inputs": ([0, 0, 1, 1], [1, 1, 1, 1]), "output": 0.5})


class Recall(_ThresholdedRate):
    """The fraction of positives predicted positive: tp / (tp + fn); 0.0 with no positive label."""
    result_range = (0.0, 1.0)  # checked by the conformance suite's `range`

    direction = "up"  # bigger is better: how callbacks read mode="auto"

    name = "recall"
    other = "fn"
    reference = _reference.recall
    #: Keras's documented examples (keras/src/metrics/confusion_metrics.py).
    golden_examples = ({"inputs": ([0, 1, 1, 1], [1, 0, 1, 1]), "output": 2 / 3},
                       {"inputs": ([0, 1, 1, 1], [1, 0, 1, 1], [0, 0, 1, 0]), "output": 1.0})
