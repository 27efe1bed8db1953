"""The backend's plumbing, on a fake CuPy that computes with NumPy: what can be checked without a GPU.

The fake answers the probe like one working device, so the backend is chosen automatically and a
model trains through its ``asarray``/``to_numpy``/``rng``/``xp``. The fused kernels' wiring (argument
counts, one dtype per call) is checked with a recording ``ElementwiseKernel``; their arithmetic needs a
GPU (test_cupy_gpu_parity.py).
"""
from __future__ import annotations

from typing import Any

import neuropil
import neuropil.backends
import numpy as np
import pytest
from neuropil_cupy import CupyBackend, kernels, tf32


def test_a_working_device_is_chosen_automatically(fake_cupy: Any) -> None:
    fake = fake_cupy()
    assert neuropil.backends.available()["cupy"] == (True, "Fake GPU (CUDA device 0)")
    backend = neuropil.backends.get()
    assert backend.name == "cupy" and backend.xp is fake


def test_training_goes_through_the_backend(fake_cupy: Any) -> None:
    from neuropil import Sequential, layers

    fake_cupy()
    neuropil.utils.set_random_seed(0)
    model = Sequential([layers.Dense(4, activation="tanh", input_shape=(3,)), layers.Dropout(0.5, seed=1),
                        layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    assert model.backend.name == "cupy"
    x = np.random.default_rng(0).normal(size=(32, 3)).astype("float32")
    history = model.fit(x, x[:, :1], epochs=1, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert isinstance(model.predict(x, verbose=0), np.ndarray)


def test_rng_and_data_movement(fake_cupy: Any) -> None:
    fake_cupy()
    backend = CupyBackend()
    draws = backend.rng(3).random((2, 3), dtype=np.float32)
    assert draws.shape == (2, 3) and draws.dtype == np.float32
    np.testing.assert_array_equal(backend.to_numpy(backend.asarray([1, 2], dtype="float32")), [1, 2])
    backend.synchronize()


def test_fused_ops_are_wired(fake_cupy: Any) -> None:
    fake_cupy()
    backend = CupyBackend()
    assert backend.fused("no_such_kernel") is None
    assert all(backend.fused(name) is not None for name in kernels.NAMES)
    p, g, s1, s2 = (np.zeros(3, np.float32) for _ in range(4))
    backend.fused("adam")(p, g, s1, s2, alpha=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-7)
    backend.fused("sgd")(p, g, lr=0.01)
    backend.fused("sgd_momentum")(p, g, s1, lr=0.01, momentum=0.9)
    backend.fused("sgd_momentum")(p, g, s1, lr=0.01, momentum=0.9, nesterov=True)
    backend.fused("rmsprop")(p, g, s1, lr=1e-3, rho=0.9, epsilon=1e-7)
    backend.fused("rmsprop_momentum")(p, g, s1, s2, lr=1e-3, rho=0.9, momentum=0.5, epsilon=1e-7)
    for name in ("relu", "sigmoid"):
        backend.fused(name)(g)
    for name in ("relu_backward", "sigmoid_backward", "tanh_backward"):
        backend.fused(name)(g, p)
    compiled = kernels.compile_kernels(backend.xp)
    assert {k.name for k in compiled.values()} == {f"neuropil_{n}" for n in kernels.SPECS}


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("true", True), ("0", False), ("", False)])
def test_tf32_is_opt_in(monkeypatch: pytest.MonkeyPatch, value: str, expected: bool) -> None:
    monkeypatch.setenv(tf32.ENV_VAR, value)
    assert CupyBackend().tf32 is expected
    assert CupyBackend(tf32=True).tf32 is True and CupyBackend(tf32=False).tf32 is False


def test_the_emulated_device_stands_in_for_every_kernel() -> None:
    """CI runs the standard components' fused path on the emulated device; it must offer exactly the
    kernels this plugin compiles, under the same names, or a component would take a path here that
    no CPU test ever ran."""
    from neuropil.testing.emulated_device import FUSED

    assert set(FUSED) == set(kernels.NAMES)


def test_arrays_on_the_device_find_its_kernels(fake_cupy: Any) -> None:
    """Optimizers and activations look kernels up from their arrays (``fused_for``): once the backend
    has imported CuPy, arrays of that module are served by this backend's ``fused``."""
    from neuropil.base import backend as backend_module

    fake = fake_cupy()
    backend = CupyBackend()
    assert backend.xp is fake
    assert backend_module._FUSED_PROVIDERS[id(fake)] == (fake, backend)
