"""Degenerate inputs give the documented values and never warn (every warning is an error here)."""
from __future__ import annotations

import numpy as np
import pytest
from metrics_cases import CASES, IDS
from neuropil_metrics.agreement import CohenKappa, ConfusionMatrix, MatthewsCorrelation
from neuropil_metrics.auc import AUC
from neuropil_metrics.confusion import Precision, Recall
from neuropil_metrics.fscore import F1Score
from neuropil_metrics.regression import R2Score

pytestmark = pytest.mark.filterwarnings("error")

ONES, ZEROS = np.ones((6, 1)), np.zeros((6, 1))
SCORES = np.linspace(0, 1, 6).reshape(-1, 1)


@pytest.mark.parametrize(("label", "factory", "make"), CASES, ids=IDS)
def test_result_before_any_update_is_zero(label, factory, make):
    value = factory().result()
    assert np.all(np.asarray(value) == 0.0)


@pytest.mark.parametrize(("label", "factory", "make"), CASES, ids=IDS)
@pytest.mark.parametrize("kind", ["all_true_zero", "all_true_one", "constant_pred", "all_zero"])
def test_one_class_and_constant_predictions_are_finite(label, factory, make, kind):
    y_true, y_pred = make(np.random.default_rng(11), 12)
    if kind in ("all_true_zero", "all_zero"):
        y_true = np.zeros_like(y_true)
    if kind == "all_true_one":
        y_true = np.ones_like(y_true)
    if kind in ("constant_pred", "all_zero"):
        y_pred = np.full_like(y_pred, 0.0 if kind == "all_zero" else 0.5)
    value = np.asarray(factory()(y_true, y_pred), dtype=float)
    assert np.all(np.isfinite(value))


def test_documented_conventions():
    assert Precision()(ONES, ZEROS) == 0.0                   # nothing predicted positive
    assert Recall()(ZEROS, SCORES) == 0.0                    # no positive label
    assert F1Score()(ZEROS, ZEROS) == 0.0                    # no positive, none predicted
    for num in (200, None):
        for curve in ("ROC", "PR"):
            assert AUC(num_thresholds=num, curve=curve)(ZEROS, SCORES) == 0.0   # no positive label
        assert AUC(num_thresholds=num)(ONES, SCORES) == 0.0                      # no negative label
        assert AUC(num_thresholds=num)(np.array([0, 1, 0, 1]), np.full(4, 0.3)) == 0.5  # all tied
    assert MatthewsCorrelation()(SCORES > 0.5, np.full((6, 1), 0.9)) == 0.0  # constant predictions
    assert CohenKappa()(ONES, ONES) == 0.0                   # one class, perfect agreement: undefined
    assert CohenKappa()(SCORES > 0.5, SCORES) == 1.0
    assert R2Score()(np.full(5, 2.0), np.full(5, 2.0)) == 1.0  # constant target predicted exactly
    assert R2Score()(np.full(5, 2.0), np.arange(5.0)) == 0.0   # constant target missed
    assert R2Score()(np.array([3.0]), np.array([1.0])) == 0.0  # one sample is a constant target
    np.testing.assert_array_equal(ConfusionMatrix(num_classes=3).result(), np.zeros((3, 3)))


def test_empty_batches_change_nothing():
    for label, factory, make in CASES:
        y_true, y_pred = make(np.random.default_rng(2), 10)
        metric = factory()
        metric.update_state(y_true[:0], y_pred[:0])
        metric.update_state(y_true, y_pred)
        metric.update_state(y_true[:0], y_pred[:0])
        np.testing.assert_allclose(metric.result(), factory()(y_true, y_pred), err_msg=label)
