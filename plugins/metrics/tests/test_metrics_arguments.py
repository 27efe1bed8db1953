"""A bad argument fails at construction with neuropil's error family, naming the metric, the argument
and what was received."""
from __future__ import annotations

import pytest
from neuropil.errors import ArgumentError, ArgumentTypeError, NeuropilError
from neuropil_metrics.agreement import CohenKappa, ConfusionMatrix
from neuropil_metrics.auc import AUC
from neuropil_metrics.confusion import Precision, Recall
from neuropil_metrics.fscore import F1Score, FBetaScore
from neuropil_metrics.regression import R2Score
from neuropil_metrics.topk import TopKCategoricalAccuracy

CASES = [
    (lambda: AUC(curve="DET"), ArgumentError, "AUC expects curve to be one of 'ROC', 'PR', 'PRGAIN', received curve="),
    (lambda: AUC(summation_method="simpson"), ArgumentError, "AUC expects summation_method to be one of"),
    (lambda: AUC(num_thresholds=1), ArgumentError, "AUC expects num_thresholds to be an integer >= 2"),
    (lambda: Precision(top_k=0), ArgumentError, "Precision expects top_k to be a positive integer, received top_k=0"),
    (lambda: Recall(thresholds=[0.5, 1.5]), ArgumentError,
     "Recall expects thresholds to be a finite number in \\[0, 1\\]"),
    (lambda: Recall(class_id=-1), ArgumentError, "Recall expects class_id to be a non-negative integer"),
    (lambda: FBetaScore(average="median"), ArgumentError, "FBetaScore expects average to be one of"),
    (lambda: FBetaScore(beta=0), ArgumentError, "FBetaScore expects beta to be a finite number > 0, received beta=0"),
    (lambda: F1Score(threshold="high"), ArgumentTypeError, "F1Score expects threshold to be a finite number"),
    (lambda: CohenKappa(weightage="cubic"), ArgumentError, "CohenKappa expects weightage to be one of"),
    (lambda: ConfusionMatrix(num_classes=1), ArgumentError, "ConfusionMatrix expects num_classes to be an integer >="),
    (lambda: R2Score(class_aggregation="median"), ArgumentError, "R2Score expects class_aggregation to be one of"),
    (lambda: R2Score(num_regressors=-1), ArgumentError, "R2Score expects num_regressors to be a non-negative integer"),
    (lambda: TopKCategoricalAccuracy(k=0), ArgumentError, "TopKCategoricalAccuracy expects k to be a positive integer"),
]


@pytest.mark.parametrize(("factory", "error", "message"), CASES)
def test_bad_argument_names_the_metric_and_the_argument(factory, error, message):
    with pytest.raises(error, match=message) as caught:
        factory()
    assert isinstance(caught.value, NeuropilError)
