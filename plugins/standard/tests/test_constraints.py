"""Constraints project weights as Keras's do (norms along axis 0 of a Dense kernel by default)."""
from __future__ import annotations

import neuropil.constraints as constraints
import numpy as np
import pytest


@pytest.fixture
def w() -> np.ndarray:
    # Columns (one per unit) with norms 5, 0.5 and 0.
    return np.array([[3.0, 0.3, 0.0], [4.0, 0.4, 0.0]])


def column_norms(w: np.ndarray) -> np.ndarray:
    return np.sqrt((w ** 2).sum(axis=0))


def test_max_norm_shrinks_only_columns_above_the_limit(w: np.ndarray) -> None:
    out = constraints.get("max_norm")(w)  # Keras default max_value=2
    np.testing.assert_allclose(column_norms(out), [2.0, 0.5, 0.0], rtol=1e-6)
    np.testing.assert_allclose(out[:, 0] / column_norms(out)[0], w[:, 0] / 5.0)  # direction kept
    assert np.array_equal(w, [[3.0, 0.3, 0.0], [4.0, 0.4, 0.0]])  # input untouched


def test_max_norm_along_another_axis(w: np.ndarray) -> None:
    out = constraints.get("max_norm", max_value=1.0, axis=1)(w)
    np.testing.assert_allclose(np.sqrt((out ** 2).sum(axis=1)), [1.0, 1.0], rtol=1e-6)


def test_unit_norm_and_zero_columns_stay_finite(w: np.ndarray) -> None:
    out = constraints.get("unit_norm")(w)
    np.testing.assert_allclose(column_norms(out), [1.0, 1.0, 0.0], rtol=1e-6)
    assert np.isfinite(out).all()


def test_non_neg() -> None:
    out = constraints.get("non_neg")(np.array([-1.0, 0.0, 2.0], dtype="float32"))
    np.testing.assert_array_equal(out, [0.0, 0.0, 2.0])
    assert out.dtype == np.float32


def test_min_max_norm(w: np.ndarray) -> None:
    out = constraints.get("min_max_norm", min_value=1.0, max_value=2.0)(w)
    np.testing.assert_allclose(column_norms(out)[:2], [2.0, 1.0], rtol=1e-6)
    half = constraints.get("min_max_norm", min_value=1.0, max_value=2.0, rate=0.5)(w)
    np.testing.assert_allclose(column_norms(half)[:2], [3.5, 0.75], rtol=1e-6)


def test_config_round_trips(w: np.ndarray) -> None:
    original = constraints.get("max_norm", max_value=3.0, axis=1)
    rebuilt = constraints.get(constraints.serialize(original))
    np.testing.assert_array_equal(rebuilt(w), original(w))
