"""Regression metrics: RMSE, MAPE and log-cosh error (per-sample means, via the core's
MeanMetricWrapper) and R² (its own streaming moments).

Per-sample values are averaged over every non-batch axis, then weighted over samples (Keras's
``MeanMetricWrapper`` semantics); 1-D inputs are one value per sample. Values are computed in float64.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from neuropil import checks
from neuropil.base.backend import array_module
from neuropil.base.metric import MeanMetricWrapper, Metric

from . import reference_metrics as _reference
from ._tally import FLOAT, aligned, broadcast_weights, divide, to_host

#: Keras's fuzz factor: |y_true| below it is treated as it in MAPE's denominator.
EPSILON = 1e-7


def _per_sample(values: Any) -> Any:
    """The mean over every non-batch axis (explicit sizes, so an empty batch reshapes too)."""
    return values.reshape(values.shape[0], math.prod(values.shape[1:])).mean(axis=1)


def _difference(y_true: Any, y_pred: Any) -> tuple[Any, Any, Any]:
    xp = array_module(y_pred)
    y_true, y_pred = aligned(xp, y_true, y_pred)
    return xp, y_true.astype(FLOAT), y_pred.astype(FLOAT)


def squared_error(y_true: Any, y_pred: Any) -> Any:
    """Per-sample mean squared error."""
    _, y_true, y_pred = _difference(y_true, y_pred)
    return _per_sample((y_pred - y_true) ** 2)


def mean_absolute_percentage_error(y_true: Any, y_pred: Any) -> Any:
    """Per-sample 100 * mean |y_true - y_pred| / max(|y_true|, 1e-7), in percent like Keras."""
    xp, y_true, y_pred = _difference(y_true, y_pred)
    return 100.0 * _per_sample(xp.abs(y_true - y_pred) / xp.maximum(xp.abs(y_true), EPSILON))


def log_cosh_error(y_true: Any, y_pred: Any) -> Any:
    """Per-sample mean log(cosh(y_pred - y_true)), computed as |x| + log1p(exp(-2|x|)) - log 2 so that
    large errors neither overflow nor lose precision."""
    xp, y_true, y_pred = _difference(y_true, y_pred)
    x = xp.abs(y_pred - y_true)
    return _per_sample(x + xp.log1p(xp.exp(-2.0 * x)) - math.log(2.0))


class _Mean(MeanMetricWrapper):
    """A MeanMetricWrapper whose class fixes the function, so configs name the class, not a function."""

    direction = "down"  # bigger is worse: how callbacks read mode="auto"

    function: Callable[..., Any]

    def __init__(self, name: str | None = None, dtype: str | None = None) -> None:
        super().__init__(type(self).function, name=name or type(self).name, dtype=dtype)


class MeanAbsolutePercentageError(_Mean):
    """Mean absolute percentage error, in percent."""
    result_range = (0.0, float("inf"))  # checked by the conformance suite's `range`

    name = "mean_absolute_percentage_error"
    reference = _reference.mean_absolute_percentage_error
    #: Keras's documented example (keras/src/metrics/regression_metrics.py).
    golden_examples = ({"inputs": ([[0, 1], [0, 0]], [[1, 1], [0, 0]]), "output": 250000000.0},
                       {"inputs": ([[0, 1], [0, 0]], [[1, 1], [0, 0]], [1, 0]), "output": 500000000.0})
    function = staticmethod(mean_absolute_percentage_error)


class LogCoshError(_Mean):
    """Mean log-cosh of the error: about x²/2 for small errors, |x| - log 2 for large ones."""
    result_range = (0.0, float("inf"))  # checked by the conformance suite's `range`

    name = "log_cosh_error"
    reference = _reference.log_cosh_error
    #: Keras's documented example (keras/src/metrics/regression_metrics.py).
    golden_examples = ({"inputs": ([[0, 1], [0, 0]], [[1, 1], [0, 0]]), "output": 0.10844523},
                       {"inputs": ([[0, 1], [0, 0]], [[1, 1], [0, 0]], [1, 0]), "output": 0.21689045})
    function = staticmethod(log_cosh_error)


class RootMeanSquaredError(_Mean):
    """Square root of the (weighted) mean squared error over all elements."""
    result_range = (0.0, float("inf"))  # checked by the conformance suite's `range`

    name = "root_mean_squared_error"
    reference = _reference.root_mean_squared_error
    #: Keras's documented example (keras/src/metrics/regression_metrics.py).
    golden_examples = ({"inputs": ([[0, 1], [0, 0]], [[1, 1], [0, 0]]), "output": 0.5},
                       {"inputs": ([[0, 1], [0, 0]], [[1, 1], [0, 0]], [1, 0]), "output": 0.70710677})
    function = staticmethod(squared_error)

    def result(self) -> float:
        return math.sqrt(max(super().result(), 0.0))


AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")


class R2Score(Metric):
    """Coefficient of determination, 1 - SS_res / SS_tot, per output column, then aggregated.

    The total sum of squares is merged batch by batch from each batch's weighted mean and centred sum
    of squares (Chan et al.), which avoids the cancellation of sum(y²) - n·mean² and so matches a
    one-shot computation to ~1e-12. Keras 3's arguments: ``class_aggregation`` (None: one score per
    output, a NumPy array; 'uniform_average'; 'variance_weighted_average') and ``num_regressors`` for
    the adjusted R² (left unadjusted when num_regressors >= samples - 1; Keras warns there, this stays
    silent).

    A constant target column (its min equals its max) has no variance: it scores 1.0 if predicted
    exactly, else 0.0 (scikit-learn's ``force_finite``). Before any update the result is 0.0.
    """
    result_range = (-float("inf"), 1.0)  # checked by the conformance suite's `range`

    direction = "up"  # bigger is better: how callbacks read mode="auto"

    name = "r2_score"
    example_configs: tuple[dict[str, Any], ...] = ({}, {"class_aggregation": None, "num_regressors": 1},
                                                    {"class_aggregation": "variance_weighted_average"},
                                                    {"class_aggregation": "variance_weighted_average",
                                                     "num_regressors": 2},
                                                    {"num_regressors": 1})
    reference = _reference.r2_score
    #: Keras's documented example (keras/src/metrics/regression_metrics.py).
    golden_examples = ({"inputs": ([[1], [4], [3]], [[2], [4], [4]]), "output": 0.57142854},)

    def __init__(self, class_aggregation: str | None = "uniform_average", num_regressors: int = 0,
                 name: str | None = None, dtype: str | None = None) -> None:
        self.class_aggregation = checks.one_of("R2Score", "class_aggregation", class_aggregation, AGGREGATIONS)
        self.num_regressors = checks.integer("R2Score", "num_regressors", num_regressors, minimum=0)
        super().__init__(name=name, dtype=dtype)

    def reset_state(self) -> None:
        self._moments: dict[str, Any] | None = None  # weight, mean, centred SS, residual SS, min, max
        self._rows = 0  # shapes are host metadata: counting rows needs no device sync

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        xp = array_module(y_pred)
        y_true, y_pred = aligned(xp, y_true, y_pred)
        if y_pred.ndim == 1:
            y_true, y_pred = y_true.reshape(-1, 1), y_pred.reshape(-1, 1)
        if y_pred.shape[0] == 0:  # nothing to pool (and min/max of nothing is undefined)
            return
        y_true, y_pred = y_true.astype(FLOAT), y_pred.astype(FLOAT)
        w = broadcast_weights(xp, sample_weight, y_pred.shape)
        weight = w.sum(axis=0)
        mean = (w * y_true).sum(axis=0) / xp.where(weight > 0, weight, 1.0)
        batch = {"weight": weight, "mean": mean, "centred": (w * (y_true - mean) ** 2).sum(axis=0),
                 "residual": (w * (y_true - y_pred) ** 2).sum(axis=0),
                 "min": y_true.min(axis=0), "max": y_true.max(axis=0)}
        self._rows += y_pred.shape[0]
        self._moments = batch if self._moments is None else _merge(xp, self._moments, batch)

    def result(self) -> float | np.ndarray:
        if self._moments is None:
            return 0.0
        m = {key: to_host(value) for key, value in self._moments.items()}
        # no variance: a constant column, or one whose deviations (1e-200) square to nothing
        constant = (m["min"] == m["max"]) | (m["centred"] == 0)
        total = np.where(constant, 0.0, m["centred"])
        residual = m["residual"]
        scores = np.where(constant, np.where(residual == 0, 1.0, 0.0), 1.0 - divide(residual, total))
        if self.class_aggregation is None:
            return self._adjusted(scores)
        if self.class_aggregation == "variance_weighted_average":
            if total.sum() == 0:
                score = 1.0 if np.all(residual == 0) else 0.0
            else:
                score = float((scores * total).sum() / total.sum())
        else:
            score = float(scores.mean())
        return float(self._adjusted(np.asarray(score)))

    def _adjusted(self, scores: np.ndarray) -> np.ndarray:
        """The adjusted R², 1 - (1 - R²)(n - 1)/(n - p - 1), of an aggregate or of every output alike
        (Keras applies it to whatever the aggregation left); unadjusted where p >= n - 1."""
        rows = self._rows
        if 0 < self.num_regressors < rows - 1:
            return 1.0 - (1.0 - scores) * (rows - 1) / (rows - self.num_regressors - 1)
        return scores

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}


def _merge(xp: Any, a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Pool two sets of weighted moments (Chan, Golub & LeVeque's parallel update)."""
    weight = a["weight"] + b["weight"]
    safe = xp.where(weight > 0, weight, 1.0)
    delta = b["mean"] - a["mean"]
    return {"weight": weight, "mean": a["mean"] + delta * b["weight"] / safe,
            "centred": a["centred"] + b["centred"] + delta ** 2 * a["weight"] * b["weight"] / safe,
            "residual": a["residual"] + b["residual"],
            "min": xp.minimum(a["min"], b["min"]), "max": xp.maximum(a["max"], b["max"])}
