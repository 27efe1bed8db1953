"""Keras 3's loss catalog as users reach it: classes and Keras functions through ``neuropil.losses``,
values against Keras's documented examples or the formula written out here in float64 (a direct
loop for Circle, enumeration of every alignment for CTC). Gradients are checked by the conformance
suite (tests/test_conformance_standard.py) for every registered loss."""
from __future__ import annotations

import itertools
import math

import neuropil.losses as L
import numpy as np
import pytest
from neuropil.errors import ArgumentError, ArgumentTypeError, InputValidationError
from scipy.special import expit, logsumexp, softmax

EPS = 1e-7


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


# -- names and the Keras function form --------------------------------------------------------------
@pytest.mark.parametrize(("spelling", "class_name"), [
    ("mape", "MeanAbsolutePercentageError"), ("MeanAbsolutePercentageError", "MeanAbsolutePercentageError"),
    ("msle", "MeanSquaredLogarithmicError"), ("squared_hinge", "SquaredHinge"),
    ("categorical_hinge", "CategoricalHinge"), ("cosine_similarity", "CosineSimilarity"),
    ("log_cosh", "LogCosh"), ("logcosh", "LogCosh"), ("kld", "KLDivergence"), ("KLD", "KLDivergence"),
    ("kl_divergence", "KLDivergence"), ("kullback_leibler_divergence", "KLDivergence"),
    ("poisson", "Poisson"), ("binary_focal_crossentropy", "BinaryFocalCrossentropy"),
    ("categorical_focal_crossentropy", "CategoricalFocalCrossentropy"), ("dice", "Dice"),
    ("tversky", "Tversky"), ("circle", "Circle"), ("ctc", "CTC"),
    ("categorical_generalized_cross_entropy", "CategoricalGeneralizedCrossEntropy"),
])
def test_keras_names_and_aliases_resolve_to_the_class(spelling: str, class_name: str) -> None:
    assert type(L.get(spelling)).__name__ == class_name
    assert getattr(L, class_name).__name__ == class_name  # CamelCase attribute: the class


def test_snake_case_attributes_are_keras_functions_returning_per_sample_values() -> None:
    y_true, y_pred = rng(1).normal(size=(4, 3)), rng(2).normal(size=(4, 3))
    expected = ((y_true - y_pred) ** 2).mean(axis=-1)
    for function in (L.mean_squared_error, L.mse):
        np.testing.assert_allclose(function(y_true, y_pred), expected, rtol=1e-14)
    assert L.mse.__name__ == "mse" and L.mean_squared_error.__name__ == "mean_squared_error"
    p = softmax(rng(3).normal(size=(4, 3)), axis=-1)
    t = softmax(rng(4).normal(size=(4, 3)), axis=-1)
    np.testing.assert_allclose(L.kld(t, p), (t * np.log(t / p)).sum(axis=-1), rtol=1e-12)
    # keyword arguments are the class's: Keras's binary_crossentropy(y_true, y_pred, from_logits=...)
    z = rng(5).normal(size=(4, 2))
    y = (rng(6).uniform(size=(4, 2)) > 0.5).astype(float)
    bce = -(y * np.log(expit(z)) + (1 - y) * np.log(expit(-z))).mean(axis=-1)
    np.testing.assert_allclose(L.binary_crossentropy(y, z, from_logits=True), bce, rtol=1e-10)
    assert type(L.get("mse")).__name__ == "MeanSquaredError"  # get still gives the class's instance


def test_a_keras_function_given_to_get_is_its_loss_with_its_own_backward() -> None:
    loss = L.get(L.mse)
    assert type(loss).__name__ == "MeanSquaredError"  # not a finite-difference FunctionLoss
    assert type(L.get(L.categorical_focal_crossentropy)).__name__ == "CategoricalFocalCrossentropy"


# -- Keras's documented examples --------------------------------------------------------------------
def test_cosine_similarity_keras_example() -> None:
    y_true = np.array([[0.0, 1.0], [1.0, 1.0], [1.0, 1.0]])
    y_pred = np.array([[1.0, 0.0], [1.0, 1.0], [-1.0, -1.0]])
    np.testing.assert_allclose(L.cosine_similarity(y_true, y_pred, axis=-1), [0.0, -1.0, 1.0], atol=1e-7)


def test_log_cosh_keras_example() -> None:
    y_true, y_pred = np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([[1.0, 1.0], [0.0, 0.0]])
    assert float(L.LogCosh()(y_true, y_pred)) == pytest.approx(0.108, abs=5e-4)
    np.testing.assert_allclose(L.log_cosh(y_true, y_pred), [math.log(math.cosh(1.0)) / 2, 0.0], rtol=1e-12)


def test_focal_crossentropies_keras_examples() -> None:
    np.testing.assert_allclose(
        L.binary_focal_crossentropy(np.array([[0, 1], [0, 0]]), np.array([[0.6, 0.4], [0.4, 0.6]]), gamma=2),
        [0.330, 0.206], atol=5e-4)
    np.testing.assert_allclose(
        L.categorical_focal_crossentropy(np.array([[0, 1, 0], [0, 0, 1]]),
                                         np.array([[0.05, 0.9, 0.05], [0.1, 0.85, 0.05]])),
        [2.63401289e-04, 6.75912094e-01], rtol=1e-5)


def test_dice_keras_example_per_image_and_over_everything() -> None:
    y_true = np.array([[[[1.0], [1.0]], [[0.0], [0.0]]], [[[1.0], [1.0]], [[0.0], [0.0]]]])
    y_pred = np.array([[[[0.0], [1.0]], [[0.0], [1.0]]], [[[0.4], [0.0]], [[0.0], [0.9]]]])
    np.testing.assert_allclose(L.dice(y_true, y_pred, axis=(1, 2, 3)), [0.5, 0.75757575], rtol=1e-6)
    assert float(L.dice(y_true, y_pred)) == pytest.approx(0.6164384, rel=1e-6)
    np.testing.assert_allclose(L.Dice(axis=(1, 2, 3), reduction=None)(y_true, y_pred), [0.5, 0.75757575],
                               rtol=1e-6)


# -- formulas written out in float64 ----------------------------------------------------------------
def test_regression_losses_match_their_formulas() -> None:
    y_true, y_pred = rng(1).normal(size=(5, 3)), rng(2).normal(size=(5, 3))
    y_true[0, 0] = 0.0  # MAPE's max(|y|, eps) guard
    mape = 100 * (np.abs(y_true - y_pred) / np.maximum(np.abs(y_true), EPS)).mean(axis=-1)
    np.testing.assert_allclose(L.mape(y_true, y_pred), mape, rtol=1e-12)
    msle = ((np.log(np.maximum(y_pred, EPS) + 1) - np.log(np.maximum(y_true, EPS) + 1)) ** 2).mean(axis=-1)
    np.testing.assert_allclose(L.msle(y_true, y_pred), msle, rtol=1e-12)
    rate, counts = rng(3).uniform(0.1, 3, size=(5, 3)), rng(4).poisson(2.0, size=(5, 3)).astype(float)
    np.testing.assert_allclose(L.poisson(counts, rate), (rate - counts * np.log(rate + EPS)).mean(axis=-1),
                               rtol=1e-12)
    logcosh = np.log(np.cosh(y_pred - y_true)).mean(axis=-1)
    np.testing.assert_allclose(L.log_cosh(y_true, y_pred), logcosh, rtol=1e-12)
    unit = lambda v: v / np.linalg.norm(v, axis=-1, keepdims=True)  # noqa: E731
    np.testing.assert_allclose(L.cosine_similarity(y_true, y_pred), -(unit(y_true) * unit(y_pred)).sum(-1),
                               rtol=1e-12)


def test_log_cosh_is_finite_for_huge_errors() -> None:
    values = L.log_cosh(np.zeros((1, 2), np.float32), np.array([[1e4, -1e4]], np.float32))
    np.testing.assert_allclose(values, [1e4 - math.log(2)], rtol=1e-6)


def test_hinge_losses_match_their_formulas() -> None:
    labels = (rng(1).uniform(size=(6, 3)) > 0.5).astype(float)
    y_pred = rng(2).normal(size=(6, 3))
    signed = 2 * labels - 1  # Keras maps 0/1 targets to -1/1
    np.testing.assert_allclose(L.squared_hinge(labels, y_pred),
                               (np.maximum(1 - signed * y_pred, 0) ** 2).mean(axis=-1), rtol=1e-12)
    one_hot = np.eye(3)[[0, 2, 1, 1, 0, 2]]
    pos = (one_hot * y_pred).sum(-1)
    neg = ((1 - one_hot) * y_pred).max(-1)
    np.testing.assert_allclose(L.categorical_hinge(one_hot, y_pred), np.maximum(neg - pos + 1, 0), rtol=1e-12)


def test_kl_divergence_clips_both_sides_like_keras() -> None:
    t = np.array([[0.0, 0.3, 0.7]])
    p = np.array([[0.2, 0.0, 0.8]])
    tc, pc = np.clip(t, EPS, 1), np.clip(p, EPS, 1)
    np.testing.assert_allclose(L.kld(t, p), (tc * np.log(tc / pc)).sum(-1), rtol=1e-12)


def test_binary_focal_crossentropy_formula_with_every_option() -> None:
    y = (rng(1).uniform(size=(4, 3)) > 0.5).astype(float)
    z = rng(2).normal(size=(4, 3)) * 2
    s, alpha, gamma = 0.2, 0.3, 1.5
    t = y * (1 - s) + 0.5 * s
    p = expit(z)
    pc = np.clip(p, EPS, 1 - EPS)
    bce = -(t * np.log(pc) + (1 - t) * np.log(1 - pc))
    p_t = t * p + (1 - t) * (1 - p)
    weight = t * alpha + (1 - t) * (1 - alpha)
    expected = (weight * (1 - p_t) ** gamma * bce).mean(axis=-1)
    got = L.binary_focal_crossentropy(y, z, apply_class_balancing=True, alpha=alpha, gamma=gamma,
                                      from_logits=True, label_smoothing=s)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_categorical_focal_crossentropy_formula_with_class_alphas_and_logits() -> None:
    labels = np.eye(3)[[0, 2, 1, 1]]
    z = rng(3).normal(size=(4, 3))
    alpha, gamma, s = np.array([0.2, 0.5, 0.3]), 2.5, 0.1
    t = labels * (1 - s) + s / 3
    q = np.clip(softmax(z, axis=-1), EPS, 1 - EPS)
    expected = (alpha * (1 - q) ** gamma * -t * np.log(q)).sum(axis=-1)
    got = L.categorical_focal_crossentropy(labels, z, alpha=list(alpha), gamma=gamma, from_logits=True,
                                           label_smoothing=s)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_generalized_cross_entropy_formula() -> None:
    y_true = np.array([0, 1, 0, 1])
    y_pred = np.array([[0.7, 0.3], [0.2, 0.8], [0.6, 0.4], [0.4, 0.6]])
    p = y_pred[np.arange(4), y_true]
    expected = (1 - p ** 0.1) / 0.1
    np.testing.assert_allclose(L.CategoricalGeneralizedCrossEntropy(q=0.1, reduction=None)(y_true, y_pred),
                               expected, rtol=1e-12)
    assert float(L.CategoricalGeneralizedCrossEntropy(q=0.1)(y_true[:, None], y_pred)) == pytest.approx(
        expected.mean(), rel=1e-12)


def test_tversky_formula_and_dice_equivalence() -> None:
    y = (rng(1).uniform(size=(3, 4)) > 0.5).astype(float)
    p = rng(2).uniform(0.05, 0.95, size=(3, 4))
    alpha, beta = 0.7, 0.2
    overlap, fp, fn = (y * p).sum(-1), ((1 - p) * y).sum(-1), (p * (1 - y)).sum(-1)
    expected = 1 - overlap / (overlap + alpha * fp + beta * fn + EPS)
    np.testing.assert_allclose(L.tversky(y, p, alpha=alpha, beta=beta, axis=-1), expected, rtol=1e-12)
    np.testing.assert_allclose(L.tversky(y, p, axis=-1), L.dice(y, p, axis=-1), rtol=1e-6)


def _circle_by_loops(labels: np.ndarray, e: np.ndarray, gamma: float, margin: float,
                     remove_diagonal: bool) -> np.ndarray:
    n = len(labels)
    out = np.zeros(n)
    for i in range(n):
        pos_terms, neg_terms = [], []
        for j in range(n):
            d = max(1 - float(e[i] @ e[j]), 0.0)
            if labels[i] == labels[j] and not (remove_diagonal and i == j):
                pos_terms.append(-gamma * max(margin + d, 0) * (margin - d))
            elif labels[i] != labels[j]:
                neg_terms.append(gamma * max(1 + margin - d, 0) * ((1 - margin) - d))
        if pos_terms and neg_terms:
            out[i] = math.log1p(math.exp(logsumexp(pos_terms) + logsumexp(neg_terms)))
    return out


@pytest.mark.parametrize(("gamma", "margin", "remove_diagonal"), [(80.0, 0.4, True), (2.0, 0.25, False)])
def test_circle_matches_a_loop_over_pairs(gamma: float, margin: float, remove_diagonal: bool) -> None:
    labels = np.array([0, 1, 0, 2, 1, 1])
    e = rng(7).normal(size=(6, 4))
    e /= np.linalg.norm(e, axis=1, keepdims=True)
    expected = _circle_by_loops(labels, e, gamma, margin, remove_diagonal)
    loss = L.Circle(gamma=gamma, margin=margin, remove_diagonal=remove_diagonal, reduction=None)
    np.testing.assert_allclose(loss(labels, e), expected, rtol=1e-10)
    # rows without a positive pair (label 2 here, with the diagonal removed) are 0 and, as in Keras,
    # masked out of the mean
    counted = expected > 0
    mean = L.Circle(gamma=gamma, margin=margin, remove_diagonal=remove_diagonal)(labels, e)
    assert float(mean) == pytest.approx(expected[counted].sum() / (counted.sum() + EPS), rel=1e-9)


def _ctc_by_enumeration(labels: list[int], logits: np.ndarray) -> float:
    """-log of the summed probability of every path of ``len(logits)`` steps that collapses (merge
    repeats, drop blanks 0) to ``labels``."""
    probs = softmax(logits, axis=-1)
    total = 0.0
    for path in itertools.product(range(logits.shape[1]), repeat=logits.shape[0]):
        collapsed = [k for i, k in enumerate(path) if k != 0 and (i == 0 or path[i - 1] != k)]
        if collapsed == labels:
            total += math.prod(probs[t, k] for t, k in enumerate(path))
    return -math.log(total)


def test_ctc_matches_enumerating_every_alignment() -> None:
    y_true = np.array([[1, 2, 0], [2, 2, 0], [1, 0, 0], [0, 0, 0]])  # padded with 0, the blank
    logits = rng(3).normal(size=(4, 5, 3)) * 1.5
    expected = [_ctc_by_enumeration([int(k) for k in row if k], logits[b]) for b, row in enumerate(y_true)]
    np.testing.assert_allclose(L.ctc(y_true, logits), expected, rtol=1e-10)
    assert float(L.CTC()(y_true, logits)) == pytest.approx(np.mean(expected), rel=1e-10)


def test_ctc_refuses_shapes_keras_refuses() -> None:
    with pytest.raises(InputValidationError, match=r"CTC .*\(batch_size, max_length\)"):
        L.CTC()(np.zeros((2, 3, 1)), np.zeros((2, 4, 3)))
    with pytest.raises(InputValidationError, match="time, classes"):
        L.CTC()(np.zeros((2, 3)), np.zeros((2, 3)))


# -- sparse categorical cross-entropy: ignore_class and axis ----------------------------------------
def test_sparse_crossentropy_ignore_class_drops_those_positions_from_value_and_mean() -> None:
    y_true = np.array([[0, 2, -1], [1, -1, 2]])  # e.g. a 'void' class -1 in a segmentation map
    logits = rng(4).normal(size=(2, 3, 3))
    log_p = logits - logsumexp(logits, axis=-1, keepdims=True)
    valid = y_true != -1
    per_position = np.where(valid, -np.take_along_axis(log_p, np.where(valid, y_true, 0)[..., None], -1)[..., 0], 0)
    loss = L.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1, reduction=None)
    np.testing.assert_allclose(loss(y_true, logits), per_position, rtol=1e-12)
    mean = L.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)(y_true, logits)
    assert float(mean) == pytest.approx(per_position.sum() / (valid.sum() + EPS), rel=1e-9)
    _, backward = L.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1).forward(y_true, logits)
    assert not backward()[~valid].any()  # ignored positions get no gradient


def numeric_gradient(loss: object, y_true: np.ndarray, y_pred: np.ndarray, weights: object = None,
                     step: float = 1e-6) -> np.ndarray:
    """d loss.forward(...)[0] / d y_pred by central differences, entry by entry."""
    out = np.zeros_like(y_pred)
    for index in np.ndindex(y_pred.shape):
        delta = np.zeros_like(y_pred)
        delta[index] = step
        up = float(loss.forward(y_true, y_pred + delta, weights)[0])  # type: ignore[attr-defined]
        down = float(loss.forward(y_true, y_pred - delta, weights)[0])  # type: ignore[attr-defined]
        out[index] = (up - down) / (2 * step)
    return out


def test_sparse_crossentropy_over_a_channels_first_axis() -> None:
    y_true = np.array([[0, 2], [1, 1]])
    probs = softmax(rng(5).normal(size=(2, 3, 2)), axis=1)  # classes on axis 1
    expected = -np.log(np.take_along_axis(probs, y_true[:, None, :], axis=1)[:, 0, :])
    np.testing.assert_allclose(L.sparse_categorical_crossentropy(y_true, probs, axis=1), expected, rtol=1e-12)
    for loss, y_pred in ((L.SparseCategoricalCrossentropy(axis=1), probs),
                         (L.SparseCategoricalCrossentropy(axis=1, from_logits=True, ignore_class=2), np.log(probs))):
        _, backward = loss.forward(y_true, y_pred)
        np.testing.assert_allclose(backward(), numeric_gradient(loss, y_true, y_pred), rtol=1e-6, atol=1e-9)


def test_focal_crossentropies_along_the_first_axis_agree_with_the_transposed_problem() -> None:
    y = (rng(1).uniform(size=(3, 4)) > 0.5).astype(float)
    p = rng(2).uniform(0.05, 0.95, size=(3, 4))
    np.testing.assert_allclose(L.binary_crossentropy(y, p, axis=0), L.binary_crossentropy(y.T, p.T), rtol=1e-12)
    np.testing.assert_allclose(L.binary_focal_crossentropy(y, p, axis=0), L.binary_focal_crossentropy(y.T, p.T),
                               rtol=1e-12)
    one_hot, z = np.eye(3)[[0, 2, 1, 1]].T, rng(3).normal(size=(3, 4))
    np.testing.assert_allclose(L.categorical_focal_crossentropy(one_hot, z, axis=0, from_logits=True),
                               L.categorical_focal_crossentropy(one_hot.T, z.T, from_logits=True), rtol=1e-12)


# -- reductions and sample weights (Keras 3 semantics) ----------------------------------------------
def test_scalar_sample_weight_broadcasts() -> None:
    y_true, y_pred = rng(1).normal(size=(4, 2)), rng(2).normal(size=(4, 2))
    plain = float(L.get("mse")(y_true, y_pred))
    assert float(L.get("mse")(y_true, y_pred, sample_weight=2.3)) == pytest.approx(2.3 * plain, rel=1e-12)
    assert float(L.get("mse")(y_true, y_pred, sample_weight=0)) == 0.0


def test_the_five_keras_reductions() -> None:
    y_true, y_pred = rng(1).normal(size=(5, 2)), rng(2).normal(size=(5, 2))
    w = np.array([1.0, 0.0, 2.0, 0.5, 1.5])
    values = ((y_true - y_pred) ** 2).mean(-1)
    expected = {"sum": (values * w).sum(), "sum_over_batch_size": (values * w).sum() / 5,
                "mean": (values * w).sum() / 5, "mean_with_sample_weight": (values * w).sum() / w.sum()}
    for reduction, value in expected.items():
        assert float(L.get("mse", reduction=reduction)(y_true, y_pred, sample_weight=w)) == pytest.approx(value)
    for none in ("none", None):
        np.testing.assert_allclose(L.get("mse", reduction=none)(y_true, y_pred, sample_weight=w), values * w)
    zero = L.get("mse", reduction="mean_with_sample_weight")(y_true, y_pred, sample_weight=np.zeros(5))
    assert float(zero) == 0.0  # Keras's divide_no_nan


def test_weights_per_timestep_and_per_element() -> None:
    y_true, y_pred = rng(1).normal(size=(2, 3, 4)), rng(2).normal(size=(2, 3, 4))
    values = ((y_true - y_pred) ** 2).mean(-1)  # (batch, timesteps), as Keras keeps them
    np.testing.assert_allclose(L.mse(y_true, y_pred), values, rtol=1e-14)
    per_step = rng(3).uniform(size=(2, 3))
    assert float(L.get("mse")(y_true, y_pred, sample_weight=per_step)) == pytest.approx(
        (values * per_step).sum() / 6)
    per_sample = np.array([2.0, 0.5])
    assert float(L.get("mse")(y_true, y_pred, sample_weight=per_sample)) == pytest.approx(
        (values * per_sample[:, None]).sum() / 6)
    flat_true, flat_pred = y_true[:, 0, :], y_pred[:, 0, :]
    per_element = rng(4).uniform(size=(2, 4))  # the targets' shape: each scales its sample's loss
    flat_values = ((flat_true - flat_pred) ** 2).mean(-1)
    assert float(L.get("mse", reduction="sum")(flat_true, flat_pred, sample_weight=per_element)) == pytest.approx(
        (flat_values[:, None] * per_element).sum())


def test_weighted_backward_matches_central_differences() -> None:
    y_true, y_pred = rng(1).normal(size=(2, 3, 2)), rng(2).normal(size=(2, 3, 2))
    weights = rng(3).uniform(size=(2, 3))
    for reduction in ("mean_with_sample_weight", "sum_over_batch_size", "sum"):
        loss = L.get("log_cosh", reduction=reduction)
        _, backward = loss.forward(y_true, y_pred, weights)
        np.testing.assert_allclose(backward(), numeric_gradient(loss, y_true, y_pred, weights), rtol=1e-6,
                                   atol=1e-9)
    masked = L.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0)
    labels, logits = np.array([[0, 1, 2], [2, 0, 1]]), y_pred[..., :1].repeat(3, axis=-1) + rng(5).normal(
        size=(2, 3, 3))
    _, backward = masked.forward(labels, logits, weights)
    np.testing.assert_allclose(backward(), numeric_gradient(masked, labels, logits, weights), rtol=1e-6,
                               atol=1e-9)


def test_direct_call_refuses_targets_that_would_broadcast() -> None:
    with pytest.raises(InputValidationError, match=r"\(3, 3\).*\(3, 1\)"):
        L.get("mse")(np.zeros((3, 1)), np.ones((3, 3)))
    with pytest.raises(ValueError, match="BinaryCrossentropy"):
        L.get("binary_crossentropy")(np.zeros((3, 1)), np.full((3, 3), 0.5))
    # a trailing axis of 1 is aligned, as Keras aligns it
    assert float(L.get("mse")(np.zeros(3), np.ones((3, 1)))) == 1.0


def test_bad_arguments_name_the_loss_the_argument_and_the_value() -> None:
    with pytest.raises(ArgumentError, match=r"MeanSquaredError.*reduction.*'avg'"):
        L.get("mse", reduction="avg")
    with pytest.raises(ArgumentError, match=r"CategoricalGeneralizedCrossEntropy.*q.*1"):
        L.CategoricalGeneralizedCrossEntropy(q=1.0)
    with pytest.raises(ArgumentError, match=r"BinaryFocalCrossentropy.*gamma"):
        L.BinaryFocalCrossentropy(gamma=-1)
    with pytest.raises(ArgumentTypeError, match=r"BinaryFocalCrossentropy.*from_logits"):
        L.BinaryFocalCrossentropy(from_logits="yes")
    with pytest.raises(ArgumentError, match=r"Circle.*gamma"):
        L.Circle(gamma=0)
    with pytest.raises(ArgumentTypeError, match=r"Dice.*axis"):
        L.Dice(axis=1.5)
    with pytest.raises(ArgumentError, match=r"3 alpha weights.*2 classes"):
        L.categorical_focal_crossentropy(np.eye(2), np.full((2, 2), 0.5), alpha=[0.1, 0.2, 0.3])


@pytest.mark.parametrize("name", ["mape", "msle", "log_cosh", "cosine_similarity", "poisson", "kld",
                                  "squared_hinge", "categorical_hinge", "binary_focal_crossentropy",
                                  "categorical_focal_crossentropy", "dice", "tversky", "circle",
                                  "categorical_generalized_cross_entropy", "ctc"])
def test_config_round_trips_through_the_registry(name: str) -> None:
    loss = L.get(name)
    rebuilt = L.deserialize(L.serialize(loss))
    assert type(rebuilt) is type(loss) and rebuilt.get_config() == loss.get_config()


@pytest.mark.parametrize(("name", "kwargs", "y_true", "y_pred"), [
    ("binary_focal_crossentropy", {}, [[0.0, 1.0, 1.0]], [[0.0, 1.0, 0.0]]),
    ("binary_focal_crossentropy", {"from_logits": True, "gamma": 0.5}, [[0.0, 1.0]], [[-1e4, 1e4]]),
    ("categorical_focal_crossentropy", {}, [[0.0, 1.0, 0.0]], [[0.0, 1.0, 0.0]]),
    ("categorical_focal_crossentropy", {"from_logits": True}, [[0.0, 1.0, 0.0]], [[1e4, -1e4, 0.0]]),
    ("kld", {}, [[0.0, 1.0]], [[1.0, 0.0]]),
    ("msle", {}, [[0.0, 2.0]], [[-3.0, 1e4]]),
    ("log_cosh", {}, [[0.0, 0.0]], [[-1e4, 1e4]]),
    ("dice", {}, [[0.0, 0.0]], [[0.0, 0.0]]),
    ("tversky", {"axis": -1}, [[1.0, 0.0]], [[1.0, 0.0]]),
    ("cosine_similarity", {}, [[0.0, 0.0]], [[0.0, 0.0]]),
])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_saturated_inputs_give_finite_values_and_gradients(name: str, kwargs: dict, y_true: list, y_pred: list,
                                                            dtype: type) -> None:
    value, backward = L.get(name, **kwargs).forward(np.array(y_true, dtype), np.array(y_pred, dtype))
    assert np.isfinite(value).all() and np.isfinite(backward()).all()


def test_fit_time_target_checks_accept_what_the_loss_takes_and_name_what_it_does_not() -> None:
    scce = L.SparseCategoricalCrossentropy(ignore_class=-1)
    scce.check_targets(np.array([0, 2, -1]), (3,))  # the ignored class may lie outside [0, classes)
    with pytest.raises(InputValidationError, match=r"labels in \[0, 3\).*label -2"):
        scce.check_targets(np.array([0, -2]), (3,))
    L.Circle().check_targets(np.array([[7], [-3]]), (8,))  # labels only need to compare equal
    with pytest.raises(InputValidationError, match="one integer label per sample"):
        L.Circle().check_targets(np.eye(3), (3,))
    L.CTC().check_targets(np.array([[1, 2, 0]]), (5, 3))
    with pytest.raises(InputValidationError, match=r"labels in \[0, 3\)"):
        L.CTC().check_targets(np.array([[1, 3, 0]]), (5, 3))
    with pytest.raises(InputValidationError, match="integer class labels"):
        L.CategoricalGeneralizedCrossEntropy().check_targets(np.eye(3), (3,))
