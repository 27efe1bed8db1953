"""Without CuPy or a device: a clear reason, a clear error on request, and NumPy for everything else.

CuPy's absence is forced (``no_cupy``) and its failure modes are played by a fake module
(``fake_cupy``), so these tests mean the same on every machine, GPU or not.
"""
from __future__ import annotations

import importlib.abc
import sys
from typing import Any

import neuropil
import neuropil.backends
import numpy as np
import pytest
from neuropil.errors import BackendUnavailableError
from neuropil_cupy import CupyBackend
from neuropil_cupy.probe import INSTALL_HINT


def tiny_fit() -> Any:
    """Compile (backend chosen automatically) and fit a two-layer model; returns the model."""
    from neuropil import Sequential, layers

    neuropil.utils.set_random_seed(0)
    model = Sequential([layers.Dense(8, activation="relu", input_shape=(3,)), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")
    history = model.fit(x, x.sum(1, keepdims=True), epochs=2, batch_size=16, verbose=0)
    assert all(np.isfinite(history.history["loss"]))
    return model


def test_not_installed_reason_says_how_to_install(no_cupy: None) -> None:
    ok, why = neuropil.backends.available()["cupy"]
    assert not ok
    assert why.startswith("cupy is not installed") and INSTALL_HINT in why


def test_get_by_name_raises_with_the_reason(no_cupy: None) -> None:
    for name in ("cupy", "gpu"):
        with pytest.raises(BackendUnavailableError, match=r"'cupy' is not available: cupy is not installed"):
            neuropil.backends.get(name)


def test_xp_and_fused_without_cupy(no_cupy: None) -> None:
    backend = CupyBackend()
    assert backend.fused("adam") is None
    with pytest.raises(BackendUnavailableError, match="pip install neuropil-cupy"):
        _ = backend.xp
    backend.synchronize()  # nothing was queued: a no-op, not an error


def test_automatic_choice_falls_back_to_numpy_and_training_works(no_cupy: None) -> None:
    assert neuropil.backends.get().name == "numpy"
    assert tiny_fit().backend.name == "numpy"


def test_neuropil_backend_numpy_forces_the_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a usable GPU backend the automatic choice is the GPU; NEUROPIL_BACKEND=numpy overrides it."""
    monkeypatch.setattr(CupyBackend, "availability", lambda self: (True, "Pretend GPU (CUDA device 0)"))
    assert neuropil.backends.get().name == "cupy"
    monkeypatch.setenv("NEUROPIL_BACKEND", "numpy")
    assert neuropil.backends.get().name == "numpy"
    assert tiny_fit().backend.name == "numpy"


class _BrokenCupyFinder(importlib.abc.MetaPathFinder):
    """Plays a CuPy whose import fails the way a wheel without its CUDA libraries does."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == "cupy":
            raise ImportError("libcudart.so.12: cannot open shared object file: No such file or directory")
        return None


def test_import_failure_reason_carries_the_exception(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "cupy", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_BrokenCupyFinder(), *sys.meta_path])
    ok, why = CupyBackend().availability()
    assert not ok
    assert "failed to import" in why and "libcudart.so.12: cannot open shared object file" in why


class CUDARuntimeError(RuntimeError):
    """Named like cupy_backends.cuda.api.runtime.CUDARuntimeError, which the reason should name."""


def test_no_device_when_the_device_count_raises(fake_cupy: Any) -> None:
    fake_cupy(device_count=CUDARuntimeError("cudaErrorNoDevice: no CUDA-capable device is detected"))
    ok, why = neuropil.backends.available()["cupy"]
    assert not ok
    assert why == ("cupy is installed but no CUDA device is usable: CUDARuntimeError: "
                   "cudaErrorNoDevice: no CUDA-capable device is detected")
    with pytest.raises(BackendUnavailableError, match="no CUDA-capable device is detected"):
        neuropil.backends.get("cuda")
    assert neuropil.backends.get().name == "numpy"


def test_no_device_when_the_device_count_is_zero(fake_cupy: Any) -> None:
    fake_cupy(device_count=0)
    assert CupyBackend().availability() == (
        False, "cupy is installed but no CUDA device was found (getDeviceCount() == 0)")


def test_first_kernel_failure_points_at_the_cuda_libraries(fake_cupy: Any) -> None:
    fake_cupy(first_kernel_error=RuntimeError("CompileException: nvrtc: libnvrtc.so.12 not found"))
    ok, why = CupyBackend().availability()
    assert not ok
    assert "first CuPy kernel failed" in why and "libnvrtc.so.12 not found" in why and "NVRTC" in why


def test_availability_is_probed_once_per_instance(fake_cupy: Any) -> None:
    backend = CupyBackend()
    fake_cupy(device_count=0)
    first = backend.availability()
    fake_cupy(device_count=1)
    assert backend.availability() == first
