"""Values at the edges drawn data keep away from: an activation right at and just past its kinks (the
conformance suite draws away from declared kinks, so it cannot see a kink moved by a little), and a
preprocessing factor just outside Keras's accepted range."""
from __future__ import annotations

import neuropil.activations
import numpy as np
import pytest
from neuropil.errors import NeuropilError
from neuropil.layers import RandomTranslation


def test_sparse_plus_around_its_kinks_is_keras_piecewise_formula() -> None:
    x = np.round(np.arange(-1.3, 1.3001, 0.01), 10)
    expected = [0.0 if v <= -1 else (v if v >= 1 else (v + 1) ** 2 / 4) for v in x.tolist()]
    y, _ = neuropil.activations.get("sparse_plus").forward(x)
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("factor", [1.05, -1.05, (0.2, 1.05), (-1.05, 0.0)])
def test_translation_factors_beyond_one_are_refused(factor: float | tuple[float, float]) -> None:
    with pytest.raises((NeuropilError, ValueError), match="height_factor"):
        RandomTranslation(height_factor=factor, width_factor=0.1)
    RandomTranslation(height_factor=1.0, width_factor=(-1.0, 1.0))  # the bounds themselves are Keras's


@pytest.mark.parametrize(("name", "formula"), [
    ("hard_sigmoid", lambda v: min(max(v + 3, 0.0), 6.0) / 6),  # Keras: relu6(x + 3) / 6
    ("hard_silu", lambda v: v * min(max(v + 3, 0.0), 6.0) / 6),  # Keras: x * relu6(x + 3) / 6
])
def test_hard_activations_around_their_kinks_are_keras_formulas(name: str, formula: object) -> None:
    x = np.round(np.arange(-3.4, 3.4001, 0.01), 10)
    y, _ = neuropil.activations.get(name).forward(x)
    np.testing.assert_allclose(y, [formula(v) for v in x.tolist()], rtol=1e-12, atol=1e-15)  # type: ignore[operator]


def _relu6_slope(v: float) -> float:
    return 1.0 if 0 < v < 6 else 0.0  # Keras's (TensorFlow's) relu6 gradient: 0 at both kinks


@pytest.mark.parametrize(("name", "slope"), [
    ("hard_sigmoid", lambda v: _relu6_slope(v + 3) / 6),
    ("hard_silu", lambda v: min(max(v + 3, 0.0), 6.0) / 6 + v * _relu6_slope(v + 3) / 6),  # the product rule
])
def test_hard_activation_slopes_around_their_kinks(name: str, slope: object) -> None:
    x = np.round(np.arange(-3.4, 3.4001, 0.01), 10)
    _, backward = neuropil.activations.get(name).forward(x)
    np.testing.assert_allclose(backward(np.ones_like(x)), [slope(v) for v in x.tolist()],  # type: ignore[operator]
                               rtol=1e-12, atol=1e-15)
