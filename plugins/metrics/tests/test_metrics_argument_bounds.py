"""Arguments Keras bounds to [0, 1] (thresholds, the operating-point targets, label smoothing) accept
both ends and values just inside, and reject values just outside, naming the metric."""
from __future__ import annotations

import pytest
from neuropil.errors import ArgumentError
from neuropil_metrics.confusion import Precision, Recall
from neuropil_metrics.counts import FalseNegatives, FalsePositives, TrueNegatives, TruePositives
from neuropil_metrics.loss_named import BinaryCrossentropy, CategoricalCrossentropy
from neuropil_metrics.operating_point import (
    PrecisionAtRecall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
)

INSIDE = (0.0, 0.05, 0.95, 1.0)
OUTSIDE = (-0.05, 1.05)
THRESHOLDED = (Precision, Recall, TruePositives, FalsePositives, TrueNegatives, FalseNegatives)
AT_POINT = (SensitivityAtSpecificity, SpecificityAtSensitivity, PrecisionAtRecall, RecallAtPrecision)
SMOOTHED = (BinaryCrossentropy, CategoricalCrossentropy)


@pytest.mark.parametrize("cls", THRESHOLDED)
def test_thresholds_in_the_unit_interval(cls: type) -> None:
    for value in INSIDE:
        assert cls(thresholds=value).thresholds == [value]
        assert cls(thresholds=[value, 0.5]).thresholds == [value, 0.5]
    for value in OUTSIDE:
        with pytest.raises(ArgumentError, match=f"{cls.__name__} expects thresholds"):
            cls(thresholds=value)


@pytest.mark.parametrize("cls", AT_POINT)
def test_operating_point_targets_in_the_unit_interval(cls: type) -> None:
    for value in INSIDE:
        assert cls(value).value == value
    for value in OUTSIDE:
        with pytest.raises(ArgumentError, match=cls.__name__):
            cls(value)


@pytest.mark.parametrize("cls", SMOOTHED)
def test_label_smoothing_in_the_unit_interval(cls: type) -> None:
    for value in INSIDE:
        assert cls(label_smoothing=value).get_config()["label_smoothing"] == value
    for value in OUTSIDE:
        with pytest.raises(ArgumentError, match=f"{cls.__name__} expects label_smoothing"):
            cls(label_smoothing=value)
