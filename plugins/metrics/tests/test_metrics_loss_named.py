"""The metrics named after losses against scikit-learn / SciPy (or the formula written out in float64
here), Keras's documented examples, their Keras-only arguments, and their use in ``compile``."""
from __future__ import annotations

import neuropil
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from neuropil.errors import ArgumentError, ArgumentTypeError
from neuropil_metrics import loss_named as L
from scipy import special, stats
from scipy.spatial import distance
from sklearn import metrics as skm

SETTINGS = settings(max_examples=25, deadline=None)


def weighted(per_sample: np.ndarray, w: np.ndarray | None) -> float:
    """The weighted mean over samples (Keras's MeanMetricWrapper)."""
    return float(np.average(per_sample, weights=w))


def draw(seed: int, n: int, d: int, weighted_: bool) -> tuple:
    rng = np.random.default_rng(seed)
    return rng, (rng.uniform(0.1, 3.0, n) if weighted_ else None)


CASES = st.tuples(st.integers(0, 2**32 - 1), st.integers(1, 40), st.integers(1, 4), st.booleans())


@SETTINGS
@given(case=CASES)
def test_regression_errors_match_sklearn(case):
    rng, w = draw(*case)
    n, d = case[1], case[2]
    y_true, y_pred = rng.uniform(0.0, 5.0, (n, d)), rng.uniform(0.0, 5.0, (n, d))
    assert L.MeanSquaredError()(y_true, y_pred, w) == pytest.approx(
        skm.mean_squared_error(y_true, y_pred, sample_weight=w), rel=1e-12)
    assert L.MeanAbsoluteError()(y_true, y_pred, w) == pytest.approx(
        skm.mean_absolute_error(y_true, y_pred, sample_weight=w), rel=1e-12)
    # Keras floors both at 1e-7 before log1p; scikit-learn does not: a difference of ~1e-7 at zero at most
    assert L.MeanSquaredLogarithmicError()(y_true, y_pred, w) == pytest.approx(
        skm.mean_squared_log_error(y_true, y_pred, sample_weight=w), rel=1e-6, abs=1e-7)


@SETTINGS
@given(case=CASES)
def test_cosine_similarity_matches_scipy(case):
    rng, w = draw(*case)
    n, d = case[1], case[2] + 1
    y_true, y_pred = rng.normal(size=(n, d)), rng.normal(size=(n, d))
    expected = [1.0 - distance.cosine(t, p) for t, p in zip(y_true, y_pred)]
    assert L.CosineSimilarity()(y_true, y_pred, w) == pytest.approx(weighted(np.array(expected), w), abs=1e-12)
    # axis=1 of a (n, d, 2) array: the similarity of each of the two columns, averaged per sample
    stacked_t, stacked_p = np.stack([y_true, y_pred], -1), np.stack([y_pred, y_true], -1)
    assert L.CosineSimilarity(axis=1)(stacked_t, stacked_p, w) == pytest.approx(weighted(np.array(expected), w),
                                                                                 abs=1e-12)


@SETTINGS
@given(case=CASES, smoothing=st.sampled_from([0.0, 0.2]))
def test_binary_crossentropy_matches_sklearn_log_loss(case, smoothing):
    rng, w = draw(*case)
    n, d = case[1], case[2]
    y_true = (rng.random((n, d)) < 0.5).astype(float)
    logits = rng.normal(scale=3.0, size=(n, d))
    probabilities = special.expit(logits)
    target = y_true * (1 - smoothing) + 0.5 * smoothing
    # per column, log_loss is the weighted mean over samples; the metric averages the columns
    expected = np.mean([skm.log_loss(target[:, j], probabilities[:, j], sample_weight=w, labels=[0, 1])
                        if smoothing == 0 else
                        weighted(-(target[:, j] * np.log(probabilities[:, j])
                                   + (1 - target[:, j]) * np.log1p(-probabilities[:, j])), w)
                        for j in range(d)])
    got = L.BinaryCrossentropy(label_smoothing=smoothing)(y_true, np.clip(probabilities, 1e-7, 1 - 1e-7), w)
    assert got == pytest.approx(expected, rel=1e-5, abs=1e-6)
    from_logits = L.BinaryCrossentropy(from_logits=True, label_smoothing=smoothing)(y_true, logits, w)
    assert from_logits == pytest.approx(expected, rel=1e-5, abs=1e-6)


def test_binary_crossentropy_from_logits_is_exact_far_out():
    # a confident mistake: the loss is the logit itself, where clipped probabilities would cap it at ~16
    assert L.BinaryCrossentropy(from_logits=True)(np.array([[0.0]]), np.array([[1000.0]])) == pytest.approx(1000.0)


@SETTINGS
@given(case=CASES, from_logits=st.booleans())
def test_categorical_crossentropies_match_sklearn_log_loss(case, from_logits):
    rng, w = draw(*case)
    n, c = case[1], case[2] + 1
    labels = rng.integers(0, c, n)
    logits = rng.normal(size=(n, c))
    probabilities = special.softmax(logits, axis=1)
    expected = skm.log_loss(labels, probabilities, sample_weight=w, labels=list(range(c)))
    y_pred = logits if from_logits else probabilities
    assert L.CategoricalCrossentropy(from_logits=from_logits)(np.eye(c)[labels], y_pred, w) == pytest.approx(
        expected, rel=1e-9)
    assert L.SparseCategoricalCrossentropy(from_logits=from_logits)(labels, y_pred, w) == pytest.approx(
        expected, rel=1e-9)
    assert L.SparseCategoricalCrossentropy(from_logits=from_logits)(labels.reshape(-1, 1), y_pred, w) == \
        pytest.approx(expected, rel=1e-9)


def test_categorical_label_smoothing_and_axis():
    rng = np.random.default_rng(1)
    labels, p = rng.integers(0, 4, 20), special.softmax(rng.normal(size=(20, 4)), axis=1)
    smooth = np.eye(4)[labels] * 0.9 + 0.1 / 4
    expected = np.mean(-(smooth * np.log(p)).sum(axis=1))
    assert L.CategoricalCrossentropy(label_smoothing=0.1)(np.eye(4)[labels], p) == pytest.approx(expected, rel=1e-12)
    # the class axis first: (n, C) transposed to (C, n) reads the same with axis=0 ... per sample
    per_position = L.SparseCategoricalCrossentropy(axis=1)(labels.reshape(4, 5), p.reshape(4, 5, 4).swapaxes(1, 2))
    assert per_position == pytest.approx(np.mean(-np.log(p[np.arange(20), labels])), rel=1e-12)


def test_sparse_categorical_crossentropy_ignore_class_leaves_those_positions_out():
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 3, (6, 5))
    labels[rng.random((6, 5)) < 0.3] = 255  # the "void" class of a segmentation map
    p = special.softmax(rng.normal(size=(6, 5, 3)), axis=-1)
    w = rng.uniform(0.5, 2.0, 6)
    total = count = 0.0
    for i in range(6):  # a slow loop: every position that counts, weighted by its sample's weight
        for j in range(5):
            if labels[i, j] != 255:
                total += w[i] * -np.log(p[i, j, labels[i, j]])
                count += w[i]
    metric = L.SparseCategoricalCrossentropy(ignore_class=255)
    assert metric(labels, p, w) == pytest.approx(total / count, rel=1e-12)
    assert neuropil.metrics.deserialize(neuropil.metrics.serialize(metric)).get_config()["ignore_class"] == 255


@SETTINGS
@given(case=CASES)
def test_kl_divergence_matches_scipy_entropy(case):
    rng, w = draw(*case)
    n, c = case[1], case[2] + 1
    t, p = special.softmax(rng.normal(size=(n, c)), axis=1), special.softmax(rng.normal(size=(n, c)), axis=1)
    expected = [stats.entropy(ti, pi) for ti, pi in zip(t, p)]
    assert L.KLDivergence()(t, p, w) == pytest.approx(weighted(np.array(expected), w), rel=1e-9)


@SETTINGS
@given(case=CASES)
def test_poisson_is_the_negative_log_likelihood_without_the_target_only_term(case):
    rng, w = draw(*case)
    n, d = case[1], case[2]
    counts, rates = rng.integers(0, 6, (n, d)).astype(float), rng.uniform(0.2, 4.0, (n, d))
    nll = -stats.poisson.logpmf(counts, rates) - special.gammaln(counts + 1)
    assert L.Poisson()(counts, rates, w) == pytest.approx(weighted(nll.mean(axis=1), w), rel=1e-6, abs=1e-6)


@SETTINGS
@given(case=CASES)
def test_hinges_match_sklearn_hinge_loss(case):
    rng, w = draw(*case)
    n, c = case[1], case[2] + 1
    labels, decision = (rng.random(n + 2) < 0.5).astype(float), rng.normal(scale=2.0, size=n + 2)
    labels[:2] = [0.0, 1.0]  # both classes, or scikit-learn cannot tell which label is positive
    w = None if w is None else np.append(w, [1.0, 2.0])
    assert L.Hinge()(labels, decision, w) == pytest.approx(
        skm.hinge_loss(labels, decision, sample_weight=w, labels=[0, 1]), rel=1e-12)
    signed = 2 * labels - 1  # -1/1 labels mean the same
    assert L.Hinge()(signed, decision, w) == pytest.approx(L.Hinge()(labels, decision, w), rel=1e-12)
    squared = np.maximum(1 - signed * decision, 0) ** 2
    assert L.SquaredHinge()(labels, decision, w) == pytest.approx(weighted(squared, w), rel=1e-12)
    # Crammer-Singer: scikit-learn's multi-class hinge loss is Keras's categorical hinge for one-hot targets
    # and non-negative scores (Keras takes the wrong classes' maximum of (1 - t)·p, which is 0 at the true
    # class, so with all-negative scores the two differ; Keras's formula is the one implemented)
    c += 1  # three classes or more: with two, scikit-learn switches to its binary form
    classes, scores = rng.integers(0, c, n + 2), rng.uniform(0.0, 3.0, (n + 2, c))
    assert L.CategoricalHinge()(np.eye(c)[classes], scores, w) == pytest.approx(
        skm.hinge_loss(classes, scores, sample_weight=w, labels=list(range(c))), rel=1e-12)


@pytest.mark.parametrize(("cls", "y_true", "y_pred", "expected"), [
    # the examples of Keras's documentation (its float32 results, hence the tolerance)
    (L.MeanSquaredError, [[0, 1], [0, 0]], [[1, 1], [0, 0]], 0.25),
    (L.MeanAbsoluteError, [[0, 1], [0, 0]], [[1, 1], [0, 0]], 0.25),
    (L.MeanSquaredLogarithmicError, [[0, 1], [0, 0]], [[1, 1], [0, 0]], 0.12011322),
    (L.KLDivergence, [[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], 0.45814306),
    (L.Poisson, [[0, 1], [0, 0]], [[1, 1], [0, 0]], 0.49999997),
    (L.Hinge, [[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], 1.3),
    (L.SquaredHinge, [[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], 1.86),
    (L.CategoricalHinge, [[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], 1.4000001),
    (L.CosineSimilarity, [[0, 1], [1, 1]], [[1, 0], [1, 1]], 0.49999997),
    (L.BinaryCrossentropy, [[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], 0.81492424),
    (L.CategoricalCrossentropy, [[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]], 1.1769392),
    (L.SparseCategoricalCrossentropy, [1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]], 1.1769392),
])
def test_keras_documented_examples(cls, y_true, y_pred, expected):
    assert cls()(np.array(y_true, dtype=float), np.array(y_pred, dtype=float)) == pytest.approx(expected, abs=1e-6)


def test_bad_arguments_name_the_metric_and_the_argument():
    with pytest.raises(ArgumentError, match="BinaryCrossentropy expects label_smoothing to be a finite number in"):
        L.BinaryCrossentropy(label_smoothing=1.5)
    with pytest.raises(ArgumentTypeError, match="CategoricalCrossentropy expects from_logits to be True or False"):
        L.CategoricalCrossentropy(from_logits="yes")
    with pytest.raises(ArgumentTypeError, match="SparseCategoricalCrossentropy expects ignore_class to be an integer"):
        L.SparseCategoricalCrossentropy(ignore_class=1.5)
    with pytest.raises(ArgumentTypeError, match="CosineSimilarity expects axis to be an integer"):
        L.CosineSimilarity(axis=None)


def test_compile_logs_them_under_the_name_given_as_keras_does():
    from neuropil.layers import Dense
    from neuropil.models import Sequential

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(32, 3)), rng.normal(size=(32, 1))
    model = Sequential([Dense(1, input_dim=3)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mse", "mean_absolute_error", "msle"])
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert list(logs) == ["loss", "mse", "mean_absolute_error", "msle"]
    predicted = model.predict(x, verbose=0)
    assert logs["mse"] == pytest.approx(skm.mean_squared_error(y, predicted), rel=1e-5)
    assert logs["mean_absolute_error"] == pytest.approx(skm.mean_absolute_error(y, predicted), rel=1e-5)
    assert logs["mse"] == pytest.approx(logs["loss"], rel=1e-5)
