"""TruePositives / FalsePositives / TrueNegatives / FalseNegatives against scikit-learn's confusion
matrix, Keras's documented examples, and their argument checks."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from metrics_strategies import EXAMPLES, binary
from neuropil.errors import ArgumentError, ArgumentTypeError
from neuropil_metrics.counts import FalseNegatives, FalsePositives, TrueNegatives, TruePositives
from sklearn.metrics import confusion_matrix

SETTINGS = settings(max_examples=EXAMPLES, deadline=None)
CELLS = {TrueNegatives: (0, 0), FalsePositives: (0, 1), FalseNegatives: (1, 0), TruePositives: (1, 1)}


def sklearn_cell(cls, y_true, y_pred, w, threshold):
    """The cell of scikit-learn's 2x2 confusion matrix (rows true, columns predicted) for ``cls``."""
    matrix = confusion_matrix(y_true.ravel() != 0, y_pred.ravel() > threshold, labels=[False, True],
                              sample_weight=None if w is None else np.repeat(w, y_true.size // len(w)))
    return float(matrix[CELLS[cls]])


@SETTINGS
@given(data=binary(), thresholds=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=4),
       cls=st.sampled_from(list(CELLS)), as_list=st.booleans())
def test_counts_match_sklearn_confusion_matrix(data, thresholds, cls, as_list):
    y_true, y_pred, w = data
    chosen = thresholds if as_list else thresholds[0]
    metric = cls(thresholds=chosen)
    metric.update_state(y_true, y_pred, w)
    expected = [sklearn_cell(cls, y_true, y_pred, w, t) for t in np.atleast_1d(chosen)]
    value = metric.result()
    if as_list and len(thresholds) > 1:
        assert isinstance(value, np.ndarray) and value.shape == (len(thresholds),)
        np.testing.assert_allclose(value, expected, rtol=1e-12)
    else:
        assert isinstance(value, float)
        assert value == pytest.approx(expected[0], rel=1e-12)


def test_the_four_cells_add_up_to_the_total_weight_over_every_element():
    rng = np.random.default_rng(0)
    y_true, y_pred, w = (rng.random((30, 3)) < 0.5).astype(float), rng.random((30, 3)), rng.uniform(0.5, 2, 30)
    total = sum(cls(thresholds=[0.2, 0.7])(y_true, y_pred, w) for cls in CELLS)
    np.testing.assert_allclose(total, [3 * w.sum()] * 2)  # a sample's weight counts for each of its 3 elements


@pytest.mark.parametrize(("cls", "y_true", "y_pred", "plain", "weighted"), [
    # the examples of Keras's documentation, sample_weight=[0, 0, 1, 0]
    (FalsePositives, [0, 1, 0, 0], [0, 0, 1, 1], 2.0, 1.0),
    (FalseNegatives, [0, 1, 1, 1], [0, 1, 0, 0], 2.0, 1.0),
    (TrueNegatives, [0, 1, 0, 0], [1, 1, 0, 0], 2.0, 1.0),
    (TruePositives, [0, 1, 1, 1], [1, 0, 1, 1], 2.0, 1.0),
])
def test_keras_documented_examples(cls, y_true, y_pred, plain, weighted):
    metric = cls()
    metric.update_state(np.array(y_true), np.array(y_pred, dtype=float))
    assert metric.result() == plain
    metric.reset_state()
    metric.update_state(np.array(y_true), np.array(y_pred, dtype=float), sample_weight=np.array([0, 0, 1, 0]))
    assert metric.result() == weighted


def test_a_prediction_on_the_threshold_is_negative():
    assert TruePositives(thresholds=0.5)(np.array([1.0, 1.0]), np.array([0.5, 0.50001])) == 1.0


@pytest.mark.parametrize("bad", [1.5, -0.1, [0.2, 2.0], []])
def test_thresholds_outside_zero_one_are_refused_naming_the_metric(bad):
    with pytest.raises(ArgumentError, match="TruePositives expects thresholds"):
        TruePositives(thresholds=bad)
    with pytest.raises(ArgumentTypeError, match="FalseNegatives expects thresholds to be a finite number"):
        FalseNegatives(thresholds="0.5")
