"""Every metric of this distribution with the name it is registered under (Keras's snake_case name,
which is also each class's default ``name``) and its aliases."""
from __future__ import annotations

from neuropil.plugin_system.hookspecs import Register

from .agreement import CohenKappa, ConfusionMatrix, MatthewsCorrelation
from .auc import AUC
from .confusion import Precision, Recall
from .fscore import F1Score, FBetaScore
from .regression import LogCoshError, MeanAbsolutePercentageError, R2Score, RootMeanSquaredError
from .topk import SparseTopKCategoricalAccuracy, TopKCategoricalAccuracy

METRICS: dict[type, tuple[str, ...]] = {
    Precision: (),
    Recall: (),
    F1Score: (),
    FBetaScore: (),
    AUC: (),
    TopKCategoricalAccuracy: (),
    SparseTopKCategoricalAccuracy: (),
    RootMeanSquaredError: ("rmse",),
    MeanAbsolutePercentageError: ("mape",),
    R2Score: (),
    LogCoshError: ("logcosh",),
    MatthewsCorrelation: ("mcc", "matthews_correlation_coefficient"),
    CohenKappa: (),
    ConfusionMatrix: (),
}


def register_all(register: Register) -> None:
    for cls, aliases in METRICS.items():
        register(cls.name, cls, aliases=aliases)
