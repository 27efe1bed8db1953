"""Every metric of this distribution with the name it is registered under (Keras's snake_case name,
which is also each class's default ``name``) and its aliases."""
from __future__ import annotations

from neuropil.base.metric import Metric
from neuropil.plugin_system.hookspecs import Register

from .agreement import CohenKappa, ConfusionMatrix, MatthewsCorrelation
from .auc import AUC
from .confusion import Precision, Recall
from .counts import FalseNegatives, FalsePositives, TrueNegatives, TruePositives
from .fscore import F1Score, FBetaScore
from .loss_named import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    CategoricalHinge,
    CosineSimilarity,
    Hinge,
    KLDivergence,
    MeanAbsoluteError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    Poisson,
    SparseCategoricalCrossentropy,
    SquaredHinge,
)
from .operating_point import (
    PrecisionAtRecall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
)
from .regression import LogCoshError, MeanAbsolutePercentageError, R2Score, RootMeanSquaredError
from .topk import SparseTopKCategoricalAccuracy, TopKCategoricalAccuracy

METRICS: dict[type[Metric], tuple[str, ...]] = {
    Precision: (),
    Recall: (),
    TruePositives: (),
    FalsePositives: (),
    TrueNegatives: (),
    FalseNegatives: (),
    SensitivityAtSpecificity: (),
    SpecificityAtSensitivity: (),
    PrecisionAtRecall: (),
    RecallAtPrecision: (),
    F1Score: (),
    FBetaScore: (),
    AUC: (),
    TopKCategoricalAccuracy: (),
    SparseTopKCategoricalAccuracy: (),
    MeanSquaredError: ("mse",),
    MeanAbsoluteError: ("mae",),
    RootMeanSquaredError: ("rmse",),
    MeanAbsolutePercentageError: ("mape",),
    MeanSquaredLogarithmicError: ("msle",),
    R2Score: (),
    LogCoshError: ("logcosh",),
    CosineSimilarity: (),
    BinaryCrossentropy: ("bce",),
    CategoricalCrossentropy: (),
    SparseCategoricalCrossentropy: (),
    KLDivergence: ("kld",),
    Poisson: (),
    Hinge: (),
    SquaredHinge: (),
    CategoricalHinge: (),
    MatthewsCorrelation: ("mcc", "matthews_correlation_coefficient"),
    CohenKappa: (),
    ConfusionMatrix: (),
}


def register_all(register: Register) -> None:
    for cls, aliases in METRICS.items():
        register(cls.name, cls, aliases=aliases)
