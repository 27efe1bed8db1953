"""The per-sample formulas behind the loss-named metrics (``neuropil_metrics.per_sample``) against Keras's
definitions written out here as plain float64 loops, one sample and one class at a time.

The module is a helper (it defines no component), so these tests are what catches a wrong sign, factor
or clipping bound in it; each case reaches the branch it names (label smoothing, logits, one-hot
predictions at the clipping bound, 0/1 versus -1/1 hinge labels, an ignored class).
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from neuropil_metrics import per_sample

EPS = 1e-7  # Keras's backend epsilon()
RTOL, ATOL = 1e-12, 1e-15


def _rows(a: np.ndarray) -> list[list[float]]:
    return [[float(v) for v in row] for row in np.asarray(a, dtype=np.float64).reshape(-1, a.shape[-1])]


def _close(actual: object, expected: list[float]) -> None:
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64).ravel(), expected, rtol=RTOL, atol=ATOL)


@pytest.fixture
def data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    probabilities = rng.dirichlet(np.ones(4), size=6)
    probabilities[0] = [0.0, 1.0, 0.0, 0.0]  # at the clipping bounds
    return {
        "real_true": rng.normal(size=(6, 4)), "real_pred": rng.normal(size=(6, 4)),
        "soft_true": rng.dirichlet(np.ones(4), size=6), "probabilities": probabilities,
        "unnormalised": probabilities * rng.uniform(0.5, 2.0, size=(6, 1)),
        "one_hot": np.eye(4)[[1, 0, 3, 2, 2, 1]], "binary": (rng.uniform(size=(6, 4)) < 0.5).astype(float),
        "logits": rng.normal(scale=3.0, size=(6, 4)),
    }


def _clip(p: float, low: float, high: float) -> float:
    return min(max(p, low), high)


def test_squared_absolute_and_squared_log_errors(data: dict[str, np.ndarray]) -> None:
    t, p = data["real_true"], data["real_pred"]
    pairs = list(zip(_rows(t), _rows(p), strict=True))
    _close(per_sample.mean_squared_error(t, p), [sum((b - a) ** 2 for a, b in zip(*r, strict=True)) / 4 for r in pairs])
    _close(per_sample.mean_absolute_error(t, p), [sum(abs(b - a) for a, b in zip(*r, strict=True)) / 4 for r in pairs])
    msle = [sum((math.log(1 + max(b, EPS)) - math.log(1 + max(a, EPS))) ** 2 for a, b in zip(*r, strict=True)) / 4
            for r in pairs]
    _close(per_sample.mean_squared_logarithmic_error(t, p), msle)


def test_cosine_similarity_of_l2_normalised_rows(data: dict[str, np.ndarray]) -> None:
    t, p = data["real_true"], data["real_pred"]
    t[1] = 0.0  # an all-zero row: Keras's l2_normalize floors the squared norm at 1e-12
    expected = []
    for a, b in zip(_rows(t), _rows(p), strict=True):
        na = math.sqrt(max(sum(x * x for x in a), 1e-12))
        nb = math.sqrt(max(sum(x * x for x in b), 1e-12))
        expected.append(sum((x / na) * (y / nb) for x, y in zip(a, b, strict=True)))
    _close(per_sample.cosine_similarity(t, p), expected)


@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_binary_crossentropy_on_probabilities_and_logits(data: dict[str, np.ndarray], smoothing: float) -> None:
    t, p, z = data["soft_true"], data["probabilities"], data["logits"]
    smooth = [[a * (1 - smoothing) + 0.5 * smoothing for a in row] for row in _rows(t)]
    on_probabilities = []
    for row_t, row_p in zip(smooth, _rows(p), strict=True):
        terms = [-(a * math.log(_clip(b, EPS, 1 - EPS)) + (1 - a) * math.log(1 - _clip(b, EPS, 1 - EPS)))
                 for a, b in zip(row_t, row_p, strict=True)]
        on_probabilities.append(sum(terms) / 4)
    _close(per_sample.binary_crossentropy(t, p, label_smoothing=smoothing), on_probabilities)
    on_logits = []  # -(t log σ(z) + (1 - t) log(1 - σ(z))), written with the sigmoid itself
    for row_t, row_z in zip(smooth, _rows(z), strict=True):
        terms = [-(a * math.log(1 / (1 + math.exp(-x))) + (1 - a) * math.log(1 - 1 / (1 + math.exp(-x))))
                 for a, x in zip(row_t, row_z, strict=True)]
        on_logits.append(sum(terms) / 4)
    np.testing.assert_allclose(per_sample.binary_crossentropy(t, z, from_logits=True, label_smoothing=smoothing),
                               on_logits, rtol=1e-9)


@pytest.mark.parametrize("smoothing", [0.0, 0.3])
def test_categorical_crossentropy_renormalises_clips_and_smooths(data: dict[str, np.ndarray],
                                                                 smoothing: float) -> None:
    t, p, z = data["soft_true"], data["unnormalised"], data["logits"]
    expected = []
    for row_t, row_p in zip(_rows(t), _rows(p), strict=True):
        total = sum(row_p)
        expected.append(-sum((a * (1 - smoothing) + smoothing / 4) * math.log(_clip(b / total, EPS, 1 - EPS))
                             for a, b in zip(row_t, row_p, strict=True)))
    _close(per_sample.categorical_crossentropy(t, p, label_smoothing=smoothing), expected)
    on_logits = []
    for row_t, row_z in zip(_rows(t), _rows(z), strict=True):
        log_total = math.log(sum(math.exp(x) for x in row_z))
        on_logits.append(-sum((a * (1 - smoothing) + smoothing / 4) * (x - log_total)
                              for a, x in zip(row_t, row_z, strict=True)))
    np.testing.assert_allclose(per_sample.categorical_crossentropy(t, z, from_logits=True, label_smoothing=smoothing),
                               on_logits, rtol=1e-10)


def test_a_prediction_at_one_is_clipped_below_one(data: dict[str, np.ndarray]) -> None:
    """Keras clips probabilities to [ε, 1 - ε]: a certain, correct prediction still costs -log(1 - ε)."""
    one_hot = np.array([[0.0, 1.0, 0.0]])
    assert per_sample.categorical_crossentropy(one_hot, one_hot)[0] == pytest.approx(-math.log(1 - EPS), rel=1e-9)
    assert per_sample.sparse_categorical_crossentropy(np.array([1]), one_hot)[0] == pytest.approx(
        -math.log(1 - EPS), rel=1e-9)


def test_sparse_categorical_crossentropy_with_an_ignored_class(data: dict[str, np.ndarray]) -> None:
    p = data["unnormalised"]
    labels = np.array([1, 0, 3, 2, 2, 1])
    expected = [0.0 if label == 2 else -math.log(_clip(row[label] / sum(row), EPS, 1 - EPS))
                for label, row in zip(labels, _rows(p), strict=True)]
    _close(per_sample.sparse_categorical_crossentropy(labels, p, ignore_class=2), expected)
    _, mask = per_sample.sparse_categorical_crossentropy_parts(labels, p, ignore_class=2)
    np.testing.assert_array_equal(mask, (labels != 2).astype(float))


def test_kl_divergence_and_poisson(data: dict[str, np.ndarray]) -> None:
    t, p = data["soft_true"], data["probabilities"]
    t[2, 0] = 0.0  # a zero target adds eps * log(eps / p)
    kl = [sum(_clip(a, EPS, 1) * math.log(_clip(a, EPS, 1) / _clip(b, EPS, 1)) for a, b in zip(ra, rb, strict=True))
          for ra, rb in zip(_rows(t), _rows(p), strict=True)]
    _close(per_sample.kl_divergence(t, p), kl)
    rates = p + 0.5
    poisson = [sum(b - a * math.log(b + EPS) for a, b in zip(ra, rb, strict=True)) / 4
               for ra, rb in zip(_rows(t), _rows(rates), strict=True)]
    _close(per_sample.poisson(t, rates), poisson)


@pytest.mark.parametrize("labels", ["binary", "signed"])
def test_hinge_and_squared_hinge_read_binary_labels_as_signed(data: dict[str, np.ndarray], labels: str) -> None:
    t = data["binary"] if labels == "binary" else 2 * data["binary"] - 1
    p = data["real_pred"]
    signed = [[2 * a - 1 if labels == "binary" else a for a in row] for row in _rows(t)]
    margins = [[max(1 - a * b, 0.0) for a, b in zip(ra, rb, strict=True)] for ra, rb in zip(signed, _rows(p),
                                                                                           strict=True)]
    _close(per_sample.hinge(t, p), [sum(row) / 4 for row in margins])
    _close(per_sample.squared_hinge(t, p), [sum(m * m for m in row) / 4 for row in margins])


def test_categorical_hinge_is_the_crammer_singer_margin(data: dict[str, np.ndarray]) -> None:
    t, p = data["one_hot"], data["real_pred"]
    p[0, 1] = 5.0  # a confident, correct row: the margin is met and the hinge is 0
    expected = []
    for ra, rb in zip(_rows(t), _rows(p), strict=True):
        positive = sum(a * b for a, b in zip(ra, rb, strict=True))
        negative = max((1 - a) * b for a, b in zip(ra, rb, strict=True))
        expected.append(max(negative - positive + 1, 0.0))
    _close(per_sample.categorical_hinge(t, p), expected)
    assert 0.0 in expected and max(expected) > 0.0  # both sides of the outer max are reached
