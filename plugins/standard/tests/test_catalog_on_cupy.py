"""The new optimizers, the shared optimizer options and OrthogonalRegularizer compute on CuPy arrays
what they compute on NumPy arrays (float64, so only reduction order differs: rtol 1e-9). Skipped where
CuPy or a CUDA device is missing."""
from __future__ import annotations

import neuropil.optimizers
import neuropil.regularizers
import numpy as np
import pytest

cupy = pytest.importorskip("cupy")
try:
    _DEVICES = cupy.cuda.runtime.getDeviceCount()
except Exception:  # noqa: BLE001 - no driver, no device: the reason is in the skip
    _DEVICES = 0
pytestmark = pytest.mark.skipif(_DEVICES == 0, reason="needs a CUDA device")

CASES = [("Adamax", {}), ("Ftrl", {"l1_regularization_strength": 0.01, "beta": 0.5}), ("Lion", {}),
         ("Adafactor", {}), ("Lamb", {}), ("Adam", {"use_ema": True, "ema_overwrite_frequency": 2}),
         ("SGD", {"momentum": 0.9, "gradient_accumulation_steps": 2, "weight_decay": 0.1})]


@pytest.mark.parametrize("shape", [(), (5,), (3, 4), (2, 3, 4)], ids=str)
@pytest.mark.parametrize("name, config", CASES, ids=[c[0] for c in CASES])
def test_optimizer_on_cupy_matches_numpy(name: str, config: dict, shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(0)
    host, device = neuropil.optimizers.get(name, **config), neuropil.optimizers.get(name, **config)
    w_host = rng.normal(size=shape)
    w_device = cupy.asarray(w_host)
    for _ in range(5):
        g = rng.normal(size=shape)
        host.apply_gradients([("w", w_host, g)])
        device.apply_gradients([("w", w_device, cupy.asarray(g))])
    host.finalize_variable_values({"w": w_host})
    device.finalize_variable_values({"w": w_device})
    assert isinstance(w_device, cupy.ndarray)
    np.testing.assert_allclose(cupy.asnumpy(w_device), w_host, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("mode", ["rows", "columns"])
def test_orthogonal_regularizer_on_cupy_matches_numpy(mode: str) -> None:
    regularizer = neuropil.regularizers.get("OrthogonalRegularizer", factor=0.2, mode=mode)
    w = np.random.default_rng(1).normal(size=(4, 3))
    np.testing.assert_allclose(float(regularizer.loss(cupy.asarray(w))), float(regularizer.loss(w)), rtol=1e-9)
    np.testing.assert_allclose(cupy.asnumpy(regularizer.gradient(cupy.asarray(w))), regularizer.gradient(w),
                               rtol=1e-9, atol=1e-12)
