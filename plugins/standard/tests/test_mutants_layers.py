"""AlphaDropout at every rate, not one: Keras's formula ``a (x kept + alpha' (1 - kept)) + b`` with
``alpha' = -scale alpha`` of SELU, ``a = ((1 - rate)(1 + rate alpha'^2))^-1/2``, ``b = -a alpha' rate``,
written out here in float64 with the layer's own seeded draws. The layer short-cuts rate 0 (identity);
rates near it must still drop."""
from __future__ import annotations

import neuropil.backends
import numpy as np
import pytest
from neuropil.layers import AlphaDropout

SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


@pytest.mark.parametrize("rate", [0.0, 0.05, 0.1, 0.3, 0.5])
def test_alpha_dropout_follows_keras_formula_at_each_rate(rate: float) -> None:
    layer = AlphaDropout(rate, seed=5, dtype="float64")
    layer.ensure_built((6,), neuropil.backends.get("numpy"), np.random.default_rng(0))
    x = np.random.default_rng(1).normal(size=(40, 6))
    y, _ = layer.forward(x, training=True)
    if rate == 0.0:
        np.testing.assert_array_equal(y, x)
        return
    kept = (np.random.default_rng(5).random(x.shape) >= rate).astype(float)
    alpha_p = -SELU_SCALE * SELU_ALPHA
    a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5
    b = -a * alpha_p * rate
    np.testing.assert_allclose(y, a * (x * kept + alpha_p * (1 - kept)) + b, rtol=1e-12, atol=1e-14)
    assert 0 < (kept == 0).sum() < kept.size  # some dropped, some kept
