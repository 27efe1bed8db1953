"""The declared references (neuropil_metrics.reference_metrics, which the conformance suite compares
every metric with) are themselves right: each is compared here with scikit-learn on random data, so a
reference that drifted from the definition cannot make a wrong metric pass. And every metric of the
distribution declares one, with example configs that reach its non-default arguments."""
from __future__ import annotations

import numpy as np
import pytest
from neuropil_metrics import catalog
from neuropil_metrics.agreement import CohenKappa, ConfusionMatrix, MatthewsCorrelation
from neuropil_metrics.auc import AUC
from neuropil_metrics.confusion import Precision, Recall
from neuropil_metrics.fscore import FBetaScore
from neuropil_metrics.loss_named import MeanAbsoluteError, MeanSquaredError
from neuropil_metrics.regression import MeanAbsolutePercentageError, R2Score
from neuropil_metrics.topk import SparseTopKCategoricalAccuracy
from sklearn import metrics as skm

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:sklearn.*")
SEEDS = range(12)


def _binary(seed: int, n: int = 9, columns: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, 2, size=(n, columns)).astype(np.float64)
    y_true[0], y_true[1] = 0.0, 1.0  # both classes present in every column
    scores = np.round(rng.uniform(0, 1, size=(n, columns)), 1)  # rounded: ties between scores occur
    return y_true, scores, rng.uniform(0.1, 2.0, size=n)


def _labels(seed: int, n: int = 12, classes: int = 4) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, classes, size=n), rng.integers(0, classes, size=n), rng.uniform(0.1, 2.0, size=n)


@pytest.mark.parametrize("cls", sorted(catalog.METRICS, key=lambda c: c.__name__))
def test_every_metric_declares_a_reference_and_configs_for_its_arguments(cls: type) -> None:
    assert callable(getattr(cls, "reference", None)), f"{cls.__name__} declares no reference"
    assert getattr(cls, "result_range", None) is not None, f"{cls.__name__} declares no result_range"
    import inspect

    parameters = inspect.signature(cls.__init__).parameters.values()
    arguments = {p.name for p in parameters if p.kind is not p.VAR_KEYWORD} - {"self", "name", "dtype"}
    configured = {key for config in getattr(cls, "example_configs", ({},)) for key in config}
    configured |= {key for example in getattr(cls, "golden_examples", ()) for key in example.get("config", {})}
    # label_weights and num_labels need the number of labels of the data, which drawn data varies
    untested = arguments - configured - {"label_weights", "num_labels", "value"}
    assert not untested, f"{cls.__name__}: no example config or golden example sets {sorted(untested)}"


@pytest.mark.parametrize("seed", SEEDS)
def test_exact_auc_references_are_scikit_learns(seed: int) -> None:
    y_true, scores, w = _binary(seed)
    roc, pr = AUC(num_thresholds=None), AUC(num_thresholds=None, curve="PR")
    assert roc.reference(y_true, scores, w) == pytest.approx(skm.roc_auc_score(y_true, scores, sample_weight=w))
    assert pr.reference(y_true, scores, w) == pytest.approx(
        skm.average_precision_score(y_true, scores, sample_weight=w))


@pytest.mark.parametrize("seed", SEEDS)
def test_thresholded_roc_reference_is_the_exact_auc_of_bucketed_scores(seed: int) -> None:
    """With thresholds at 0.25, 0.5 and 0.75 (and the two ends) the trapezoid sum is the exact AUC of
    the scores replaced by their bucket, ties counted one half."""
    y_true, scores, w = _binary(seed)
    buckets = np.maximum(np.ceil(scores * 4), 1)  # [0, 0.25] -> 1, (0.25, 0.5] -> 2, ...
    expected = skm.roc_auc_score(y_true, buckets, sample_weight=w)
    assert AUC(num_thresholds=5).reference(y_true, scores, w) == pytest.approx(expected)


@pytest.mark.parametrize("seed", SEEDS)
def test_multi_label_auc_reference_averages_scikit_learns_per_label(seed: int) -> None:
    y_true, scores, w = _binary(seed, columns=3)
    expected = np.mean([skm.roc_auc_score(y_true[:, j], scores[:, j], sample_weight=w) for j in range(3)])
    assert AUC(num_thresholds=None, multi_label=True).reference(y_true, scores, w) == pytest.approx(expected)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("cls, sk", [(Precision, skm.precision_score), (Recall, skm.recall_score)])
def test_precision_recall_references_are_scikit_learns(seed: int, cls: type, sk: object) -> None:
    y_true, scores, w = _binary(seed, columns=2)
    got = cls(thresholds=[0.3, 0.6]).reference(y_true, scores, w)
    expected = [sk(y_true.ravel(), scores.ravel() > t, sample_weight=np.repeat(w, 2), zero_division=0.0)
                for t in (0.3, 0.6)]
    np.testing.assert_allclose(got, expected)
    column = cls(class_id=1).reference(y_true, scores, w)
    assert column == pytest.approx(sk(y_true[:, 1], scores[:, 1] > 0.5, sample_weight=w, zero_division=0.0))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"])
def test_fbeta_reference_is_scikit_learns(seed: int, average: str | None) -> None:
    rng = np.random.default_rng(seed)
    truth = np.eye(4)[rng.integers(0, 4, size=10)]
    scores = rng.uniform(0.0, 1.0, size=(10, 4))
    w = rng.uniform(0.1, 2.0, size=10)
    got = FBetaScore(average=average, beta=2.0).reference(truth, scores, w)
    expected = skm.fbeta_score(truth.argmax(1), scores.argmax(1), beta=2.0, average=average, labels=range(4),
                               sample_weight=w, zero_division=0.0)
    np.testing.assert_allclose(got, expected)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("weightage", [None, "linear", "quadratic"])
def test_agreement_references_are_scikit_learns(seed: int, weightage: str | None) -> None:
    true, pred, w = _labels(seed)
    kappa = CohenKappa(num_classes=4, weightage=weightage).reference(true, pred, w)
    assert kappa == pytest.approx(skm.cohen_kappa_score(true, pred, weights=weightage, sample_weight=w))
    mcc = MatthewsCorrelation(num_classes=4).reference(true, pred, w)
    assert mcc == pytest.approx(skm.matthews_corrcoef(true, pred, sample_weight=w))
    matrix = ConfusionMatrix(num_classes=4).reference(true, pred, w)
    np.testing.assert_allclose(matrix, skm.confusion_matrix(true, pred, labels=range(4), sample_weight=w))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("aggregation, sk", [(None, "raw_values"), ("uniform_average", "uniform_average"),
                                             ("variance_weighted_average", "variance_weighted")])
def test_r2_reference_is_scikit_learns(seed: int, aggregation: str | None, sk: str) -> None:
    rng = np.random.default_rng(seed)
    y_true, y_pred, w = rng.normal(size=(8, 3)), rng.normal(size=(8, 3)), rng.uniform(0.1, 2.0, size=8)
    got = R2Score(class_aggregation=aggregation).reference(y_true, y_pred, w)
    np.testing.assert_allclose(got, skm.r2_score(y_true, y_pred, sample_weight=w, multioutput=sk))
    adjusted = R2Score(num_regressors=2).reference(y_true, y_pred, None)
    r2 = skm.r2_score(y_true, y_pred)
    assert adjusted == pytest.approx(1 - (1 - r2) * 7 / 5)


@pytest.mark.parametrize("seed", SEEDS)
def test_regression_references_are_scikit_learns(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y_true, y_pred, w = rng.normal(size=(6, 2)), rng.normal(size=(6, 2)), rng.uniform(0.1, 2.0, size=6)
    sample = np.repeat(w, 2)
    assert MeanSquaredError().reference(y_true, y_pred, w) == pytest.approx(
        skm.mean_squared_error(y_true.ravel(), y_pred.ravel(), sample_weight=sample))
    assert MeanAbsoluteError().reference(y_true, y_pred, w) == pytest.approx(
        skm.mean_absolute_error(y_true.ravel(), y_pred.ravel(), sample_weight=sample))
    assert MeanAbsolutePercentageError().reference(y_true, y_pred, w) == pytest.approx(
        100 * skm.mean_absolute_percentage_error(y_true.ravel(), y_pred.ravel(), sample_weight=sample))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("k", [1, 2, 3])
def test_top_k_reference_is_scikit_learns(seed: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    labels, scores, w = rng.integers(0, 4, size=10), rng.uniform(size=(10, 4)), rng.uniform(0.1, 2.0, size=10)
    got = SparseTopKCategoricalAccuracy(k=k).reference(labels, scores, w)
    assert got == pytest.approx(skm.top_k_accuracy_score(labels, scores, k=k, labels=range(4), sample_weight=w))


def test_auc_declares_the_unit_interval_except_for_the_gain_curve() -> None:
    """An area under a ROC or PR curve lies in [0, 1]; a PR *gain* curve dips below 0 (precision below
    the base rate), so only its upper bound is 1. The conformance suite's `range` reads these."""
    assert AUC().result_range == (0.0, 1.0)
    assert AUC(curve="PR").result_range == (0.0, 1.0)
    assert AUC(curve="PRGAIN").result_range == (-float("inf"), 1.0)
