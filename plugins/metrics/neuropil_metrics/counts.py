"""TruePositives, FalsePositives, TrueNegatives, FalseNegatives: weighted confusion counts at one or
more thresholds (Keras semantics).

Every element counts (multi-column inputs are flattened); a label is positive when non-zero and a
prediction when strictly greater than the threshold. ``thresholds`` is a float or a list of floats in
[0, 1] (0.5 when None); the result is a Python float for one threshold, else a float64 NumPy array
with one count per threshold. The counts are device arrays until ``result()``.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from neuropil import checks
from neuropil.base.backend import array_module
from neuropil.base.metric import Metric
from neuropil.errors import ArgumentError

from . import reference_metrics as _reference
from ._tally import FLOAT, Tallies, aligned, broadcast_weights, threshold_tallies


def parse_thresholds(owner: str, thresholds: float | Sequence[float] | None, default: float) -> list[float]:
    """Keras's ``parse_init_thresholds``: None gives ``[default]``; a number or a non-empty list of
    numbers in [0, 1] gives that list (a bad entry names ``owner`` and the value)."""
    if thresholds is None:
        return [default]
    values = list(thresholds) if isinstance(thresholds, (list, tuple, np.ndarray)) else [thresholds]
    if not values:
        raise ArgumentError(f"{owner} expects thresholds to be a number or a non-empty list of numbers "
                                   f"in [0, 1], received thresholds={thresholds!r}")
    return [checks.number(owner, "thresholds", t, minimum=0.0, maximum=1.0) for t in values]


def confusion_at(xp: Any, y_true: Any, y_pred: Any, sample_weight: Any, thresholds: Sequence[float],
                 class_id: int | None = None) -> dict[str, Any]:
    """Weighted tp, fp, tn, fn at each threshold, as device arrays of ``len(thresholds)``."""
    y_true, y_pred = aligned(xp, y_true, y_pred)
    weights = broadcast_weights(xp, sample_weight, y_pred.shape)
    if class_id is not None:
        y_true, y_pred, weights = y_true[..., class_id], y_pred[..., class_id], weights[..., class_id]
    at = xp.asarray(list(thresholds), dtype=FLOAT)
    tp, fp, positives, negatives = threshold_tallies(
        xp, y_true.reshape(-1) != 0, y_pred.reshape(-1).astype(FLOAT), weights.reshape(-1), at)
    return {"tp": tp, "fp": fp, "tn": negatives - fp, "fn": positives - tp}


class _ConditionCount(Metric):
    """The summed weight of one cell of the confusion matrix (``condition``) at each threshold."""

    condition = ""
    target_kind = "binary"
    prediction_kind = "probability"
    #: For the conformance suite: the default, a scalar and a list of thresholds (with the ends).
    example_configs: tuple[dict[str, Any], ...] = ({}, {"thresholds": 0.3}, {"thresholds": [0.0, 0.25, 0.5, 1.0]})

    def __init__(self, thresholds: float | Sequence[float] | None = None, name: str | None = None,
                 dtype: str | None = None) -> None:
        self.init_thresholds = thresholds
        self.thresholds = parse_thresholds(type(self).__name__, thresholds, 0.5)
        super().__init__(name=name, dtype=dtype)

    def reset_state(self) -> None:
        self._tallies = Tallies()

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        xp = array_module(y_pred)
        counts = confusion_at(xp, y_true, y_pred, sample_weight, self.thresholds)
        self._tallies.add(count=counts[self.condition])

    def result(self) -> float | np.ndarray:
        counts = self._tallies.read()
        values = np.zeros(len(self.thresholds)) if counts is None else counts["count"]
        return float(values[0]) if len(self.thresholds) == 1 else values

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "thresholds": self.init_thresholds}


class TruePositives(_ConditionCount):
    """Summed weight of positive labels predicted positive."""
    result_range = (0.0, float("inf"))  # checked by the conformance suite's `range`

    direction = "up"  # bigger is better: how callbacks read mode="auto"

    name = "true_positives"
    condition = "tp"
    reference = _reference.true_positives
    #: Keras's documented example (keras/src/metrics/confusion_metrics.py).
    golden_examples = ({"inputs": ([0, 1, 1, 1], [1, 0, 1, 1]), "output": 2.0},
                       {"inputs": ([0, 1, 1, 1], [1, 0, 1, 1], [0, 0, 1, 0]), "output": 1.0})


class FalsePositives(_ConditionCount):
    """Summed weight of negative labels predicted positive."""
    result_range = (0.0, float("inf"))  # checked by the conformance suite's `range`

    direction = "down"  # bigger is worse: how callbacks read mode="auto"

    name = "false_positives"
    condition = "fp"
    reference = _reference.false_positives
    #: Keras's documented example (keras/src/metrics/confusion_metrics.py).
    golden_examples = ({"inputs": ([0, 1, 0, 0], [0, 0, 1, 1]), "output": 2.0},
                       {"inputs": ([0, 1, 0, 0], [0, 0, 1, 1], [0, 0, 1, 0]), "output": 1.0})


class TrueNegatives(_ConditionCount):
    """Summed weight of negative labels predicted negative."""
    result_range = (0.0, float("inf"))  # checked by the conformance suite's `range`

    direction = "up"  # bigger is better: how callbacks read mode="auto"

    name = "true_negatives"
    condition = "tn"
    reference = _reference.true_negatives
    #: Keras's documented example (keras/src/metrics/confusion_metrics.py).
    golden_examples = ({"inputs": ([0, 1, 0, 0], [1, 1, 0, 0]), "output": 2.0},
                       {"inputs": ([0, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0]), "output": 1.0})


class FalseNegatives(_ConditionCount):
    """Summed weight of positive labels predicted negative."""
    result_range = (0.0, float("inf"))  # checked by the conformance suite's `range`

    direction = "down"  # bigger is worse: how callbacks read mode="auto"

    name = "false_negatives"
    condition = "fn"
    reference = _reference.false_negatives
    #: Keras's documented example (keras/src/metrics/confusion_metrics.py).
    golden_examples = ({"inputs": ([0, 1, 1, 1], [0, 1, 0, 0]), "output": 2.0},
                       {"inputs": ([0, 1, 1, 1], [0, 1, 0, 0], [0, 0, 1, 0]), "output": 1.0})

