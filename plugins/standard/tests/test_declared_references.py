"""The float64 references the standard losses, schedules, regularizers and constraints declare for the
conformance suite are themselves right (against Keras's documented examples, hand-computed values
and, for CTC, a brute-force sum over every path), and the components agree with them on fixed,
deliberately non-square inputs for every example config, a complement to the suite's drawn data
(which shrink towards equal, small sides where a wrong axis can hide)."""
from __future__ import annotations

import itertools
import math

import neuropil_standard.constraints as constraints
import neuropil_standard.regularizers as regularizers
import neuropil_standard.schedules as schedules
import numpy as np
import pytest
from neuropil_standard.losses_circle import Circle
from neuropil_standard.losses_ctc import CTC
from neuropil_standard.losses_focal import CategoricalFocalCrossentropy
from neuropil_standard.losses_overlap import Dice, Tversky
from neuropil_standard.orthogonal_regularizer import OrthogonalRegularizer
from neuropil_standard.reference_ctc import brute_force
from neuropil_standard.restart_schedules import CosineDecayRestarts

RNG_SEED = 20261201


def _one_hot(labels: np.ndarray, classes: int) -> np.ndarray:
    return np.eye(classes)[labels]


# --- CTC: the reference against a brute-force sum over every path -------------------------------------

@pytest.mark.parametrize("labels, steps, classes", [
    ([1], 1, 2), ([1], 3, 2), ([1, 1], 3, 2), ([1, 1], 4, 3), ([1, 2], 4, 3), ([2, 1, 2], 6, 3),
    ([], 3, 3), ([1, 1], 2, 2),  # a repeat in 2 frames cannot be emitted: infinite loss
])
def test_ctc_reference_sums_every_alignment(labels, steps, classes) -> None:
    rng = np.random.default_rng(RNG_SEED + steps)
    logits = rng.normal(size=(1, steps, classes)) * 1.5
    padded = np.array([labels + [0] * (3 - len(labels))])
    expected = brute_force(labels, logits[0])
    got = CTC().reference(padded, logits)
    assert got.shape == (1,)
    if math.isinf(expected):
        assert math.isinf(got[0]) and got[0] > 0
    else:
        assert got[0] == pytest.approx(expected, rel=1e-10)


def test_ctc_forward_agrees_with_the_brute_force_sum_on_a_padded_batch() -> None:
    rng = np.random.default_rng(RNG_SEED)
    labels = np.array([[1, 2, 0], [2, 2, 0], [1, 0, 0]])
    logits = rng.normal(size=(3, 5, 3))
    values, _ = CTC().per_sample(labels, logits)
    expected = [brute_force([int(v) for v in row if v], z) for row, z in zip(labels, logits)]
    np.testing.assert_allclose(values, expected, rtol=1e-9)


# --- losses: Keras's examples and fixed non-square inputs -------------------------------------------

def test_categorical_focal_reference_matches_keras_documented_example() -> None:
    # keras.losses.categorical_focal_crossentropy docstring: [2.63401289e-04, 6.75912094e-01]
    y_true = np.array([[0, 1, 0], [0, 0, 1]], dtype=float)
    y_pred = np.array([[0.05, 0.9, 0.05], [0.1, 0.85, 0.05]])
    np.testing.assert_allclose(CategoricalFocalCrossentropy().reference(y_true, y_pred),
                               [2.63401289e-04, 6.75912094e-01], rtol=1e-6)


def test_dice_and_tversky_references_by_hand() -> None:
    y_true = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    y_pred = np.array([[0.8, 0.3, 0.4], [0.1, 0.9, 0.5]])
    # over everything: I = 0.8 + 0.4 + 0.9 + 0.5 = 2.6, sum(t) = 4, sum(p) = 3.0
    assert float(Dice().reference(y_true, y_pred)) == pytest.approx(1 - 5.2 / (7.0 + 1e-7))
    # Keras's FP = sum((1 - p) t) = 0.2 + 0.6 + 0.1 + 0.5 = 1.4, FN = sum(p (1 - t)) = 0.3 + 0.1 = 0.4
    tversky = Tversky(alpha=0.7, beta=0.3).reference(y_true, y_pred)
    assert float(tversky) == pytest.approx(1 - 2.6 / (2.6 + 0.7 * 1.4 + 0.3 * 0.4 + 1e-7))
    per_row = Dice(axis=-1).reference(y_true, y_pred)
    np.testing.assert_allclose(per_row, [1 - 2 * 1.2 / (2 + 1.5), 1 - 2 * 1.4 / (2 + 1.5)], rtol=1e-6)


def test_circle_reference_by_hand_for_two_pairs() -> None:
    # two unit embeddings of one class and one of another, in the plane
    e = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    labels = np.array([0, 1, 0])
    gamma, margin = 2.0, 0.25
    d = np.maximum(1 - e @ e.T, 0)

    def value(i: int) -> float:
        pos = [-gamma * max(margin + d[i, j], 0) * (margin - d[i, j]) for j in range(3) if j != i
               and labels[j] == labels[i]]
        neg = [gamma * max(1 + margin - d[i, j], 0) * ((1 - margin) - d[i, j]) for j in range(3)
               if labels[j] != labels[i]]
        if not pos or not neg:
            return 0.0
        return math.log1p(math.exp(math.log(sum(map(math.exp, pos))) + math.log(sum(map(math.exp, neg)))))

    np.testing.assert_allclose(Circle(gamma=gamma, margin=margin).reference(labels, e),
                               [value(0), 0.0, value(2)], rtol=1e-12)


def _loss_inputs(loss: object, rng: np.random.Generator, rank: int) -> tuple[np.ndarray, np.ndarray]:
    shape = (4, 3) if rank == 2 else (4, 5, 3)
    if isinstance(loss, CategoricalFocalCrossentropy):
        labels = rng.integers(0, 3, size=shape[:-1])
        y_pred = rng.normal(size=shape) if loss.from_logits else rng.uniform(0.05, 1.0, size=shape)
        return _one_hot(labels, 3), y_pred
    return rng.integers(0, 2, size=shape).astype(float), rng.uniform(0.02, 0.98, size=shape)


@pytest.mark.parametrize("cls", [CategoricalFocalCrossentropy, Dice, Tversky])
@pytest.mark.parametrize("rank", [2, 3])
def test_losses_agree_with_their_reference_on_non_square_inputs(cls, rank) -> None:
    rng = np.random.default_rng(RNG_SEED + rank)
    for config in cls.example_configs:
        loss = cls(**config)
        y_true, y_pred = _loss_inputs(loss, rng, rank)
        np.testing.assert_allclose(loss.per_sample(y_true, y_pred)[0], loss.reference(y_true, y_pred),
                                   rtol=1e-9, atol=1e-12, err_msg=str(config))


def test_focal_label_smoothing_spreads_over_the_classes_along_axis() -> None:
    """With axis=0 the classes lie along axis 0: smoothing by 0.3 over 4 of them gives 0.075 to each
    non-target class, not 0.1 (3 entries along the last axis)."""
    y_pred = np.random.default_rng(RNG_SEED).uniform(0.1, 1.0, size=(4, 3))
    y_true = _one_hot(np.array([0, 3, 1]), 4).T  # classes along axis 0
    loss = CategoricalFocalCrossentropy(axis=0, label_smoothing=0.3, gamma=0.0, alpha=1.0)
    t = y_true * 0.7 + 0.3 / 4
    q = np.clip(y_pred / y_pred.sum(axis=0), 1e-7, 1 - 1e-7)
    np.testing.assert_allclose(loss.per_sample(y_true, y_pred)[0], -(t * np.log(q)).sum(axis=0), rtol=1e-12)


# --- schedules: hand values at boundaries -------------------------------------------------------------

@pytest.mark.parametrize("schedule, step, rate", [
    (schedules.ExponentialDecay(0.1, 10, 0.5), 20, 0.025),
    (schedules.ExponentialDecay(0.1, 10, 0.5), 5, 0.1 * 0.5**0.5),
    (schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True), 19, 0.05),
    (schedules.InverseTimeDecay(1.0, 4, 0.5), 8, 0.5),
    (schedules.InverseTimeDecay(1.0, 4, 0.5, staircase=True), 7, 1 / 1.5),
    (schedules.PiecewiseConstantDecay([100000, 110000], [1.0, 0.5, 0.1]), 100000, 1.0),  # Keras's example
    (schedules.PiecewiseConstantDecay([100000, 110000], [1.0, 0.5, 0.1]), 100001, 0.5),
    (schedules.PiecewiseConstantDecay([100000, 110000], [1.0, 0.5, 0.1]), 110001, 0.1),
    (schedules.PolynomialDecay(0.1, 10, end_learning_rate=0.0), 5, 0.05),
    (schedules.PolynomialDecay(0.1, 10, end_learning_rate=0.0), 50, 0.0),
    (schedules.PolynomialDecay(0.1, 10, end_learning_rate=0.0, power=2.0, cycle=True), 15, 0.1 * 0.25**2),
    (schedules.CosineDecay(0.1, 10), 5, 0.05),
    (schedules.CosineDecay(0.1, 10, alpha=0.5), 10, 0.05),
    (schedules.CosineDecay(0.0, 10, warmup_target=0.2, warmup_steps=4), 1, 0.05),
    (schedules.CosineDecay(0.0, 10, warmup_target=0.2, warmup_steps=4), 9, 0.1),
    (CosineDecayRestarts(1.0, 10, t_mul=2.0, m_mul=0.5), 10, 0.5),
    (CosineDecayRestarts(1.0, 10, t_mul=2.0, m_mul=0.5), 20, 0.25),
])
def test_schedule_and_its_reference_give_the_hand_computed_rate(schedule, step, rate) -> None:
    assert schedule.reference(step) == pytest.approx(rate, rel=1e-12, abs=1e-15)
    assert float(schedule(step)) == pytest.approx(rate, rel=1e-12, abs=1e-15)
    device = float(np.asarray(schedule(np.asarray(float(step))), dtype=float))
    assert device == pytest.approx(rate, rel=1e-12, abs=1e-15)


# --- regularizers and constraints: hand values --------------------------------------------------------

def test_regularizer_references_by_hand() -> None:
    w = np.array([[1.0, -2.0], [0.5, 0.0]])
    assert regularizers.L1L2(l1=0.1, l2=0.2).reference(w) == pytest.approx(0.1 * 3.5 + 0.2 * 5.25)
    assert regularizers.L2(0.3).reference(w) == pytest.approx(0.3 * 5.25)
    rows = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 2.0]])
    # cosines: (r0, r1) = 1/sqrt(2), (r0, r2) = 0, (r1, r2) = 1/sqrt(2): mean over 3 pairs
    assert OrthogonalRegularizer(factor=0.3).reference(rows) == pytest.approx(0.3 * 2 / math.sqrt(2) / 3)
    assert OrthogonalRegularizer(factor=0.3).loss(rows) == pytest.approx(0.3 * 2 / math.sqrt(2) / 3)
    # columns (1, 1, 0) and (0, 1, 2): cosine 1 / (sqrt(2) sqrt(5))
    columns = OrthogonalRegularizer(factor=0.3, mode="columns")
    assert columns.reference(rows) == pytest.approx(0.3 / math.sqrt(10))
    assert columns.loss(rows) == pytest.approx(0.3 / math.sqrt(10))


@pytest.mark.parametrize("constraint, expected", [
    (constraints.MaxNorm(2.0), [[1.2, 0.0], [1.6, 1.0]]),            # column norms 5 and 1
    (constraints.MaxNorm(2.0, axis=1), [[2.0, 0.0], [4 * 2 / math.sqrt(17), 2 / math.sqrt(17)]]),
    (constraints.UnitNorm(), [[0.6, 0.0], [0.8, 1.0]]),
    (constraints.MinMaxNorm(2.0, 3.0, rate=0.5), [[3 * 4 / 5, 0.0], [4 * 4 / 5, 1.5]]),  # norms -> 4, 1.5
    (constraints.NonNeg(), [[3.0, 0.0], [4.0, 1.0]]),
])
def test_constraint_and_its_reference_give_the_hand_computed_result(constraint, expected) -> None:
    w = np.array([[3.0, 0.0], [4.0, 1.0]])
    np.testing.assert_allclose(constraint.reference(w), expected, rtol=1e-6)
    np.testing.assert_allclose(constraint(w), expected, rtol=1e-6)


def test_norm_constraints_over_several_axes_norm_each_remaining_slice() -> None:
    w = np.arange(1.0, 25.0).reshape(2, 3, 4)
    out = constraints.UnitNorm(axis=[0, 2])(w)
    for j in range(3):
        assert float(np.sqrt((out[:, j, :] ** 2).sum())) == pytest.approx(1.0, rel=1e-6)
    np.testing.assert_allclose(out, constraints.UnitNorm(axis=[0, 2]).reference(w), rtol=1e-9)


@pytest.mark.parametrize("make, words", [
    (lambda: constraints.MaxNorm(max_value=-1), "max_value"),
    (lambda: constraints.MaxNorm(axis=1.5), "axis"),
    (lambda: constraints.UnitNorm(axis=[]), "axis"),
    (lambda: constraints.MinMaxNorm(rate=1.5), "rate"),
    (lambda: constraints.MinMaxNorm(min_value=2.0, max_value=1.0), "min_value <= max_value"),
])
def test_constraints_refuse_bad_arguments_by_name(make, words) -> None:
    with pytest.raises(ValueError, match=words):
        make()


def test_axis_constraints_declare_the_ranks_their_axes_exist_on() -> None:
    assert constraints.MaxNorm(axis=0).ndims == (1, 2, 3, 4, 5)
    assert constraints.MaxNorm(axis=1).ndims == (2, 3, 4, 5)
    assert constraints.UnitNorm(axis=[0, -1]).ndims == (2, 3, 4, 5)  # on a vector, one axis twice
    assert constraints.UnitNorm(axis=-3).ndims == (3, 4, 5)


def test_reference_walk_of_restarts_covers_long_runs() -> None:
    """The period walk and the schedule agree on every step of many periods (restart boundaries
    included), for a non-integer period growth."""
    schedule = CosineDecayRestarts(0.2, 3, t_mul=1.5, m_mul=0.9, alpha=0.01)
    for step in itertools.chain(range(200), range(10_000, 10_050)):
        assert float(schedule(step)) == pytest.approx(schedule.reference(step), rel=1e-9, abs=1e-12)


def test_l1_subgradient_at_zero_is_zero() -> None:
    """Keras differentiates |w| at 0 as 0 (sign(0)); an inf or NaN there would poison a zero weight."""
    w = np.array([0.0, 1.5, -2.0])
    for regularizer in (regularizers.L1(0.1), regularizers.L1L2(l1=0.1, l2=0.2)):
        np.testing.assert_allclose(regularizer.gradient(w)[0], 0.0)


def test_min_max_norm_accepts_equal_bounds_and_then_fixes_the_norm() -> None:
    constraint = constraints.MinMaxNorm(min_value=1.5, max_value=1.5)
    out = constraint(np.array([[3.0, 0.1], [4.0, 0.2]]))
    np.testing.assert_allclose(np.sqrt((out**2).sum(axis=0)), [1.5, 1.5], rtol=1e-6)
