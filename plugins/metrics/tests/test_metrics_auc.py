"""AUC: exact mode against scikit-learn, thresholded mode against independent references."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from metrics_strategies import EXAMPLES, binary, classes
from neuropil_metrics.auc import AUC
from sklearn import metrics as skm

SETTINGS = settings(max_examples=EXAMPLES, deadline=None)
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:sklearn.*")


def both_classes(y_true: np.ndarray) -> bool:
    return 0 < y_true.sum() < y_true.size


def keras_thresholds(num: int) -> np.ndarray:
    """Keras's evenly spaced thresholds, written out independently of the implementation."""
    return np.array([-1e-7, *(np.arange(1, num - 1) / (num - 1)), 1 + 1e-7])


@SETTINGS
@given(data=binary())
def test_exact_roc_auc_matches_sklearn(data):
    y_true, y_pred, w = data
    assume(both_classes(y_true))
    value = AUC(num_thresholds=None)(y_true, y_pred, w)
    assert value == pytest.approx(skm.roc_auc_score(y_true.ravel(), y_pred.ravel(), sample_weight=w), abs=1e-6)


@SETTINGS
@given(data=binary())
def test_exact_pr_auc_is_sklearn_average_precision(data):
    y_true, y_pred, w = data
    assume(y_true.sum() > 0)
    value = AUC(num_thresholds=None, curve="PR")(y_true, y_pred, w)
    expected = skm.average_precision_score(y_true.ravel(), y_pred.ravel(), sample_weight=w)
    assert value == pytest.approx(expected, abs=1e-6)


@SETTINGS
@given(data=binary(), num=st.sampled_from([2, 3, 10, 200]))
def test_thresholded_roc_is_exact_auc_of_the_bucketed_scores(data, num):
    """Keras's trapezoid over thresholds equals the exact AUC of the scores replaced by the number of
    thresholds each exceeds: pairs sharing a bucket count as ties. That pins the approximation."""
    y_true, y_pred, w = data
    assume(both_classes(y_true))
    buckets = (y_pred.ravel()[:, None] > keras_thresholds(num)[None, :]).sum(axis=1)
    expected = skm.roc_auc_score(y_true.ravel(), buckets, sample_weight=w)
    assert AUC(num_thresholds=num)(y_true, y_pred, w) == pytest.approx(expected, abs=1e-6)
    # and the approximation error is bounded by the weight of same-bucket positive/negative pairs
    exact = skm.roc_auc_score(y_true.ravel(), y_pred.ravel(), sample_weight=w)
    wt = np.ones(len(y_true)) if w is None else w
    pos, neg = y_true.ravel() == 1, y_true.ravel() == 0
    same = (buckets[pos][:, None] == buckets[neg][None, :]) * wt[pos][:, None] * wt[neg][None, :]
    bound = 0.5 * same.sum() / (wt[pos].sum() * wt[neg].sum())
    assert abs(AUC(num_thresholds=num)(y_true, y_pred, w) - exact) <= bound + 1e-9


def reference_interpolated_pr(y_true: np.ndarray, y_pred: np.ndarray, thresholds: np.ndarray) -> float:
    """Davis & Goadrich by brute force: between thresholds, tp grows linearly with predicted positives
    p; integrate precision = tp(p) / p over recall = tp(p) / positives numerically."""
    tp = np.array([((y_pred > t) & (y_true == 1)).sum() for t in thresholds], float)
    pp = np.array([(y_pred > t).sum() for t in thresholds], float)
    total, area = (y_true == 1).sum(), 0.0
    for i in range(len(thresholds) - 1):
        if tp[i] == tp[i + 1]:
            continue
        p = np.linspace(pp[i + 1], pp[i], 20001)
        slope = (tp[i] - tp[i + 1]) / (pp[i] - pp[i + 1])
        tps = tp[i + 1] + slope * (p - pp[i + 1])
        # at p = 0 (nothing predicted positive yet) precision is its limit, the slope
        precision = np.divide(tps, p, out=np.full_like(p, slope), where=p > 0)
        recall = tps / total
        area += np.sum((precision[1:] + precision[:-1]) / 2 * np.diff(recall))
    return area


@settings(max_examples=15, deadline=None)
@given(data=binary(min_size=2, max_size=30, weighted=False), num=st.sampled_from([3, 11, 50]))
def test_thresholded_pr_interpolation_matches_numeric_integration(data, num):
    y_true, y_pred, _ = data
    assume(y_true.sum() > 0)
    value = AUC(num_thresholds=num, curve="PR")(y_true, y_pred)
    expected = reference_interpolated_pr(y_true.ravel(), y_pred.ravel(), keras_thresholds(num))
    assert value == pytest.approx(expected, abs=1e-6)


@SETTINGS
@given(data=binary(), curve=st.sampled_from(["ROC", "PR"]))
def test_minoring_interpolation_majoring_are_ordered(data, curve):
    y_true, y_pred, w = data
    low, mid, high = (AUC(curve=curve, summation_method=m, num_thresholds=20)(y_true, y_pred, w)
                      for m in ("minoring", "interpolation", "majoring"))
    assert low <= high + 1e-12
    if curve == "ROC":
        assert low - 1e-12 <= mid <= high + 1e-12


@SETTINGS
@given(data=binary(), thresholds=st.lists(st.floats(0.01, 0.99), min_size=1, max_size=8, unique=True))
def test_explicit_thresholds_are_used(data, thresholds):
    y_true, y_pred, w = data
    assume(both_classes(y_true))
    metric = AUC(thresholds=thresholds)
    cut = np.array([-1e-7, *sorted(thresholds), 1 + 1e-7])
    buckets = (y_pred.ravel()[:, None] > cut[None, :]).sum(axis=1)
    assert metric(y_true, y_pred, w) == pytest.approx(skm.roc_auc_score(y_true.ravel(), buckets, sample_weight=w),
                                                      abs=1e-6)


@SETTINGS
@given(data=classes(min_classes=2, max_classes=4), exact=st.booleans(), weighted_labels=st.booleans())
def test_multi_label_averages_per_label_aucs(data, exact, weighted_labels):
    labels, s, w, c = data
    y_true = (np.random.default_rng(c).random(s.shape) < 0.5).astype(float)
    s = s / s.max()
    assume(all(both_classes(y_true[:, j]) for j in range(c)))
    label_weights = list(np.arange(1.0, c + 1)) if weighted_labels else None
    num = None if exact else 1000
    value = AUC(num_thresholds=num, multi_label=True, label_weights=label_weights)(y_true, s, w)
    per_label = []
    for j in range(c):
        scores_ = s[:, j]
        if not exact:
            scores_ = (scores_[:, None] > keras_thresholds(num)[None, :]).sum(axis=1)
        per_label.append(skm.roc_auc_score(y_true[:, j], scores_, sample_weight=w))
    expected = np.average(per_label, weights=label_weights)
    assert value == pytest.approx(expected, abs=1e-6)
    # multi_label=False pools every element into one curve
    if exact:
        pooled = AUC(num_thresholds=None)(y_true, s, w)
        ew = None if w is None else np.repeat(w, c)
        assert pooled == pytest.approx(skm.roc_auc_score(y_true.ravel(), s.ravel(), sample_weight=ew), abs=1e-6)


@SETTINGS
@given(data=binary(), logit_steps=st.lists(st.integers(-160, 160), min_size=1, max_size=60))
def test_from_logits_ranks_like_the_logits(data, logit_steps):
    y_true, _, w = data
    n = min(len(y_true), len(logit_steps))
    y_true, logits = y_true[:n], np.array(logit_steps[:n], float).reshape(-1, 1) / 8
    w = None if w is None else w[:n]
    assume(both_classes(y_true))
    value = AUC(num_thresholds=None, from_logits=True)(y_true, logits, w)
    assert value == pytest.approx(skm.roc_auc_score(y_true.ravel(), logits.ravel(), sample_weight=w), abs=1e-6)


def test_bad_arguments_fail_early():
    for kwargs in ({"curve": "DET"}, {"summation_method": "simpson"}, {"num_thresholds": 1}):
        with pytest.raises(ValueError):
            AUC(**kwargs)
