"""The best value of one rate where another reaches a target (Keras semantics):
SensitivityAtSpecificity, SpecificityAtSensitivity, PrecisionAtRecall, RecallAtPrecision.

tp, fp, tn and fn are tallied at ``num_thresholds`` thresholds evenly spaced over [0, 1], ends
included (Keras's grid for these four; with ``num_thresholds=1`` the one threshold is 0.5). At
``result()`` both rates are computed at every threshold (0 where a rate is 0/0, Keras's
``divide_no_nan``), and the answer is the largest value of the one rate among the thresholds whose
other rate is >= the target; 0.0 when no threshold reaches it. ``class_id`` keeps one column of
multi-column inputs; otherwise every element counts. State: 4 x num_thresholds floats on the device.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from neuropil import checks
from neuropil.base.backend import array_module
from neuropil.base.metric import Metric

from . import reference_metrics as _reference
from ._tally import Tallies, divide
from .counts import confusion_at


def evenly_spaced_thresholds(num_thresholds: int) -> list[float]:
    """0, 1/(n-1), ..., 1 (n values); [0.5] for n = 1."""
    if num_thresholds == 1:
        return [0.5]
    inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
    return [0.0, *inner, 1.0]


def best_where_reached(constrained: np.ndarray, dependent: np.ndarray, target: float) -> float:
    """max of ``dependent`` over the entries where ``constrained >= target``, else 0.0."""
    feasible = constrained >= target
    return float(dependent[feasible].max(initial=0.0)) if feasible.any() else 0.0


class _AtOperatingPoint(Metric):
    """Tallies the confusion counts on the grid; subclasses say which rate is constrained."""

    #: The constructor argument that holds the target (Keras's argument name).
    target_argument = ""
    target_kind = "binary"
    prediction_kind = "probability"

    def __init__(self, value: float, num_thresholds: int = 200, class_id: int | None = None,
                 name: str | None = None, dtype: str | None = None) -> None:
        owner = type(self).__name__
        self.value = checks.number(owner, self.target_argument, value, minimum=0.0, maximum=1.0)
        setattr(self, self.target_argument, self.value)  # Keras's attribute name too (m.specificity)
        self.num_thresholds = checks.count(owner, "num_thresholds", num_thresholds)
        self.class_id = None if class_id is None else checks.integer(owner, "class_id", class_id, minimum=0)
        self.thresholds = evenly_spaced_thresholds(self.num_thresholds)
        if self.class_id is not None:  # one column of several: what generic checks should draw
            self.target_kind = "one_hot"
        super().__init__(name=name, dtype=dtype)

    def reset_state(self) -> None:
        self._tallies = Tallies()

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        xp = array_module(y_pred)
        self._tallies.add(**confusion_at(xp, y_true, y_pred, sample_weight, self.thresholds, self.class_id))

    def rates(self) -> dict[str, np.ndarray]:
        """Sensitivity (= recall), specificity and precision at every threshold."""
        counts = self._tallies.read()
        if counts is None:
            zero = np.zeros(len(self.thresholds))
            return {"sensitivity": zero, "specificity": zero, "precision": zero}
        tp, fp, tn, fn = counts["tp"], counts["fp"], counts["tn"], counts["fn"]
        return {"sensitivity": divide(tp, tp + fn), "specificity": divide(tn, tn + fp),
                "precision": divide(tp, tp + fp)}

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, self.target_argument: self.value, "num_thresholds": self.num_thresholds,
                "class_id": self.class_id}


class SensitivityAtSpecificity(_AtOperatingPoint):
    """Best sensitivity (tp / (tp + fn)) where specificity (tn / (tn + fp)) >= ``specificity``."""
    result_range = (0.0, 1.0)  # checked by the conformance suite's `range`

    direction = "up"  # bigger is better: how callbacks read mode="auto"

    name = "sensitivity_at_specificity"
    reference = _reference.sensitivity_at_specificity
    #: Keras's documented examples (keras/src/metrics/confusion_metrics.py).
    golden_examples = ({"config": {"specificity": 0.5}, "inputs": ([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8]),
                        "output": 0.5},
                       {"config": {"specificity": 0.5},
                        "inputs": ([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8], [1, 1, 2, 2, 1]), "output": 1 / 3})
    target_argument = "specificity"
    example_configs = ({"specificity": 0.5}, {"specificity": 0.8, "num_thresholds": 7},
                       {"specificity": 0.3, "class_id": 1}, {"specificity": 0.6, "num_thresholds": 1})

    def __init__(self, specificity: float, num_thresholds: int = 200, class_id: int | None = None,
                 name: str | None = None, dtype: str | None = None) -> None:
        super().__init__(specificity, num_thresholds, class_id, name, dtype)

    def result(self) -> float:
        r = self.rates()
        return best_where_reached(r["specificity"], r["sensitivity"], self.value)


class SpecificityAtSensitivity(_AtOperatingPoint):
    """Best specificity where sensitivity >= ``sensitivity``."""
    result_range = (0.0, 1.0)  # checked by the conformance suite's `range`

    direction = "up"  # bigger is better: how callbacks read mode="auto"

    name = "specificity_at_sensitivity"
    reference = _reference.specificity_at_sensitivity
    #: Keras's documented examples (keras/src/metrics/confusion_metrics.py).
    golden_examples = ({"config": {"sensitivity": 0.5}, "inputs": ([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8]),
                        "output": 2 / 3},
                       {"config": {"sensitivity": 0.5},
                        "inputs": ([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8], [1, 1, 2, 2, 2]), "output": 0.5})
    target_argument = "sensitivity"
    example_configs = ({"sensitivity": 0.5}, {"sensitivity": 0.9, "num_thresholds": 7},
                       {"sensitivity": 0.3, "class_id": 1}, {"sensitivity": 0.4, "num_thresholds": 1})

    def __init__(self, sensitivity: float, num_thresholds: int = 200, class_id: int | None = None,
                 name: str | None = None, dtype: str | None = None) -> None:
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)

    def result(self) -> float:
        r = self.rates()
        return best_where_reached(r["sensitivity"], r["specificity"], self.value)


class PrecisionAtRecall(_AtOperatingPoint):
    """Best precision (tp / (tp + fp)) where recall >= ``recall``."""
    result_range = (0.0, 1.0)  # checked by the conformance suite's `range`

    direction = "up"  # bigger is better: how callbacks read mode="auto"

    name = "precision_at_recall"
    reference = _reference.precision_at_recall
    #: Keras's documented examples (keras/src/metrics/confusion_metrics.py).
    golden_examples = ({"config": {"recall": 0.5}, "inputs": ([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8]), "output": 0.5},
                       {"config": {"recall": 0.5},
                        "inputs": ([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8], [2, 2, 2, 1, 1]), "output": 1 / 3})
    target_argument = "recall"
    example_configs = ({"recall": 0.5}, {"recall": 0.8, "num_thresholds": 7}, {"recall": 0.3, "class_id": 1},
                       {"recall": 0.4, "num_thresholds": 1})

    def __init__(self, recall: float, num_thresholds: int = 200, class_id: int | None = None,
                 name: str | None = None, dtype: str | None = None) -> None:
        super().__init__(recall, num_thresholds, class_id, name, dtype)

    def result(self) -> float:
        r = self.rates()
        return best_where_reached(r["sensitivity"], r["precision"], self.value)


class RecallAtPrecision(_AtOperatingPoint):
    """Best recall where precision >= ``precision``; 0.0 when no threshold reaches that precision."""
    result_range = (0.0, 1.0)  # checked by the conformance suite's `range`

    direction = "up"  # bigger is better: how callbacks read mode="auto"

    name = "recall_at_precision"
    reference = _reference.recall_at_precision
    #: Keras's documented examples (keras/src/metrics/confusion_metrics.py).
    golden_examples = ({"config": {"precision": 0.8}, "inputs": ([0, 0, 1, 1], [0, 0.5, 0.3, 0.9]), "output": 0.5},
                       {"config": {"precision": 0.8},
                        "inputs": ([0, 0, 1, 1], [0, 0.5, 0.3, 0.9], [1, 0, 0, 1]), "output": 1.0})
    target_argument = "precision"
    example_configs = ({"precision": 0.5}, {"precision": 0.8, "num_thresholds": 7},
                       {"precision": 0.3, "class_id": 1}, {"precision": 0.6, "num_thresholds": 1})

    def __init__(self, precision: float, num_thresholds: int = 200, class_id: int | None = None,
                 name: str | None = None, dtype: str | None = None) -> None:
        super().__init__(precision, num_thresholds, class_id, name, dtype)

    def result(self) -> float:
        r = self.rates()
        return best_where_reached(r["precision"], r["sensitivity"], self.value)
