"""A functional model (two inputs, a shared layer, Concatenate, Add, two outputs) trains on the CuPy
backend as on NumPy: the graph executor keeps every array on the device and only the logged numbers
come back. Skipped, with the backend's own reason, where CuPy or a CUDA device is missing.

Tolerances are float32's after an epoch of training (see test_cupy_gpu_parity.py).
"""
from __future__ import annotations

import neuropil
import numpy as np
import pytest
from neuropil_cupy import CupyBackend

_USABLE, _WHY = CupyBackend().availability()
pytestmark = pytest.mark.skipif(not _USABLE, reason=f"needs CuPy and a CUDA device: {_WHY}")

TRAIN_RTOL, TRAIN_ATOL = 1e-3, 1e-4


def _train(backend: str) -> tuple[dict[str, list[float]], list[np.ndarray], list[np.ndarray]]:
    from neuropil.layers import Add, Concatenate, Dense

    neuropil.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    xa, xb = rng.normal(size=(256, 6)).astype(np.float32), rng.normal(size=(256, 6)).astype(np.float32)
    y_cls = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 256)]
    y_reg = (xa[:, :1] - xb[:, 1:2]).astype(np.float32)
    a, b = neuropil.Input(shape=(6,), name="a"), neuropil.Input(shape=(6,), name="b")
    shared = Dense(8, activation="relu", name="shared")
    ha, hb = shared(a), shared(b)
    joined = Concatenate(name="joined")([ha, Add(name="summed")([ha, hb])])
    model = neuropil.Model([a, b], [Dense(3, activation="softmax", name="cls")(joined), Dense(1, name="reg")(joined)])
    model.compile(optimizer="adam", loss=["categorical_crossentropy", "mse"], loss_weights=[1.0, 0.5],
                  metrics=[["accuracy"], []], backend=backend)
    history = model.fit([xa, xb], [y_cls, y_reg], epochs=1, batch_size=32, verbose=0)
    cls, reg = model.predict([xa, xb], verbose=0)
    assert isinstance(cls, np.ndarray) and isinstance(reg, np.ndarray)  # predictions come back to the host
    return history.history, model.get_weights(), [cls, reg]


def test_a_functional_model_trains_on_the_gpu_as_on_numpy() -> None:
    logs, weights, outputs = _train("numpy")
    logs_gpu, weights_gpu, outputs_gpu = _train("cupy")
    assert set(logs_gpu) == set(logs) == {"loss", "cls_loss", "reg_loss", "cls_accuracy"}
    for name in logs:
        np.testing.assert_allclose(logs_gpu[name], logs[name], rtol=TRAIN_RTOL, atol=TRAIN_ATOL)
    for got, want in zip(weights_gpu + outputs_gpu, weights + outputs, strict=True):
        np.testing.assert_allclose(got, want, rtol=TRAIN_RTOL, atol=TRAIN_ATOL)
