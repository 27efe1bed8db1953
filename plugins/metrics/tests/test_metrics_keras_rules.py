"""Keras 3 rules where neuropil used to disagree or lacked the argument: AUC's PRGAIN curve, top_k
keeping exactly k entries, SparseTopKCategoricalAccuracy's from_sorted_ids, R2Score's adjustment per
output, and ``metric(y_true, y_pred)`` accumulating."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from metrics_strategies import EXAMPLES, binary
from neuropil_metrics.auc import AUC
from neuropil_metrics.confusion import Precision, Recall
from neuropil_metrics.regression import R2Score
from neuropil_metrics.topk import SparseTopKCategoricalAccuracy
from sklearn.metrics import r2_score

SETTINGS = settings(max_examples=EXAMPLES, deadline=None)


# -- AUC(curve="PRGAIN") ---------------------------------------------------------------------------
def gain_curve_area(y_true, y_pred, w, thresholds) -> float:
    """Slow reference: counts by a loop at each threshold, then Flach & Kull's gains in their own
    form, (rate - π) / ((1 - π) · rate), and the trapezoid rule over recall gain."""
    w = np.ones(len(y_true)) if w is None else w
    points = []
    for t in thresholds:
        tp = sum(wi for yi, pi, wi in zip(y_true, y_pred, w) if yi == 1 and pi > t)
        fp = sum(wi for yi, pi, wi in zip(y_true, y_pred, w) if yi == 0 and pi > t)
        positives = sum(wi for yi, wi in zip(y_true, w) if yi == 1)
        negatives = sum(wi for yi, wi in zip(y_true, w) if yi == 0)
        pi_ = positives / (positives + negatives)
        if tp == 0:  # Keras's convention where both gains are undefined
            points.append((0.0, 1.0))
            continue
        recall, precision = tp / positives, tp / (tp + fp)
        points.append((max((recall - pi_) / ((1 - pi_) * recall), 0.0), (precision - pi_) / ((1 - pi_) * precision)))
    return sum((x0 - x1) * (y0 + y1) / 2 for (x0, y0), (x1, y1) in zip(points, points[1:]))


@SETTINGS
@given(data=binary(min_size=2), num_thresholds=st.sampled_from([3, 10, 200]))
def test_prgain_auc_matches_the_gain_curve_formula(data, num_thresholds):
    y_true, y_pred, w = data
    y_true, y_pred = y_true.ravel(), y_pred.ravel()
    if not 0 < y_true.sum() < len(y_true):
        y_true[:2] = [0.0, 1.0]  # the gains need both classes
    metric = AUC(num_thresholds=num_thresholds, curve="PRGAIN")
    metric.update_state(y_true, y_pred, w)
    assert metric.result() == pytest.approx(gain_curve_area(y_true, y_pred, w, metric.thresholds), abs=1e-9)
    exact = AUC(num_thresholds=None, curve="PRGAIN")
    exact.update_state(y_true, y_pred, w)
    every_score = [-np.inf, *np.unique(y_pred)]
    assert exact.result() == pytest.approx(gain_curve_area(y_true, y_pred, w, every_score), abs=1e-9)


def test_prgain_auc_of_a_perfect_ranking_is_one():
    metric = AUC(curve="prgain")  # case-insensitive, as 'ROC' and 'PR' are
    metric.update_state(np.array([0, 1, 1, 0, 1]), np.array([0.1, 0.8, 0.9, 0.3, 0.7]))
    assert metric.curve == "PRGAIN" and metric.result() == pytest.approx(1.0)


# -- top_k: exactly k per row ----------------------------------------------------------------------
def test_top_k_follows_keras_documented_examples():
    for k, expected in ((2, 0.0), (4, 0.5)):  # Keras's Precision docstring: ties keep the lower index
        metric = Precision(top_k=k)
        metric.update_state(np.array([0, 0, 1, 1]), np.array([1.0, 1.0, 1.0, 1.0]))
        assert metric.result() == expected


@SETTINGS
@given(y_true=hnp.arrays(np.float64, (6, 5), elements=st.sampled_from([0.0, 1.0])),
       y_pred=hnp.arrays(np.float64, (6, 5), elements=st.sampled_from([0.1, 0.4, 0.6, 0.9])),
       k=st.integers(1, 4), cls=st.sampled_from([Precision, Recall]))
def test_top_k_keeps_the_k_best_of_each_row_lower_index_first(y_true, y_pred, k, cls):
    tp = fp = fn = 0.0
    for truth, scores in zip(y_true, y_pred):  # a slow loop over rows, ranking by (-score, index)
        kept = set(sorted(range(5), key=lambda j: (-scores[j], j))[:k])
        predicted = [j in kept and scores[j] > 0.5 for j in range(5)]
        tp += sum(p and t == 1 for p, t in zip(predicted, truth))
        fp += sum(p and t == 0 for p, t in zip(predicted, truth))
        fn += sum(not p and t == 1 for p, t in zip(predicted, truth))
    other = fp if cls is Precision else fn
    expected = tp / (tp + other) if tp + other else 0.0
    metric = cls(top_k=k, thresholds=0.5)
    metric.update_state(y_true, y_pred)
    assert metric.result() == pytest.approx(expected, abs=1e-12)


# -- SparseTopKCategoricalAccuracy(from_sorted_ids=True) -------------------------------------------
@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 30), k=st.integers(1, 5))
def test_sorted_ids_give_the_accuracy_of_the_scores_they_come_from(seed, n, k):
    rng = np.random.default_rng(seed)
    labels, scores = rng.integers(0, 8, n), rng.random((n, 8))  # continuous: no ties
    w = rng.uniform(0.1, 2.0, n)
    top_ids = np.argsort(-scores, axis=1)[:, :5]  # the model returns its 5 best ids, best first
    expected = np.average([labels[i] in top_ids[i, :k] for i in range(n)], weights=w)
    from_ids = SparseTopKCategoricalAccuracy(k=k, from_sorted_ids=True)(labels, top_ids, w)
    from_scores = SparseTopKCategoricalAccuracy(k=k)(labels, scores, w)
    assert from_ids == pytest.approx(expected, rel=1e-12) and from_scores == pytest.approx(expected, rel=1e-12)


def test_from_sorted_ids_is_in_the_config_and_checked():
    metric = SparseTopKCategoricalAccuracy(k=3, from_sorted_ids=True)
    assert metric.get_config()["from_sorted_ids"] is True and metric.from_sorted_ids
    with pytest.raises(TypeError, match="SparseTopKCategoricalAccuracy expects from_sorted_ids to be True or False"):
        SparseTopKCategoricalAccuracy(from_sorted_ids=1)


# -- R2Score: adjusted per output ------------------------------------------------------------------
@pytest.mark.parametrize("p", [1, 3])
def test_adjusted_r2_per_output_applies_the_adjustment_to_each_output(p):
    rng = np.random.default_rng(5)
    y = rng.normal(size=(40, 3)) * [1.0, 2.0, 3.0]
    predicted = y + rng.normal(size=(40, 3))
    raw = r2_score(y, predicted, multioutput="raw_values")
    adjusted = 1 - (1 - raw) * (40 - 1) / (40 - p - 1)
    per_output = R2Score(class_aggregation=None, num_regressors=p)
    per_output.update_state(y, predicted)
    np.testing.assert_allclose(per_output.result(), adjusted, rtol=1e-10)
    averaged = R2Score(num_regressors=p)
    averaged.update_state(y, predicted)
    assert averaged.result() == pytest.approx(1 - (1 - raw.mean()) * 39 / (39 - p), rel=1e-10)


# -- metric(y_true, y_pred) ------------------------------------------------------------------------
def test_calling_a_metric_accumulates_like_keras():
    metric = Precision()
    assert metric(np.array([1, 0]), np.array([0.9, 0.8])) == 0.5  # Keras: update_state, then result()
    assert metric(np.array([1]), np.array([0.7])) == pytest.approx(2 / 3)  # 2 of the 3 predicted positives
    metric.reset_state()
    assert metric(np.array([1]), np.array([0.7])) == 1.0


# -- names in compile's logs -----------------------------------------------------------------------
def test_a_string_metric_logs_under_that_string_without_a_distribution_prefix():
    from neuropil.layers import Dense
    from neuropil.models import Sequential

    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(30, 2)), (rng.random((30, 1)) < 0.5).astype(float)
    model = Sequential([Dense(1, input_dim=2, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy",
                  metrics=["neuropil-metrics:true_positives", "FalsePositives", "bce"])
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert list(logs) == ["loss", "true_positives", "FalsePositives", "bce"]
    predicted = model.predict(x, verbose=0) > 0.5
    assert logs["true_positives"] == float(np.sum(predicted & (y == 1)))
    assert logs["FalsePositives"] == float(np.sum(predicted & (y == 0)))
    assert logs["bce"] == pytest.approx(logs["loss"], rel=1e-4)
