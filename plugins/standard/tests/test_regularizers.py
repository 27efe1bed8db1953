"""Regularizers add Keras's penalties to the loss, with gradients that match them."""
from __future__ import annotations

import neuropil.regularizers as regularizers
import numpy as np
import pytest
from finite_differences import central_difference


@pytest.fixture
def w() -> np.ndarray:
    return np.random.default_rng(0).normal(size=(4, 3))


def test_keras_defaults(w: np.ndarray) -> None:
    assert float(regularizers.get("l1").loss(w)) == pytest.approx(0.01 * np.abs(w).sum())
    assert float(regularizers.get("l2").loss(w)) == pytest.approx(0.01 * (w ** 2).sum())
    assert float(regularizers.get("l1_l2").loss(w)) == 0.0
    assert regularizers.get("l1_l2").get_config() == {"l1": 0.0, "l2": 0.0}


def test_combined_penalty(w: np.ndarray) -> None:
    reg = regularizers.get("l1_l2", l1=0.3, l2=0.2)
    assert float(reg.loss(w)) == pytest.approx(0.3 * np.abs(w).sum() + 0.2 * (w ** 2).sum())


@pytest.mark.parametrize("name, config", [("l1", {"l1": 0.3}), ("l2", {"l2": 0.7}),
                                          ("l1_l2", {"l1": 0.1, "l2": 0.4}), ("l1_l2", {})])
def test_gradient_matches_finite_differences(w: np.ndarray, name: str, config: dict) -> None:
    reg = regularizers.get(name, **config)
    point = w.copy()
    np.testing.assert_allclose(reg.gradient(w), central_difference(lambda: reg.loss(point), point),
                               rtol=1e-6, atol=1e-8)


def test_l1_subgradient_at_zero_is_zero() -> None:
    w = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(regularizers.get("l1", l1=0.5).gradient(w), [-0.5, 0.0, 0.5])


def test_config_round_trips(w: np.ndarray) -> None:
    reg = regularizers.get("l1_l2", l1=0.25, l2=0.5)
    rebuilt = regularizers.get(regularizers.serialize(reg))
    assert float(rebuilt.loss(w)) == pytest.approx(float(reg.loss(w)))


def test_negative_factor_is_refused_naming_it() -> None:
    with pytest.raises(ValueError, match="l2.*>= 0.*l2=-1"):
        regularizers.get("l2", l2=-1)
