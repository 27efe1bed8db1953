"""The standard losses, reached through ``neuropil.losses.get`` as users reach them: Keras's formulas
and defaults, backward passes that match central differences in float64, stable logits forms that
agree with the probability forms, and target errors that say what was wrong."""
from __future__ import annotations

import math
from typing import Any

import neuropil.activations
import neuropil.config
import neuropil.losses as L
import numpy as np
import pytest
from finite_differences import central_difference
from hypothesis import given, settings
from hypothesis import strategies as st

EPS = 1e-7


def gradient_of(f: Any, x: np.ndarray) -> np.ndarray:
    """d f(x) / dx for a scalar-valued ``f``, by central differences (on a copy of ``x``)."""
    point = x.copy()
    return central_difference(lambda: f(point), point)


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def probabilities(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    return rng(seed).uniform(0.05, 0.95, size=shape)


def distributions(n: int, k: int, seed: int = 0) -> np.ndarray:
    p = rng(seed).uniform(0.1, 1.0, size=(n, k))
    return p / p.sum(axis=1, keepdims=True)


def one_hot(labels: np.ndarray, k: int) -> np.ndarray:
    return np.eye(k)[labels]


# -- (name, kwargs, y_true, y_pred) cases whose backward is checked --------------------------------
def gradient_cases() -> list[tuple[str, dict[str, Any], np.ndarray, np.ndarray]]:
    regression_true, regression_pred = rng(1).normal(size=(4, 3)), rng(2).normal(size=(4, 3))
    binary = (rng(3).uniform(size=(4, 2)) > 0.5).astype(float)
    labels = np.array([0, 2, 1, 2])
    return [
        ("mse", {}, regression_true, regression_pred),
        ("mae", {}, regression_true, regression_pred),
        ("huber", {}, regression_true, regression_pred * 2),
        ("huber", {"delta": 0.3}, regression_true, regression_pred),
        ("hinge", {}, binary, regression_pred[:, :2]),
        ("hinge", {}, 2 * binary - 1, regression_pred[:, :2]),
        ("binary_crossentropy", {}, binary, probabilities((4, 2))),
        ("binary_crossentropy", {"label_smoothing": 0.2}, binary, probabilities((4, 2))),
        ("binary_crossentropy", {"from_logits": True}, binary, rng(4).normal(scale=3, size=(4, 2))),
        ("binary_crossentropy", {"from_logits": True, "label_smoothing": 0.1}, binary,
         rng(4).normal(size=(4, 2))),
        ("categorical_crossentropy", {}, one_hot(labels, 3), distributions(4, 3)),
        ("categorical_crossentropy", {}, one_hot(labels, 3), rng(5).uniform(0.1, 2.0, size=(4, 3))),
        ("categorical_crossentropy", {"label_smoothing": 0.3}, one_hot(labels, 3), distributions(4, 3)),
        ("categorical_crossentropy", {"from_logits": True}, one_hot(labels, 3), rng(6).normal(size=(4, 3))),
        ("categorical_crossentropy", {"from_logits": True}, distributions(4, 3, seed=9),
         rng(6).normal(size=(4, 3))),
        ("categorical_crossentropy", {"from_logits": True, "label_smoothing": 0.1}, one_hot(labels, 3),
         rng(6).normal(size=(4, 3))),
        ("sparse_categorical_crossentropy", {}, labels, distributions(4, 3)),
        ("sparse_categorical_crossentropy", {}, labels[:, None], rng(5).uniform(0.1, 2.0, size=(4, 3))),
        ("sparse_categorical_crossentropy", {"from_logits": True}, labels, rng(6).normal(size=(4, 3))),
    ]


CASES = gradient_cases()
CASE_IDS = [f"{name}-{kwargs}-{i}" for i, (name, kwargs, _, _) in enumerate(CASES)]


def away_from_kinks(loss: Any, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    distance = loss.kink_distance(y_true, y_pred)
    if distance is None:
        return y_pred
    close = np.abs(distance) < 1e-3
    return np.where(close, y_pred + 1e-2, y_pred)


# -- names -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("spelling", "canonical"), [
    ("mse", "mean_squared_error"), ("MeanSquaredError", "mean_squared_error"),
    ("mae", "mean_absolute_error"), ("MAE", "mean_absolute_error"), ("hinge", "hinge"),
    ("Huber", "huber_loss"), ("huber_loss", "huber_loss"), ("binary_crossentropy", "binary_crossentropy"),
    ("BinaryCrossentropy", "binary_crossentropy"), ("categorical_crossentropy", "categorical_crossentropy"),
    ("SparseCategoricalCrossentropy", "sparse_categorical_crossentropy"),
])
def test_keras_spellings_resolve_with_keras_default_names(spelling: str, canonical: str) -> None:
    assert L.get(spelling).name == canonical


def test_keras_defaults() -> None:
    bce = L.get("binary_crossentropy")
    assert (bce.from_logits, bce.label_smoothing, bce.reduction) == (False, 0.0, "sum_over_batch_size")
    assert L.get("huber").delta == 1.0
    assert L.get("categorical_crossentropy").axis == -1
    assert L.get("sparse_categorical_crossentropy").sparse_targets is True


# -- values against Keras's formulas, element by element ---------------------------------------------
def test_regression_losses_match_keras_formulas() -> None:
    y_true = np.array([[0.0, 1.0, 2.0], [1.0, -1.0, 0.5]])
    y_pred = np.array([[0.5, 1.0, -1.0], [1.2, 0.9, 0.5]])
    rows = list(zip(y_true.tolist(), y_pred.tolist()))

    def huber(e: float, d: float) -> float:
        return 0.5 * e * e if abs(e) <= d else d * abs(e) - 0.5 * d * d

    expected = {
        "mse": np.mean([np.mean([(p - t) ** 2 for t, p in zip(*r)]) for r in rows]),
        "mae": np.mean([np.mean([abs(p - t) for t, p in zip(*r)]) for r in rows]),
        "huber": np.mean([np.mean([huber(p - t, 1.0) for t, p in zip(*r)]) for r in rows]),
    }
    for name, value in expected.items():
        assert float(L.get(name)(y_true, y_pred)) == pytest.approx(value, rel=1e-14), name
    half = np.mean([np.mean([huber(p - t, 0.5) for t, p in zip(*r)]) for r in rows])
    assert float(L.get("huber", delta=0.5)(y_true, y_pred)) == pytest.approx(half, rel=1e-14)


def test_hinge_maps_zero_one_labels_to_minus_one_plus_one() -> None:
    y_pred = np.array([[0.3, -2.0], [1.5, 0.2]])
    zero_one = np.array([[1.0, 0.0], [0.0, 1.0]])
    signed = 2 * zero_one - 1
    expected = np.mean([np.mean([max(1 - t * p, 0.0) for t, p in zip(tr, pr)])
                        for tr, pr in zip(signed.tolist(), y_pred.tolist())])
    hinge = L.get("hinge")
    assert float(hinge(zero_one, y_pred)) == pytest.approx(expected, rel=1e-14)
    assert float(hinge(signed, y_pred)) == pytest.approx(expected, rel=1e-14)
    # Labels that are not all 0/1 are used as they are (Keras's rule).
    mixed = np.array([[1.0, 0.0], [-1.0, 1.0]])
    unmapped = np.mean([np.mean([max(1 - t * p, 0.0) for t, p in zip(tr, pr)])
                        for tr, pr in zip(mixed.tolist(), y_pred.tolist())])
    assert float(hinge(mixed, y_pred)) == pytest.approx(unmapped, rel=1e-14)


def test_binary_crossentropy_matches_keras_formula_with_clipping_and_smoothing() -> None:
    y_true = np.array([[1.0, 0.0], [0.0, 1.0]])
    y_pred = np.array([[0.9, 0.2], [0.0, 1.0]])  # 0 and 1 are clipped to [eps, 1 - eps]

    def keras_bce(smoothing: float) -> float:
        rows = []
        for tr, pr in zip(y_true.tolist(), y_pred.tolist()):
            terms = []
            for t, p in zip(tr, pr):
                t = t * (1 - smoothing) + 0.5 * smoothing
                p = min(max(p, EPS), 1 - EPS)
                terms.append(-(t * math.log(p) + (1 - t) * math.log(1 - p)))
            rows.append(np.mean(terms))
        return float(np.mean(rows))

    assert float(L.get("binary_crossentropy")(y_true, y_pred)) == pytest.approx(keras_bce(0.0), rel=1e-9)
    smoothed = L.get("binary_crossentropy", label_smoothing=0.2)(y_true, y_pred)
    assert float(smoothed) == pytest.approx(keras_bce(0.2), rel=1e-9)


def test_epsilon_comes_from_the_global_setting() -> None:
    y_true, y_pred = np.array([[1.0]]), np.array([[0.0]])
    default = float(L.get("binary_crossentropy")(y_true, y_pred))
    try:
        neuropil.config.set_epsilon(1e-3)
        assert float(L.get("binary_crossentropy")(y_true, y_pred)) == pytest.approx(-math.log(1e-3))
    finally:
        neuropil.config.set_epsilon(EPS)
    assert default == pytest.approx(-math.log(EPS))


def test_categorical_crossentropy_normalises_rows_then_clips_like_keras() -> None:
    y_true = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    y_pred = np.array([[1.0, 2.0, 1.0], [0.5, 0.5, 0.0]])  # unnormalised; a zero probability

    def keras_cce(smoothing: float) -> float:
        rows = []
        for tr, pr in zip(y_true.tolist(), y_pred.tolist()):
            total = sum(pr)
            rows.append(-sum((t * (1 - smoothing) + smoothing / 3) * math.log(min(max(p / total, EPS), 1 - EPS))
                             for t, p in zip(tr, pr)))
        return float(np.mean(rows))

    assert float(L.get("categorical_crossentropy")(y_true, y_pred)) == pytest.approx(keras_cce(0.0), rel=1e-9)
    smoothed = L.get("categorical_crossentropy", label_smoothing=0.1)(y_true, y_pred)
    assert float(smoothed) == pytest.approx(keras_cce(0.1), rel=1e-9)
    sparse = L.get("sparse_categorical_crossentropy")(np.array([1, 2]), y_pred)
    assert float(sparse) == pytest.approx(keras_cce(0.0), rel=1e-9)


def test_logits_forms_match_the_formulas() -> None:
    z = np.array([[2.0, -1.0, 0.5], [-3.0, 0.0, 4.0]])
    labels = np.array([2, 0])
    log_softmax = [[v - math.log(sum(math.exp(u) for u in row)) for v in row] for row in z.tolist()]
    expected_cce = -np.mean([row[k] for row, k in zip(log_softmax, labels)])
    cce = L.get("categorical_crossentropy", from_logits=True)(one_hot(labels, 3), z)
    scce = L.get("sparse_categorical_crossentropy", from_logits=True)(labels, z)
    assert float(cce) == pytest.approx(expected_cce, rel=1e-14)
    assert float(scce) == pytest.approx(expected_cce, rel=1e-14)
    y = np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    def bce(t: float, v: float) -> float:
        p = 1 / (1 + math.exp(-v))
        return -(t * math.log(p) + (1 - t) * math.log(1 - p))

    expected_bce = np.mean([np.mean([bce(t, v) for t, v in zip(tr, zr)]) for tr, zr in zip(y.tolist(), z.tolist())])
    assert float(L.get("binary_crossentropy", from_logits=True)(y, z)) == pytest.approx(expected_bce, rel=1e-12)


def test_reductions_and_sample_weights() -> None:
    y_true, y_pred = rng(1).normal(size=(5, 2)), rng(2).normal(size=(5, 2))
    per_sample = ((y_pred - y_true) ** 2).mean(axis=1)
    np.testing.assert_allclose(L.get("mse", reduction="none")(y_true, y_pred), per_sample, rtol=1e-14)
    assert float(L.get("mse", reduction="sum")(y_true, y_pred)) == pytest.approx(per_sample.sum())
    weights = np.array([1.0, 0.0, 2.0, 0.5, 1.0])
    weighted = float(L.get("mse")(y_true, y_pred, sample_weight=weights))
    assert weighted == pytest.approx((per_sample * weights).sum() / 5)


def test_flat_targets_match_single_unit_predictions() -> None:
    y_pred = probabilities((6, 1))
    y_true = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0])
    for name in ("mse", "mae", "huber", "hinge", "binary_crossentropy"):
        flat = float(L.get(name)(y_true, y_pred))
        assert flat == pytest.approx(float(L.get(name)(y_true[:, None], y_pred))), name


# -- gradients -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "kwargs", "y_true", "y_pred"), CASES, ids=CASE_IDS)
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum"])
def test_backward_matches_central_differences(name: str, kwargs: dict[str, Any], y_true: np.ndarray,
                                              y_pred: np.ndarray, reduction: str) -> None:
    loss = L.get(name, reduction=reduction, **kwargs)
    y_pred = away_from_kinks(loss, y_true, y_pred)
    _, backward = loss.forward(y_true, y_pred)
    expected = gradient_of(lambda p: float(loss.forward(y_true, p)[0]), y_pred)
    np.testing.assert_allclose(backward(1.0), expected, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(backward(2.5), 2.5 * expected, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(("name", "kwargs", "y_true", "y_pred"), CASES, ids=CASE_IDS)
def test_per_sample_backward_matches_central_differences(name: str, kwargs: dict[str, Any],
                                                         y_true: np.ndarray, y_pred: np.ndarray) -> None:
    loss = L.get(name, **kwargs)
    y_pred = away_from_kinks(loss, y_true, y_pred)
    dvalues = rng(7).normal(size=len(y_pred))
    _, backward = loss.per_sample(y_true, y_pred)
    expected = gradient_of(lambda p: float((loss.per_sample(y_true, p)[0] * dvalues).sum()), y_pred)
    np.testing.assert_allclose(backward(dvalues), expected, rtol=1e-6, atol=1e-9)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 4), k=st.integers(2, 4), scale=st.floats(0.1, 8.0), seed=st.integers(0, 10 ** 6),
       smoothing=st.sampled_from([0.0, 0.1]))
def test_logits_gradients_match_central_differences_for_drawn_batches(n: int, k: int, scale: float, seed: int,
                                                                       smoothing: float) -> None:
    generator = np.random.default_rng(seed)
    z = generator.normal(scale=scale, size=(n, k))
    labels = generator.integers(0, k, size=n)
    cases = [
        (L.get("categorical_crossentropy", from_logits=True, label_smoothing=smoothing), one_hot(labels, k)),
        (L.get("sparse_categorical_crossentropy", from_logits=True), labels),
        (L.get("binary_crossentropy", from_logits=True, label_smoothing=smoothing),
         generator.integers(0, 2, size=(n, k)).astype(float)),
    ]
    for loss, y in cases:
        _, backward = loss.forward(y, z)
        expected = gradient_of(lambda p, loss=loss, y=y: float(loss.forward(y, p)[0]), z)
        np.testing.assert_allclose(backward(1.0), expected, rtol=1e-5, atol=1e-8, err_msg=loss.name)


# -- the fused logits path -------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "activation", "kwargs"), [
    ("binary_crossentropy", "sigmoid", {}),
    ("binary_crossentropy", "sigmoid", {"label_smoothing": 0.2}),
    ("categorical_crossentropy", "softmax", {}),
    ("categorical_crossentropy", "softmax", {"label_smoothing": 0.1}),
    ("sparse_categorical_crossentropy", "softmax", {}),
])
def test_logits_variant_agrees_with_activation_then_probability_loss(name: str, activation: str,
                                                                     kwargs: dict[str, Any]) -> None:
    loss = L.get(name, reduction="sum", **kwargs)
    fused = loss.logits_variant(activation)
    assert fused is not None and fused.from_logits and not loss.from_logits
    assert fused.get_config() == {**loss.get_config(), "from_logits": True}
    z = rng(8).normal(scale=2, size=(5, 3))
    labels = rng(9).integers(0, 3, size=5)
    y = {"binary_crossentropy": (rng(9).uniform(size=(5, 3)) > 0.5) * 1.0,
         "categorical_crossentropy": one_hot(labels, 3),
         "sparse_categorical_crossentropy": labels}[name]
    probabilities_, activation_backward = neuropil.activations.get(activation).forward(z)
    value, loss_backward = loss.forward(y, probabilities_)
    fused_value, fused_backward = fused.forward(y, z)
    assert float(fused_value) == pytest.approx(float(value), rel=1e-10)
    np.testing.assert_allclose(fused_backward(1.0), activation_backward(loss_backward(1.0)), rtol=1e-8, atol=1e-12)


def test_logits_variant_only_for_the_matching_activation() -> None:
    assert L.get("binary_crossentropy").logits_variant("softmax") is None
    assert L.get("binary_crossentropy", from_logits=True).logits_variant("sigmoid") is None
    assert L.get("categorical_crossentropy").logits_variant("sigmoid") is None
    assert L.get("mse").logits_variant("sigmoid") is None
    assert L.get("sparse_categorical_crossentropy").logits_variant("softmax").from_logits


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logits_losses_are_exact_and_finite_for_huge_logits(dtype: type) -> None:
    # RuntimeWarnings are errors in this suite, so this also asserts no overflow happened.
    z = np.array([[1e4, -1e4], [-1e4, 1e4]], dtype=dtype)
    y = np.array([[1.0, 0.0], [1.0, 0.0]], dtype=dtype)
    bce, bce_backward = L.get("binary_crossentropy", from_logits=True).forward(y, z)
    assert float(bce) == pytest.approx(1e4 / 2)  # row 2 is wrong by 1e4 on both units, row 1 right
    np.testing.assert_allclose(bce_backward(1.0), [[0.0, 0.0], [-0.25, 0.25]], atol=1e-7)
    cce, cce_backward = L.get("categorical_crossentropy", from_logits=True).forward(y, z)
    assert float(cce) == pytest.approx(2e4 / 2)
    np.testing.assert_allclose(cce_backward(1.0), [[0.0, 0.0], [-0.5, 0.5]], atol=1e-7)
    scce, _ = L.get("sparse_categorical_crossentropy", from_logits=True).forward(np.array([0, 0]), z)
    assert float(scce) == pytest.approx(float(cce))
    for value, backward in ((bce, bce_backward), (cce, cce_backward)):
        assert np.isfinite(value) and np.isfinite(backward(1.0)).all() and backward(1.0).dtype == dtype


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_probability_losses_stay_finite_at_saturated_predictions(dtype: type) -> None:
    y = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=dtype)
    p = np.array([[0.0, 1.0], [1.0, 0.0]], dtype=dtype)
    for name in ("binary_crossentropy", "categorical_crossentropy"):
        value, backward = L.get(name).forward(y, p)
        assert np.isfinite(value) and np.isfinite(backward(1.0)).all(), name
        assert backward(1.0).dtype == dtype


# -- hygiene -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "kwargs", "y_true", "y_pred"), CASES, ids=CASE_IDS)
def test_forward_and_backward_leave_inputs_alone(name: str, kwargs: dict[str, Any], y_true: np.ndarray,
                                                  y_pred: np.ndarray) -> None:
    y_true, y_pred = y_true.copy(), y_pred.astype(np.float32)
    before = (y_true.copy(), y_pred.copy())
    dvalues = np.ones(len(y_pred), dtype=np.float32)
    loss = L.get(name, **kwargs)
    value, backward = loss.forward(y_true, y_pred)
    grad = backward(1.0)
    loss.per_sample(y_true, y_pred)[1](dvalues)
    np.testing.assert_array_equal(y_true, before[0])
    np.testing.assert_array_equal(y_pred, before[1])
    np.testing.assert_array_equal(dvalues, 1.0)
    assert grad.dtype == np.float32 and grad.shape == y_pred.shape


@pytest.mark.parametrize(("name", "kwargs", "y_true", "y_pred"), CASES, ids=CASE_IDS)
def test_config_rebuilds_the_same_loss(name: str, kwargs: dict[str, Any], y_true: np.ndarray,
                                       y_pred: np.ndarray) -> None:
    loss = L.get(name, **kwargs)
    rebuilt = L.deserialize(L.serialize(loss))
    assert type(rebuilt) is type(loss) and rebuilt.get_config() == loss.get_config()
    assert float(rebuilt(y_true, y_pred)) == float(loss(y_true, y_pred))


# -- target checks -------------------------------------------------------------------------------------
def test_sparse_labels_out_of_range_name_the_label_the_range_and_the_loss() -> None:
    loss = L.get("sparse_categorical_crossentropy")
    loss.check_targets(np.array([0, 1, 2]), (3,))
    loss.check_targets(np.array([[0], [2]]), (3,))
    loss.check_targets(np.array([0.0, 2.0]), (3,))
    with pytest.raises(ValueError, match=r"sparse_categorical_crossentropy.*\[0, 3\).*received label 5"):
        loss.check_targets(np.array([0, 5, 1]), (3,))
    with pytest.raises(ValueError, match=r"received label -1"):
        loss.check_targets(np.array([[0], [-1]]), (3,))
    with pytest.raises(ValueError, match=r"non-integer label 1.5"):
        loss.check_targets(np.array([0.0, 1.5]), (3,))
    with pytest.raises(ValueError, match=r"categorical_crossentropy"):  # one-hot given to sparse
        loss.check_targets(np.eye(3), (3,))


def test_categorical_targets_must_have_one_column_per_output_unit() -> None:
    loss = L.get("categorical_crossentropy")
    loss.check_targets(np.eye(4), (4,))
    with pytest.raises(ValueError, match=r"\(4,\).*received per-sample shape \(3,\)"):
        loss.check_targets(np.eye(3), (4,))
    with pytest.raises(ValueError, match=r"sparse_categorical_crossentropy"):
        loss.check_targets(np.array([0, 1, 3]), (4,))


def test_binary_targets_must_lie_in_zero_one() -> None:
    loss = L.get("binary_crossentropy")
    loss.check_targets(np.array([[0.0], [1.0], [0.3]]), (1,))
    loss.check_targets(np.array([0.0, 1.0]), (1,))
    with pytest.raises(ValueError, match=r"binary_crossentropy.*\[0, 1\].*from -1 to 1"):
        loss.check_targets(np.array([[-1.0], [1.0]]), (1,))
    with pytest.raises(ValueError, match=r"per-sample shape \(1,\).*received \(2,\)"):
        loss.check_targets(np.zeros((3, 2)), (1,))
