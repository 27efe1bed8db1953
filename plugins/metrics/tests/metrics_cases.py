"""Every metric of the distribution with a data generator that fits it, for the generic tests
(streaming, reset, config, degenerate inputs, device arrays)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from neuropil_metrics import loss_named as L
from neuropil_metrics.agreement import CohenKappa, ConfusionMatrix, MatthewsCorrelation
from neuropil_metrics.auc import AUC
from neuropil_metrics.confusion import Precision, Recall
from neuropil_metrics.counts import FalseNegatives, FalsePositives, TrueNegatives, TruePositives
from neuropil_metrics.fscore import F1Score, FBetaScore
from neuropil_metrics.operating_point import (
    PrecisionAtRecall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
)
from neuropil_metrics.regression import LogCoshError, MeanAbsolutePercentageError, R2Score, RootMeanSquaredError
from neuropil_metrics.topk import SparseTopKCategoricalAccuracy, TopKCategoricalAccuracy


def binary(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    return (rng.random((n, 1)) < 0.4).astype(np.float64), rng.random((n, 1))


def onehot(rng: np.random.Generator, n: int, c: int = 4) -> tuple[np.ndarray, np.ndarray]:
    return np.eye(c)[rng.integers(0, c, n)], rng.random((n, c))


def sparse(rng: np.random.Generator, n: int, c: int = 6) -> tuple[np.ndarray, np.ndarray]:
    return rng.integers(0, c, n), rng.random((n, c))


def multilabel(rng: np.random.Generator, n: int, c: int = 3) -> tuple[np.ndarray, np.ndarray]:
    return (rng.random((n, c)) < 0.5).astype(np.float64), rng.random((n, c))


def positive(rng: np.random.Generator, n: int, d: int = 2) -> tuple[np.ndarray, np.ndarray]:
    return rng.uniform(0.0, 4.0, (n, d)), rng.uniform(0.1, 4.0, (n, d))


def distribution(rng: np.random.Generator, n: int, c: int = 4) -> tuple[np.ndarray, np.ndarray]:
    e = np.exp(rng.normal(size=(n, c)))
    return np.eye(c)[rng.integers(0, c, n)], e / e.sum(axis=1, keepdims=True)


def sparse_probabilities(rng: np.random.Generator, n: int, c: int = 4) -> tuple[np.ndarray, np.ndarray]:
    labels, p = distribution(rng, n, c)
    return labels.argmax(axis=1), p


def sorted_ids(rng: np.random.Generator, n: int, c: int = 6) -> tuple[np.ndarray, np.ndarray]:
    labels, scores = sparse(rng, n, c)
    return labels, np.argsort(-scores, axis=1)[:, :4]


def regression(rng: np.random.Generator, n: int, d: int = 2) -> tuple[np.ndarray, np.ndarray]:
    y = rng.normal(size=(n, d)) * 3 + 1
    return y, y + rng.normal(size=(n, d))


Case = tuple[str, Callable[[], Any], Callable[[np.random.Generator, int], tuple[np.ndarray, np.ndarray]]]

CASES: list[Case] = [
    ("precision", Precision, binary),
    ("recall_thresholds", lambda: Recall(thresholds=[0.2, 0.5, 0.8]), binary),
    ("precision_top_k_class", lambda: Precision(top_k=2, class_id=1), onehot),
    ("f1_macro", lambda: F1Score(average="macro"), onehot),
    ("fbeta_none", lambda: FBetaScore(beta=2.0, threshold=0.5), multilabel),
    ("f1_binary", F1Score, binary),
    ("auc", AUC, binary),
    ("auc_pr", lambda: AUC(curve="PR", num_thresholds=50), binary),
    ("auc_exact", lambda: AUC(num_thresholds=None), binary),
    ("auc_multi_label", lambda: AUC(multi_label=True, label_weights=[1.0, 2.0, 3.0]), multilabel),
    ("top_k", lambda: TopKCategoricalAccuracy(k=2), onehot),
    ("sparse_top_k", lambda: SparseTopKCategoricalAccuracy(k=3), sparse),
    ("rmse", RootMeanSquaredError, regression),
    ("mape", MeanAbsolutePercentageError, regression),
    ("r2", R2Score, regression),
    ("r2_raw", lambda: R2Score(class_aggregation=None), regression),
    ("log_cosh", LogCoshError, regression),
    ("mcc", MatthewsCorrelation, binary),
    ("mcc_multiclass", lambda: MatthewsCorrelation(num_classes=4), onehot),
    ("kappa", lambda: CohenKappa(num_classes=6, weightage="quadratic"), sparse),
    ("confusion_matrix", lambda: ConfusionMatrix(num_classes=4), onehot),
    ("true_positives", TruePositives, binary),
    ("false_positives_thresholds", lambda: FalsePositives(thresholds=[0.1, 0.5, 0.9]), binary),
    ("true_negatives", lambda: TrueNegatives(thresholds=0.3), multilabel),
    ("false_negatives", FalseNegatives, binary),
    ("sensitivity_at_specificity", lambda: SensitivityAtSpecificity(0.6), binary),
    ("specificity_at_sensitivity", lambda: SpecificityAtSensitivity(0.4, num_thresholds=20), binary),
    ("precision_at_recall_class", lambda: PrecisionAtRecall(0.5, class_id=2), onehot),
    ("recall_at_precision", lambda: RecallAtPrecision(0.3), binary),
    ("mse", L.MeanSquaredError, regression),
    ("mae", L.MeanAbsoluteError, regression),
    ("msle", L.MeanSquaredLogarithmicError, positive),
    ("cosine_similarity", L.CosineSimilarity, regression),
    ("bce", lambda: L.BinaryCrossentropy(label_smoothing=0.1), binary),
    ("bce_logits", lambda: L.BinaryCrossentropy(from_logits=True), regression),
    ("cce", L.CategoricalCrossentropy, distribution),
    ("scce_logits", lambda: L.SparseCategoricalCrossentropy(from_logits=True), sparse),
    ("scce_ignore", lambda: L.SparseCategoricalCrossentropy(ignore_class=0), sparse_probabilities),
    ("kl_divergence", L.KLDivergence, distribution),
    ("poisson", L.Poisson, positive),
    ("hinge", L.Hinge, binary),
    ("squared_hinge", L.SquaredHinge, binary),
    ("categorical_hinge", L.CategoricalHinge, onehot),
    ("sparse_top_k_sorted_ids", lambda: SparseTopKCategoricalAccuracy(k=2, from_sorted_ids=True), sorted_ids),
]

IDS = [case[0] for case in CASES]
