"""The per-sample formulas of the loss-named metrics (neuropil_metrics.per_sample) against Keras's
definitions written out here element by element in float64, including the points where a clip, a
floor or a label rule decides the value (a probability of exactly 0 or 1, a negative value under a
logarithm, a zero vector, 0/1 hinge labels), so a wrong sign, epsilon or axis there fails."""
from __future__ import annotations

import math

import numpy as np
import pytest
from neuropil_metrics import per_sample

EPS = 1e-7  # Keras's backend.epsilon()
RTOL = 1e-10


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def _close(actual: object, expected: object) -> None:
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64),
                               rtol=RTOL, atol=1e-12)


def _rows(f, *arrays):  # type: ignore[no-untyped-def]
    """``f`` applied to each row of equally shaped 2-D arrays."""
    return [f(*rows) for rows in zip(*arrays)]


def test_mean_squared_and_absolute_error_per_row() -> None:
    t, p = _rng().normal(size=(5, 3)), _rng(1).normal(size=(5, 3))
    _close(per_sample.mean_squared_error(t, p), _rows(lambda a, b: sum((y - x) ** 2 for x, y in zip(a, b)) / 3, t, p))
    _close(per_sample.mean_absolute_error(t, p), _rows(lambda a, b: sum(abs(y - x) for x, y in zip(a, b)) / 3, t, p))


def test_one_dimensional_inputs_are_one_value_per_sample() -> None:
    t, p = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 4.0])
    _close(per_sample.mean_squared_error(t, p), [1.0, 0.0, 4.0])


def test_msle_floors_both_sides_at_epsilon() -> None:
    t = np.array([[0.5, -3.0, 2.0], [0.0, 1.0, -0.5]])
    p = np.array([[-1.0, 0.2, 3.0], [4.0, 0.0, 1e-9]])

    def row(a: np.ndarray, b: np.ndarray) -> float:
        return sum((math.log(1.0 + max(y, EPS)) - math.log(1.0 + max(x, EPS))) ** 2 for x, y in zip(a, b)) / 3

    _close(per_sample.mean_squared_logarithmic_error(t, p), _rows(row, t, p))


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Keras 3's ops.normalize floors each vector's norm at epsilon."""
    na = max(math.sqrt(sum(x * x for x in a)), EPS)
    nb = max(math.sqrt(sum(y * y for y in b)), EPS)
    return sum(x * y for x, y in zip(a, b)) / (na * nb)


def test_cosine_similarity_along_the_last_and_another_axis() -> None:
    t, p = _rng(2).normal(size=(4, 3)), _rng(3).normal(size=(4, 3))
    _close(per_sample.cosine_similarity(t, p), _rows(_cosine, t, p))
    _close(per_sample.cosine_similarity(t, p, axis=0), _rows(_cosine, t.T, p.T))


def test_cosine_similarity_floors_the_norm_at_epsilon() -> None:
    """A vector of norm 1e-8 is divided by 1e-7, not by its own norm (Keras 3's ops.normalize caps the
    inverse norm at 1/epsilon); one of norm 2e-7 is not floored; an all-zero vector scores 0."""
    t = np.array([[1e-8, 0.0], [0.0, 2e-7], [0.0, 0.0], [3.0, 4.0]])
    p = np.array([[1.0, 0.0], [0.0, 5.0], [1.0, 2.0], [4.0, 3.0]])
    _close(per_sample.cosine_similarity(t, p), [0.1, 1.0, 0.0, 24.0 / 25.0])


def _bce(t: float, p: float) -> float:
    q = min(max(p, EPS), 1.0 - EPS)
    return -(t * math.log(q) + (1.0 - t) * math.log(1.0 - q))


def test_binary_crossentropy_clips_probabilities_at_epsilon() -> None:
    t = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    p = np.array([[0.0, 1.0, 0.3], [0.999, 1e-9, 0.5]])
    _close(per_sample.binary_crossentropy(t, p), _rows(lambda a, b: sum(map(_bce, a, b)) / 3, t, p))


def test_binary_crossentropy_label_smoothing_pulls_targets_to_one_half() -> None:
    t, p = np.array([[1.0, 0.0]]), np.array([[0.8, 0.3]])
    s = 0.2
    expected = (_bce(1.0 - s / 2, 0.8) + _bce(s / 2, 0.3)) / 2
    _close(per_sample.binary_crossentropy(t, p, label_smoothing=s), [expected])


def test_binary_crossentropy_from_logits_is_the_exact_logistic_loss() -> None:
    z = np.array([[-30.0, -2.0, 0.0], [0.5, 3.0, 40.0]])
    t = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.3]])

    def one(a: float, x: float) -> float:  # -a log σ(x) - (1 - a) log(1 - σ(x))
        return a * math.log1p(math.exp(-x)) + (1.0 - a) * (x + math.log1p(math.exp(-x)))

    _close(per_sample.binary_crossentropy(t, z, from_logits=True), _rows(lambda a, b: sum(map(one, a, b)) / 3, t, z))


def _log_q(row: np.ndarray, from_logits: bool) -> list[float]:
    if from_logits:
        m = max(row)
        log_total = m + math.log(sum(math.exp(v - m) for v in row))
        return [v - log_total for v in row]
    total = sum(row)
    return [math.log(min(max(v / total, EPS), 1.0 - EPS)) for v in row]


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.3])
def test_categorical_crossentropy(from_logits: bool, smoothing: float) -> None:
    t = np.eye(4)[[0, 3, 2]]
    p = _rng(4).uniform(0.0, 2.0, size=(3, 4)) if not from_logits else _rng(4).normal(scale=3.0, size=(3, 4))
    p[0, 0] = 0.0 if not from_logits else p[0, 0]  # a zero probability: clipped at epsilon

    def row(a: np.ndarray, b: np.ndarray) -> float:
        smoothed = [x * (1.0 - smoothing) + smoothing / 4 for x in a]
        return -sum(x * lq for x, lq in zip(smoothed, _log_q(b, from_logits)))

    _close(per_sample.categorical_crossentropy(t, p, from_logits=from_logits, label_smoothing=smoothing),
           _rows(row, t, p))


def test_categorical_crossentropy_on_another_axis() -> None:
    t = np.eye(3)[[0, 2, 1, 1]].T  # classes along axis 0: (3 classes, 4 samples)
    p = _rng(5).uniform(0.1, 1.0, size=(3, 4))
    expected = [-sum(x * lq for x, lq in zip(t[:, j], _log_q(p[:, j], False))) for j in range(4)]
    _close(per_sample.categorical_crossentropy(t, p, axis=0), expected)


@pytest.mark.parametrize("from_logits", [False, True])
def test_sparse_categorical_crossentropy(from_logits: bool) -> None:
    labels = np.array([[2], [0], [1]])
    p = _rng(6).uniform(0.05, 1.0, size=(3, 3)) if not from_logits else _rng(6).normal(size=(3, 3))
    expected = [-_log_q(p[i], from_logits)[int(labels[i, 0])] for i in range(3)]
    _close(per_sample.sparse_categorical_crossentropy(labels, p, from_logits=from_logits), expected)


def test_sparse_categorical_crossentropy_ignore_class_masks_positions() -> None:
    labels = np.array([1, 0, 2, 1])
    p = _rng(7).uniform(0.05, 1.0, size=(4, 3))
    values, valid = per_sample.sparse_categorical_crossentropy_parts(labels, p, ignore_class=1)
    _close(valid, [0.0, 1.0, 1.0, 0.0])
    _close(values, [0.0, -_log_q(p[1], False)[0], -_log_q(p[2], False)[2], 0.0])


def test_sparse_categorical_crossentropy_class_axis_first() -> None:
    labels = np.array([0, 2])
    p = _rng(8).uniform(0.05, 1.0, size=(3, 2))  # (classes, samples)
    expected = [-_log_q(p[:, j], False)[int(labels[j])] for j in range(2)]
    _close(per_sample.sparse_categorical_crossentropy(labels, p, axis=0), expected)


def test_kl_divergence_clips_both_sides() -> None:
    t = np.array([[0.0, 1.0, 0.0], [0.2, 0.5, 0.3], [1.5, -0.5, 0.0]])
    p = np.array([[0.3, 0.7, 0.0], [1.5, 0.25, 0.25], [0.5, 0.25, 0.25]])

    def row(a: np.ndarray, b: np.ndarray) -> float:
        total = 0.0
        for x, y in zip(a, b):
            x, y = min(max(x, EPS), 1.0), min(max(y, EPS), 1.0)
            total += x * math.log(x / y)
        return total

    _close(per_sample.kl_divergence(t, p), _rows(row, t, p))


def test_poisson_adds_epsilon_inside_the_log() -> None:
    t, p = np.array([[1.0, 3.0], [2.0, 0.0]]), np.array([[0.0, 2.5], [0.5, 1.0]])
    _close(per_sample.poisson(t, p), _rows(lambda a, b: sum(y - x * math.log(y + EPS) for x, y in zip(a, b)) / 2,
                                           t, p))


def _hinge_rows(t: np.ndarray, p: np.ndarray, power: int) -> list[float]:
    binary = all(v in (0.0, 1.0) for v in t.reshape(-1))
    signed = 2.0 * t - 1.0 if binary else t
    return [sum(max(1.0 - a * b, 0.0) ** power for a, b in zip(ra, rb)) / len(ra) for ra, rb in zip(signed, p)]


@pytest.mark.parametrize("targets", [[[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]],      # 0/1: read as -1/1
                                     [[-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]],    # already signed
                                     [[0.5, 1.0], [0.0, 2.0], [1.0, -1.0]]])   # neither: used as they are
def test_hinge_and_squared_hinge_label_rule(targets: list[list[float]]) -> None:
    t = np.array(targets)
    p = np.array([[0.3, -0.6], [1.4, 0.2], [-2.0, 0.9]])
    _close(per_sample.hinge(t, p), _hinge_rows(t, p, 1))
    _close(per_sample.squared_hinge(t, p), _hinge_rows(t, p, 2))


def test_categorical_hinge_counts_negative_wrong_scores_as_zero() -> None:
    t = np.eye(3)[[0, 1, 2]]
    p = np.array([[0.2, 0.9, 0.1], [-0.5, 0.4, -0.2], [1.5, -3.0, 0.3]])

    def row(a: np.ndarray, b: np.ndarray) -> float:
        positive = sum(x * y for x, y in zip(a, b))
        negative = max((1.0 - x) * y for x, y in zip(a, b))
        return max(0.0, 1.0 + negative - positive)

    _close(per_sample.categorical_hinge(t, p), _rows(row, t, p))
    _close(per_sample.categorical_hinge(t[1:2], p[1:2]), [0.6])  # max((1-t)p) is 0 here, not -0.2
