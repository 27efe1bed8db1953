"""RMSE, MAPE, log-cosh and R² against scikit-learn / the defining formula; the core's
MeanMetricWrapper with user functions."""
from __future__ import annotations

import neuropil
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from metrics_strategies import EXAMPLES, cuts, stream
from neuropil.base.metric import MeanMetricWrapper
from neuropil_metrics.regression import LogCoshError, MeanAbsolutePercentageError, R2Score, RootMeanSquaredError
from sklearn import metrics as skm

SETTINGS = settings(max_examples=EXAMPLES, deadline=None)
values = st.floats(-50, 50, allow_subnormal=False)


@st.composite
def regression(draw, max_outputs: int = 3, away_from_zero: bool = False):
    n = draw(st.integers(1, 50))
    d = draw(st.integers(1, max_outputs))
    shape = (n,) if d == 1 and draw(st.booleans()) else (n, d)
    y_true = draw(hnp.arrays(np.float64, shape, elements=values))
    if away_from_zero:  # MAPE divides by |y_true|; scikit-learn's floor differs from Keras's 1e-7
        y_true = np.where(np.abs(y_true) < 1e-3, 1.0, y_true)
    y_pred = draw(hnp.arrays(np.float64, shape, elements=values))
    w = draw(hnp.arrays(np.float64, (n,), elements=st.floats(0.1, 4.0))) if draw(st.booleans()) else None
    return y_true, y_pred, w


@SETTINGS
@given(regression())
def test_rmse_matches_sklearn(data):
    y_true, y_pred, w = data
    expected = np.sqrt(skm.mean_squared_error(y_true, y_pred, sample_weight=w))
    assert RootMeanSquaredError()(y_true, y_pred, w) == pytest.approx(expected, rel=1e-9, abs=1e-9)


@SETTINGS
@given(regression(away_from_zero=True))
def test_mape_matches_sklearn_in_percent(data):
    y_true, y_pred, w = data
    expected = 100 * skm.mean_absolute_percentage_error(y_true, y_pred, sample_weight=w)
    assert MeanAbsolutePercentageError()(y_true, y_pred, w) == pytest.approx(expected, rel=1e-9, abs=1e-9)


@SETTINGS
@given(regression())
def test_log_cosh_matches_its_definition_and_never_overflows(data):
    y_true, y_pred, w = data
    per_sample = np.log(np.cosh(y_pred - y_true)).reshape(len(y_true), -1).mean(axis=1)
    expected = np.average(per_sample, weights=w)
    assert LogCoshError()(y_true, y_pred, w) == pytest.approx(expected, rel=1e-9, abs=1e-9)
    huge = np.array([[1e6], [-1e300]])
    assert LogCoshError()(np.zeros((2, 1)), huge) == pytest.approx((1e6 + 1e300) / 2 - np.log(2), rel=1e-12)


@SETTINGS
@given(regression(), st.sampled_from([None, "uniform_average", "variance_weighted_average"]), cuts(50))
def test_r2_matches_sklearn_in_one_go_and_streamed(data, aggregation, points):
    y_true, y_pred, w = data
    # scikit-learn gives nan for one sample, and for a constant column its rounded weighted mean leaves
    # a spurious tiny variance (scores like -1e31); ours follows the constant-target rule (tested apart)
    assume(len(y_true) >= 2 and np.all(np.ptp(y_true.reshape(len(y_true), -1), axis=0) > 1e-3))
    sk = {None: "raw_values", "uniform_average": "uniform_average",
          "variance_weighted_average": "variance_weighted"}[aggregation]
    expected = skm.r2_score(y_true, y_pred, sample_weight=w, multioutput=sk)
    points = [min(p, len(y_true)) for p in points]
    value = stream(R2Score(class_aggregation=aggregation), y_true, y_pred, w, points)
    np.testing.assert_allclose(value, expected, rtol=1e-6, atol=1e-6)


@SETTINGS
@given(regression(max_outputs=1), st.integers(1, 5))
def test_adjusted_r2(data, regressors):
    y_true, y_pred, _ = data
    n = len(y_true)
    assume(n >= 2 and np.ptp(y_true) > 1e-3)
    r2 = skm.r2_score(y_true, y_pred)
    expected = 1 - (1 - r2) * (n - 1) / (n - regressors - 1) if regressors < n - 1 else r2
    assert R2Score(num_regressors=regressors)(y_true, y_pred) == pytest.approx(expected, abs=1e-6)


def mean_abs(y_true, y_pred):
    return np.abs(np.asarray(y_true) - np.asarray(y_pred))


@SETTINGS
@given(regression(), cuts(50))
def test_mean_metric_wrapper_averages_a_plain_function_like_keras(data, points):
    y_true, y_pred, w = data
    metric = neuropil.metrics.get(mean_abs)
    assert isinstance(metric, MeanMetricWrapper) and metric.name == "mean_abs"
    expected = skm.mean_absolute_error(y_true, y_pred, sample_weight=w)
    # no empty batches here: the core wrapper cannot reshape an empty (0, d) batch (reported to the lead)
    points = sorted({p for p in points if 0 < p < len(y_true)})
    assert stream(metric, y_true, y_pred, w, points) == pytest.approx(expected, rel=1e-6, abs=1e-9)
    metric.reset_state()
    assert metric.result() == 0.0


def test_mean_metric_wrapper_weighs_an_already_averaged_value_by_batch_size():
    metric = MeanMetricWrapper(lambda t, p: np.mean(np.abs(t - p)), name="batch_mae")
    metric.update_state(np.zeros(2), np.ones(2))      # batch mean 1, two samples
    metric.update_state(np.zeros(6), np.full(6, 3.0))  # batch mean 3, six samples
    assert metric.result() == pytest.approx((2 * 1 + 6 * 3) / 8)


def test_r2_of_a_column_whose_variance_underflows_is_scikit_learns():
    """Targets 1e-200 apart have a sum of squares of exactly 0: no variance to explain, so a wrong
    prediction scores 0.0 and an exact one 1.0 (scikit-learn's force_finite), never 1 - x/0."""
    y_true = np.array([[1e-200], [0.0]])
    for y_pred in (np.array([[0.5], [0.5]]), y_true.copy()):
        assert R2Score()(y_true, y_pred) == skm.r2_score(y_true, y_pred)
