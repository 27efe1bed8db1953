"""OrthogonalRegularizer: Keras's penalty (factor times the mean absolute cosine between distinct rows
or columns), checked against a slow pairwise loop, its hand-written gradient against central
differences, and its effect in training."""
from __future__ import annotations

import itertools
import json

import neuropil
import neuropil.regularizers as regularizers
import numpy as np
import pytest
from finite_differences import central_difference
from neuropil.errors import ArgumentError
from neuropil.layers import Dense


def pairwise_penalty(w: np.ndarray, factor: float, mode: str) -> float:
    """A direct loop over the distinct pairs: factor · mean |cos(v_i, v_j)|."""
    vectors = w if mode == "rows" else w.T
    cosines = [abs(float(a @ b) / (np.linalg.norm(a) * np.linalg.norm(b)))
               for a, b in itertools.combinations(vectors, 2)]
    return factor * sum(cosines) / len(cosines)


@pytest.mark.parametrize("mode", ["rows", "columns"])
@pytest.mark.parametrize("shape", [(2, 2), (4, 3), (3, 5), (6, 2)], ids=str)
def test_penalty_is_the_mean_absolute_cosine(mode: str, shape: tuple[int, int]) -> None:
    w = np.random.default_rng(sum(shape)).normal(size=shape)
    regularizer = regularizers.get("OrthogonalRegularizer", factor=0.3, mode=mode)
    assert float(regularizer(w)) == pytest.approx(pairwise_penalty(w, 0.3, mode), rel=1e-12)


@pytest.mark.parametrize("mode", ["rows", "columns"])
@pytest.mark.parametrize("shape", [(2, 3), (4, 3), (3, 5)], ids=str)
def test_gradient_matches_central_differences(mode: str, shape: tuple[int, int]) -> None:
    w = np.random.default_rng(7 * sum(shape)).normal(size=shape)
    regularizer = regularizers.get("OrthogonalRegularizer", factor=0.2, mode=mode)
    expected = central_difference(lambda: float(regularizer.loss(w)), w)
    np.testing.assert_allclose(regularizer.gradient(w), expected, rtol=1e-6, atol=1e-9)


def test_orthogonal_rows_cost_nothing_and_parallel_rows_cost_factor() -> None:
    regularizer = regularizers.get("OrthogonalRegularizer", factor=0.5)
    assert float(regularizer(np.array([[2.0, 0.0], [0.0, -3.0]]))) == pytest.approx(0.0)
    assert float(regularizer(np.array([[1.0, 2.0], [-2.0, -4.0]]))) == pytest.approx(0.5)


def test_a_single_vector_has_no_pair_and_no_penalty() -> None:
    regularizer = regularizers.get("OrthogonalRegularizer", mode="columns")
    w = np.ones((4, 1))
    assert float(regularizer(w)) == 0.0
    np.testing.assert_array_equal(regularizer.gradient(w), np.zeros((4, 1)))


def test_training_with_it_decorrelates_the_kernel_columns() -> None:
    """With zero inputs the data loss cannot move the kernel: only the penalty does, and it falls."""
    neuropil.utils.set_random_seed(0)
    regularizer = regularizers.get("OrthogonalRegularizer", factor=1.0, mode="columns")
    model = neuropil.Sequential([Dense(4, input_shape=(6,), kernel_regularizer=regularizer, name="d")])
    model.compile(optimizer=neuropil.optimizers.get("SGD", learning_rate=0.5), loss="mse")
    before = pairwise_penalty(np.asarray(model.layers[0].params["kernel"], dtype=np.float64), 1.0, "columns")
    model.fit(np.zeros((8, 6), "float32"), np.zeros((8, 4), "float32"), epochs=30, batch_size=8, verbose=0)
    after = pairwise_penalty(np.asarray(model.layers[0].params["kernel"], dtype=np.float64), 1.0, "columns")
    assert after < 0.5 * before


def test_config_round_trip_and_bad_arguments() -> None:
    regularizer = regularizers.get("OrthogonalRegularizer", factor=0.05, mode="columns")
    rebuilt = regularizers.get(json.loads(json.dumps(regularizers.serialize(regularizer))))
    assert rebuilt.get_config() == {"factor": 0.05, "mode": "columns"}
    with pytest.raises(ArgumentError, match=r"OrthogonalRegularizer expects mode .*received mode='diagonal'"):
        regularizers.get("OrthogonalRegularizer", mode="diagonal")
    with pytest.raises(ArgumentError, match=r"OrthogonalRegularizer expects factor .*received factor=-1"):
        regularizers.get("OrthogonalRegularizer", factor=-1)
    with pytest.raises(ArgumentError, match=r"2-D weight.*\(2, 2, 2\)"):
        regularizer(np.ones((2, 2, 2)))
