"""Every metric of the distribution with a data generator that fits it, for the generic tests
(streaming, reset, config, degenerate inputs, device arrays)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from neuropil_metrics.agreement import CohenKappa, ConfusionMatrix, MatthewsCorrelation
from neuropil_metrics.auc import AUC
from neuropil_metrics.confusion import Precision, Recall
from neuropil_metrics.fscore import F1Score, FBetaScore
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
]

IDS = [case[0] for case in CASES]
