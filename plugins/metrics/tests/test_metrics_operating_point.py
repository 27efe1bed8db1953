"""SensitivityAtSpecificity, SpecificityAtSensitivity, PrecisionAtRecall, RecallAtPrecision against
scikit-learn's roc_curve / precision_recall_curve, Keras's documented examples, and argument checks.

Scores are drawn halfway between the metric's thresholds, so its operating points are exactly the
ones scikit-learn's curves list (one per distinct score, plus "nothing positive"); the reference is
then the best rate among scikit-learn's points whose other rate reaches the target.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from metrics_strategies import EXAMPLES
from neuropil.errors import ArgumentError
from neuropil_metrics.operating_point import (
    PrecisionAtRecall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
)
from sklearn.metrics import precision_recall_curve, roc_curve

SETTINGS = settings(max_examples=EXAMPLES, deadline=None)
CLASSES = [SensitivityAtSpecificity, SpecificityAtSensitivity, PrecisionAtRecall, RecallAtPrecision]


@st.composite
def between_thresholds(draw, num_thresholds: int) -> tuple:
    """Labels with both classes, scores halfway between grid thresholds i/(n-1), weights or None."""
    n = draw(st.integers(2, 50))
    y_true = draw(hnp.arrays(np.float64, (n,), elements=st.sampled_from([0.0, 1.0])))
    assume(0 < y_true.sum() < n)
    buckets = draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, num_thresholds - 2)))
    y_pred = (buckets + 0.5) / (num_thresholds - 1)
    w = draw(st.none() | hnp.arrays(np.float64, (n,), elements=st.floats(0.1, 3.0)))
    return y_true, y_pred, w


def sklearn_points(y_true, y_pred, w) -> dict[str, np.ndarray]:
    """Every operating point's sensitivity, specificity and precision from scikit-learn's curves."""
    fpr, tpr, _ = roc_curve(y_true, y_pred, sample_weight=w, drop_intermediate=False)
    precision, recall, _ = precision_recall_curve(y_true, y_pred, sample_weight=w)
    return {"sensitivity": tpr, "specificity": 1.0 - fpr, "pr_recall": recall, "precision": precision}


def best(constrained, dependent, target):
    feasible = constrained >= target
    return float(dependent[feasible].max()) if feasible.any() else 0.0


@SETTINGS
@given(data=st.data(), num_thresholds=st.sampled_from([3, 7, 200]), target=st.floats(0.05, 0.95),
       cls=st.sampled_from(CLASSES))
def test_matches_sklearn_curves(data, num_thresholds, target, cls):
    y_true, y_pred, w = data.draw(between_thresholds(num_thresholds), label="data")
    points = sklearn_points(y_true, y_pred, w)
    constrained, dependent = {
        SensitivityAtSpecificity: ("specificity", "sensitivity"),
        SpecificityAtSensitivity: ("sensitivity", "specificity"),
        PrecisionAtRecall: ("pr_recall", "precision"),
        RecallAtPrecision: ("precision", "pr_recall"),
    }[cls]
    assume(np.all(np.abs(points[constrained] - target) > 1e-9))  # a point on the target is rounding's call
    metric = cls(target, num_thresholds=num_thresholds)
    metric.update_state(y_true, y_pred, w)
    assert metric.result() == pytest.approx(best(points[constrained], points[dependent], target), abs=1e-9)


@pytest.mark.parametrize(("cls", "target", "y_true", "y_pred", "plain", "weights", "weighted"), [
    # the examples of Keras's documentation
    (SensitivityAtSpecificity, 0.5, [0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8], 0.5, [1, 1, 2, 2, 1], 1 / 3),
    (SpecificityAtSensitivity, 0.5, [0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8], 2 / 3, [1, 1, 2, 2, 2], 0.5),
    (PrecisionAtRecall, 0.5, [0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8], 0.5, [2, 2, 2, 1, 1], 1 / 3),
    (RecallAtPrecision, 0.8, [0, 0, 1, 1], [0, 0.5, 0.3, 0.9], 0.5, [1, 0, 0, 1], 1.0),
])
def test_keras_documented_examples(cls, target, y_true, y_pred, plain, weights, weighted):
    metric = cls(target)
    metric.update_state(np.array(y_true), np.array(y_pred))
    assert metric.result() == pytest.approx(plain, abs=1e-6)
    metric.reset_state()
    metric.update_state(np.array(y_true), np.array(y_pred), sample_weight=np.array(weights, dtype=float))
    assert metric.result() == pytest.approx(weighted, abs=1e-6)


@pytest.mark.parametrize("cls", CLASSES)
def test_class_id_scores_one_column_alone(cls):
    rng = np.random.default_rng(4)
    y_true, y_pred = np.eye(3)[rng.integers(0, 3, 60)], rng.random((60, 3))
    column = cls(0.6, num_thresholds=50)
    column.update_state(y_true[:, 1], y_pred[:, 1])
    chosen = cls(0.6, num_thresholds=50, class_id=1)
    chosen.update_state(y_true, y_pred)
    everything = cls(0.6, num_thresholds=50)
    everything.update_state(y_true, y_pred)
    assert chosen.result() == column.result()
    assert chosen.result() != everything.result()  # the data are such that the columns differ


def test_an_unreachable_target_gives_zero():
    metric = RecallAtPrecision(1.0)  # every threshold lets a negative through: precision < 1 everywhere
    metric.update_state(np.array([1.0, 0.0, 1.0]), np.array([0.2, 0.9, 0.6]))
    assert metric.result() == 0.0


@pytest.mark.parametrize("cls", CLASSES)
def test_bad_arguments_name_the_metric_and_the_argument(cls):
    argument = cls.target_argument
    with pytest.raises(ArgumentError, match=f"{cls.__name__} expects {argument} to be a finite number in \\[0, 1\\]"):
        cls(1.5)
    with pytest.raises(ArgumentError, match=f"{cls.__name__} expects num_thresholds to be a positive integer"):
        cls(0.5, num_thresholds=0)
    assert cls(0.25).get_config()[argument] == 0.25 and getattr(cls(0.25), argument) == 0.25


@pytest.mark.parametrize("weight", [0.1, 0.3, 0.7])
def test_a_rate_exactly_at_the_target_reaches_it_whatever_the_weights(weight):
    """One positive and one negative above the threshold, two negatives below, all of weight w:
    precision there is w / (w + w) = 0.5 exactly, so RecallAtPrecision(0.5) finds recall 1 (the sums
    above a threshold must not carry the rounding of a total minus a running sum)."""
    y_true = np.array([[0.0, 0.0], [0.0, 1.0]])
    y_pred = np.array([[0.25, 0.25], [0.5, 0.5]])
    metric = RecallAtPrecision(0.5)
    metric.update_state(y_true, y_pred, np.full(2, weight))
    assert metric.result() == 1.0
