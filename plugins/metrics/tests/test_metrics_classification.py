"""Precision, Recall, F-scores, top-k accuracy, MCC, kappa and confusion matrix against scikit-learn."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from metrics_strategies import EXAMPLES, binary, classes, one_hot, scores
from neuropil_metrics.agreement import CohenKappa, ConfusionMatrix, MatthewsCorrelation
from neuropil_metrics.confusion import Precision, Recall
from neuropil_metrics.fscore import F1Score, FBetaScore
from neuropil_metrics.topk import SparseTopKCategoricalAccuracy, TopKCategoricalAccuracy
from sklearn import metrics as skm

SETTINGS = settings(max_examples=EXAMPLES, deadline=None)
# scikit-learn warns about the degenerate draws it is compared on; our metrics must not (see degenerate tests)
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:sklearn.*")
SK_RATE = {Precision: skm.precision_score, Recall: skm.recall_score}


@SETTINGS
@given(data=binary(), thresholds=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=3),
       as_list=st.booleans(), cls=st.sampled_from([Precision, Recall]))
def test_precision_recall_match_sklearn(data, thresholds, as_list, cls):
    y_true, y_pred, w = data
    chosen = thresholds if as_list else thresholds[0]
    value = cls(thresholds=chosen)(y_true, y_pred, w)
    expected = [SK_RATE[cls](y_true.ravel(), y_pred.ravel() > t, sample_weight=w, zero_division=0.0)
                for t in np.atleast_1d(chosen)]
    if as_list and len(thresholds) > 1:
        np.testing.assert_allclose(value, expected, atol=1e-6)
    else:
        assert isinstance(value, float)
        assert value == pytest.approx(expected[0], abs=1e-6)


@SETTINGS
@given(data=classes(), cls=st.sampled_from([Precision, Recall]), use_class=st.booleans())
def test_multi_label_counts_every_element_or_one_class(data, cls, use_class):
    labels, s, w, c = data
    y_true = (np.random.default_rng(len(labels)).random((len(labels), c)) < 0.4).astype(float)
    class_id = int(labels[0]) if use_class else None
    value = cls(class_id=class_id)(y_true, s, w)
    if use_class:
        expected = SK_RATE[cls](y_true[:, class_id], s[:, class_id] > 0.5, sample_weight=w, zero_division=0.0)
    else:
        ew = None if w is None else np.repeat(w, c)
        expected = SK_RATE[cls](y_true.ravel(), s.ravel() > 0.5, sample_weight=ew, zero_division=0.0)
    assert value == pytest.approx(expected, abs=1e-6)


@SETTINGS
@given(data=classes(min_classes=3), k=st.integers(1, 4), cls=st.sampled_from([Precision, Recall]))
def test_top_k_keeps_only_the_k_highest_scores(data, k, cls):
    labels, s, w, c = data
    y_true = one_hot(labels, c)
    rank = np.argsort(np.argsort(-s, axis=1), axis=1)  # 0 = highest; scores have no ties
    predicted = rank < k
    ew = None if w is None else np.repeat(w, c)
    expected = SK_RATE[cls](y_true.ravel(), predicted.ravel(), sample_weight=ew, zero_division=0.0)
    assert cls(top_k=k)(y_true, s, w) == pytest.approx(expected, abs=1e-6)


@SETTINGS
@given(data=classes(), average=st.sampled_from([None, "micro", "macro", "weighted"]),
       beta=st.sampled_from([0.5, 1.0, 2.0]))
def test_fbeta_argmax_mode_matches_sklearn(data, average, beta):
    labels, s, w, c = data
    predicted = one_hot(np.argmax(s, axis=1), c)
    value = FBetaScore(average=average, beta=beta)(one_hot(labels, c), s, w)
    expected = skm.fbeta_score(one_hot(labels, c), predicted, beta=beta, average=average,
                               sample_weight=w, zero_division=0.0)
    np.testing.assert_allclose(value, expected, atol=1e-6)
    if average is not None:
        assert isinstance(value, float)


@SETTINGS
@given(data=classes(), average=st.sampled_from([None, "micro", "macro", "weighted"]),
       threshold=st.floats(0.05, 0.95))
def test_f1_multi_label_threshold_mode_matches_sklearn(data, average, threshold):
    labels, s, w, c = data
    y_true = (np.random.default_rng(c).random(s.shape) < 0.5).astype(float)
    value = F1Score(average=average, threshold=threshold)(y_true, s, w)
    expected = skm.f1_score(y_true, s > threshold, average=average, sample_weight=w, zero_division=0.0)
    np.testing.assert_allclose(value, expected, atol=1e-6)


@SETTINGS
@given(data=binary(), threshold=st.one_of(st.none(), st.floats(0.0, 1.0)),
       average=st.sampled_from([None, "micro", "macro", "weighted"]))
def test_fbeta_binary_mode_thresholds_one_sigmoid_column(data, threshold, average):
    y_true, y_pred, w = data
    value = FBetaScore(average=average, beta=2.0, threshold=threshold)(y_true, y_pred, w)
    cut = 0.5 if threshold is None else threshold
    expected = skm.fbeta_score(y_true.ravel(), y_pred.ravel() > cut, beta=2.0, sample_weight=w, zero_division=0.0)
    assert isinstance(value, float)
    assert value == pytest.approx(expected, abs=1e-6)


@SETTINGS
@given(data=classes(min_classes=3, max_classes=8), k=st.integers(1, 9))
def test_top_k_accuracy_matches_sklearn(data, k):
    labels, s, w, c = data
    dense = TopKCategoricalAccuracy(k=k)(one_hot(labels, c), s, w)
    sparse = SparseTopKCategoricalAccuracy(k=k)(labels.reshape(-1, 1), s, w)
    expected = 1.0 if k >= c else skm.top_k_accuracy_score(labels, s, k=k, labels=np.arange(c), sample_weight=w)
    assert dense == pytest.approx(expected, abs=1e-6)
    assert sparse == pytest.approx(expected, abs=1e-6)


def test_top_k_ties_at_the_kth_place_count_as_hits():
    scores_ = np.array([[0.5, 0.5, 0.1], [0.1, 0.2, 0.7]])
    assert SparseTopKCategoricalAccuracy(k=1)(np.array([1, 0]), scores_) == 0.5


@SETTINGS
@given(data=classes(), as_scores=st.booleans(),
       weightage=st.sampled_from([None, "linear", "quadratic"]))
def test_agreement_metrics_match_sklearn(data, as_scores, weightage):
    labels, s, w, c = data
    pred_labels = np.argmax(s, axis=1)
    # predictions either as a score matrix (arg-max) or as integer labels (one column)
    y_pred = s if as_scores else pred_labels.astype(float)
    y_true = one_hot(labels, c) if as_scores else labels
    matrix = ConfusionMatrix(num_classes=c)(y_true, y_pred, w)
    np.testing.assert_allclose(matrix, skm.confusion_matrix(labels, pred_labels, labels=np.arange(c),
                                                            sample_weight=w), atol=1e-9)
    assert MatthewsCorrelation(num_classes=c)(y_true, y_pred, w) == pytest.approx(
        skm.matthews_corrcoef(labels, pred_labels, sample_weight=w), abs=1e-6)
    kappa = CohenKappa(num_classes=c, weightage=weightage)(y_true, y_pred, w)
    # labels= so that linear/quadratic distances are between class ids, not between the classes seen
    expected = skm.cohen_kappa_score(labels, pred_labels, labels=np.arange(c), weights=weightage, sample_weight=w,
                                     replace_undefined_by=0.0)
    assert kappa == pytest.approx(expected, abs=1e-6)


@SETTINGS
@given(data=binary())
def test_agreement_metrics_threshold_a_sigmoid_column(data):
    y_true, y_pred, w = data
    t, p = y_true.ravel().astype(int), (y_pred.ravel() > 0.5).astype(int)
    assert MatthewsCorrelation()(y_true, y_pred, w) == pytest.approx(
        skm.matthews_corrcoef(t, p, sample_weight=w), abs=1e-6)
    np.testing.assert_allclose(ConfusionMatrix()(y_true, y_pred, w),
                               skm.confusion_matrix(t, p, labels=[0, 1], sample_weight=w), atol=1e-9)


def test_labels_outside_num_classes_are_reported_not_dropped():
    metric = ConfusionMatrix(num_classes=3)
    metric.update_state(np.array([0, 1, 5]), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="outside"):
        metric.result()


@pytest.mark.parametrize("factory", [lambda: Precision(top_k=0), lambda: FBetaScore(average="median"),
                                     lambda: FBetaScore(beta=0), lambda: CohenKappa(weightage="cubic"),
                                     lambda: ConfusionMatrix(num_classes=1)])
def test_bad_arguments_fail_early(factory):
    with pytest.raises(ValueError):
        factory()


@given(hnp.arrays(np.float32, (7, 1), elements=scores.map(np.float32)))
@settings(max_examples=10, deadline=None)
def test_float32_sigmoid_column_gives_python_floats(y_pred):
    y_true = (np.arange(7) % 2).reshape(-1, 1).astype(np.float32)
    for cls in (Precision, Recall, F1Score, MatthewsCorrelation, CohenKappa):
        assert type(cls()(y_true, y_pred)) is float
