"""Metrics read off a multi-class confusion matrix: the matrix itself, Matthews correlation, Cohen's kappa.

One tally serves all three: a (classes x classes) matrix of weights, rows the true class and columns
the predicted one (scikit-learn's layout), built on the device as one-hot(true)ᵀ · one-hot(pred).

How labels are read, per tensor:

- scores of shape (n, C) with C > 1: the arg-max is the class (one-hot targets, softmax outputs);
- one value per sample, binary (``num_classes`` 2): a prediction is class 1 when above ``threshold``
  (0.5), a target when non-zero (Keras casts labels to bool);
- one value per sample, ``num_classes`` > 2: the value is the integer class.

``num_classes=None`` takes C from the first batch's predictions (2 for one column). A label outside
[0, num_classes) cannot be counted; ``result()`` then raises instead of silently dropping it (checking
in ``update_state`` would cost a device sync per batch).
"""
from __future__ import annotations

from typing import Any

import numpy as np
from neuropil import checks
from neuropil.base.backend import array_module
from neuropil.base.metric import Metric

from . import reference_metrics as _reference
from ._tally import FLOAT, Tallies, aligned, broadcast_weights, divide

WEIGHTAGES = (None, "linear", "quadratic")


class _ConfusionBased(Metric):
    """Tallies the confusion matrix; subclasses turn it into their score in :meth:`_score`."""

    def __init__(self, num_classes: int | None = None, threshold: float = 0.5,
                 name: str | None = None, dtype: str | None = None) -> None:
        owner = type(self).__name__
        if num_classes is not None:
            num_classes = checks.integer(owner, "num_classes", num_classes, minimum=2)
        self.num_classes, self.threshold = num_classes, checks.number(owner, "threshold", threshold)
        super().__init__(name=name, dtype=dtype)

    def reset_state(self) -> None:
        self._tallies = Tallies()
        self._classes = self.num_classes

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        xp = array_module(y_pred)
        y_true, y_pred = aligned(xp, y_true, y_pred)
        columns = y_pred.shape[-1] if y_pred.ndim >= 2 else 1
        if self._classes is None:
            self._classes = columns if columns > 1 else 2
        classes = self._classes
        true = self._labels(xp, y_true, columns, classes, is_prediction=False)
        pred = self._labels(xp, y_pred, columns, classes, is_prediction=True)
        weights = broadcast_weights(xp, sample_weight, (y_pred.shape[0],) + (1,) * (y_pred.ndim - 1))
        weights = weights.reshape(-1)
        ids = xp.arange(classes)
        in_range = (true >= 0) & (true < classes) & (pred >= 0) & (pred < classes)
        true_hot = (true[:, None] == ids).astype(FLOAT)
        pred_hot = (pred[:, None] == ids).astype(FLOAT) * weights[:, None]
        self._tallies.add(matrix=true_hot.T @ pred_hot, outside=(~in_range).sum())

    def _labels(self, xp: Any, y: Any, columns: int, classes: int, is_prediction: bool) -> Any:
        if columns > 1 and y.ndim >= 2 and y.shape[-1] == columns:
            return xp.argmax(y, axis=-1).reshape(-1)
        y = y.reshape(-1)
        if classes == 2:
            return ((y > self.threshold) if is_prediction else (y != 0)).astype("int64")
        return y.astype("int64")

    def _matrix(self) -> np.ndarray | None:
        counts = self._tallies.read()
        if counts is None:
            return None
        if counts["outside"] > 0:
            raise ValueError(
                f"{self.name}: {int(counts['outside'])} samples had a label outside [0, {self._classes}); "
                f"pass num_classes= covering every class")
        return counts["matrix"]

    def result(self) -> float | np.ndarray:
        matrix = self._matrix()
        return self._score(matrix) if matrix is not None else self._score_of_nothing()

    def _score(self, matrix: np.ndarray) -> float | np.ndarray:
        raise NotImplementedError

    def _score_of_nothing(self) -> float | np.ndarray:
        return 0.0

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "num_classes": self.num_classes, "threshold": self.threshold}


class ConfusionMatrix(_ConfusionBased):
    """The (num_classes x num_classes) matrix of summed sample weights, rows true, columns predicted;
    a float64 NumPy array (all zeros before any update, or an empty (0, 0) array if the number of
    classes is still unknown)."""

    name = "confusion_matrix"
    result_range = (0.0, float("inf"))  # summed (non-negative) sample weights; checked by `range`
    example_configs: tuple[dict[str, Any], ...] = ({}, {"threshold": 0.2})
    reference = _reference.confusion_matrix
    #: By the definition (rows true, columns predicted): one each of (0, 0), (1, 1) and two (1, 0);
    #: weighted, the cell (1, 0) holds 0.5 + 2.
    golden_examples = ({"inputs": ([0, 1, 1, 1], [0.1, 0.9, 0.2, 0.4]), "output": [[1.0, 0.0], [2.0, 1.0]]},
                       {"inputs": ([0, 1, 1, 1], [0.1, 0.9, 0.2, 0.4], [1.0, 3.0, 0.5, 2.0]),
                        "output": [[1.0, 0.0], [2.5, 3.0]]},
                       {"config": {"num_classes": 3}, "inputs": ([0, 2, 1, 2], [0, 2, 2, 1]),
                        "output": [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 1.0]]})

    def _score(self, matrix: np.ndarray) -> np.ndarray:
        return matrix

    def _score_of_nothing(self) -> np.ndarray:
        size = self._classes or 0
        return np.zeros((size, size))


class MatthewsCorrelation(_ConfusionBased):
    """Matthews correlation coefficient (multi-class form of Gorodkin 2004), in [-1, 1].

    0.0 when undefined (all targets or all predictions in one class), as scikit-learn returns.
    """
    result_range = (-1.0, 1.0)  # checked by the conformance suite's `range`

    direction = "up"  # bigger is better: how callbacks read mode="auto"

    name = "matthews_correlation"
    example_configs: tuple[dict[str, Any], ...] = ({}, {"threshold": 0.3})
    reference = _reference.matthews_correlation
    #: scikit-learn's documented example, matthews_corrcoef([1, 1, 1, 0], [1, 0, 1, 1]) = -0.33...
    #: (tp = 2, tn = 0, fp = 1, fn = 1: (0 - 1) / sqrt(3 · 3 · 1 · 1) = -1/3).
    #: Three classes, [0, 1, 2, 2, 0, 1] against [0, 2, 2, 1, 1, 1]: (c·s - Σ p_k t_k) /
    #: sqrt((s² - Σ p_k²)(s² - Σ t_k²)) = (3·6 - 12) / sqrt(22 · 24). A threshold of 0.3 on one column.
    golden_examples = ({"inputs": ([1, 1, 1, 0], [1, 0, 1, 1]), "output": -1 / 3},
                       {"config": {"num_classes": 3}, "inputs": ([0, 1, 2, 2, 0, 1], [0, 2, 2, 1, 1, 1]),
                        "output": 6 / 528 ** 0.5},
                       {"config": {"threshold": 0.3}, "inputs": ([1, 0, 1, 0], [0.4, 0.2, 0.25, 0.1]),
                        "output": 1 / 3 ** 0.5})

    def _score(self, matrix: np.ndarray) -> float:
        true, pred = matrix.sum(axis=1), matrix.sum(axis=0)
        total, correct = matrix.sum(), np.trace(matrix)
        covariance = correct * total - true @ pred
        spread = (total ** 2 - pred @ pred) * (total ** 2 - true @ true)
        return float(divide(covariance, np.sqrt(np.maximum(spread, 0.0))))


class CohenKappa(_ConfusionBased):
    """Cohen's kappa: agreement beyond chance, 1 - Σ w·observed / Σ w·expected, with disagreement
    weights w of 1 off the diagonal (``weightage=None``), |i - j| ('linear') or (i - j)² ('quadratic').

    Undefined only when targets and predictions all fall in one same class (zero expected
    disagreement); the result is then 0.0 (scikit-learn returns nan with a warning unless
    ``replace_undefined_by`` is given; TensorFlow Addons returned 1.0).
    """
    result_range = (-1.0, 1.0)  # checked by the conformance suite's `range`

    direction = "up"  # bigger is better: how callbacks read mode="auto"

    name = "cohen_kappa"
    example_configs: tuple[dict[str, Any], ...] = ({}, {"weightage": "linear"}, {"weightage": "quadratic"},
                                                    {"threshold": 0.3, "weightage": "linear"})
    reference = _reference.cohen_kappa
    #: By the definition (each = scikit-learn's cohen_kappa_score): for [0, 1, 2, 2] against [0, 2, 2, 1],
    #: p_o = 1/2, p_e = (1·1 + 1·1 + 2·2)/16 = 3/8, kappa = (1/2 - 3/8) / (1 - 3/8) = 1/5. For
    #: [0, 1, 2, 2, 0, 1] against [0, 2, 2, 1, 1, 1] (observed off-diagonal cells (0,1), (1,2), (2,1),
    #: row totals 2, 2, 2, column totals 1, 3, 2): unweighted (1/2 - 1/3) / (2/3) = 1/4; linear
    #: 1 - 3/5; quadratic 1 - 3/7; the weighted quadratic value is scikit-learn's. At a threshold of
    #: 0.3 the last example agrees perfectly (at 0.5 it would predict no positive at all).
    golden_examples = ({"config": {"num_classes": 3}, "inputs": ([0, 1, 2, 2], [0, 2, 2, 1]), "output": 0.2},
                       {"config": {"num_classes": 3}, "inputs": ([0, 1, 2, 2, 0, 1], [0, 2, 2, 1, 1, 1]),
                        "output": 0.25},
                       {"config": {"num_classes": 3, "weightage": "linear"},
                        "inputs": ([0, 1, 2, 2, 0, 1], [0, 2, 2, 1, 1, 1]), "output": 0.4},
                       {"config": {"num_classes": 3, "weightage": "quadratic"},
                        "inputs": ([0, 1, 2, 2, 0, 1], [0, 2, 2, 1, 1, 1]), "output": 4 / 7},
                       {"config": {"num_classes": 3, "weightage": "quadratic"},
                        "inputs": ([0, 1, 2, 2, 0, 1], [0, 2, 2, 1, 1, 1], [1, 2, 1, 0.5, 1, 3]),
                        "output": 0.5475285171102662},
                       {"config": {"weightage": "linear", "threshold": 0.3},
                        "inputs": ([1, 0, 1, 0], [0.4, 0.2, 0.35, 0.1]), "output": 1.0})

    def __init__(self, num_classes: int | None = None, weightage: str | None = None, threshold: float = 0.5,
                 name: str | None = None, dtype: str | None = None) -> None:
        self.weightage = checks.one_of("CohenKappa", "weightage", weightage, WEIGHTAGES)
        super().__init__(num_classes=num_classes, threshold=threshold, name=name, dtype=dtype)

    def _score(self, matrix: np.ndarray) -> float:
        total = matrix.sum()
        expected = divide(np.outer(matrix.sum(axis=1), matrix.sum(axis=0)), total)
        i, j = np.indices(matrix.shape)
        if self.weightage is None:
            disagreement = (i != j).astype(np.float64)
        elif self.weightage == "linear":
            disagreement = np.abs(i - j).astype(np.float64)
        else:
            disagreement = ((i - j) ** 2).astype(np.float64)
        expected_disagreement = (disagreement * expected).sum()
        if expected_disagreement == 0:
            return 0.0
        return float(1.0 - (disagreement * matrix).sum() / expected_disagreement)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "weightage": self.weightage}
