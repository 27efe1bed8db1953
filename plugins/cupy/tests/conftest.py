"""Fixtures for the CuPy backend's tests: a clean plugin state and a scriptable stand-in for CuPy.

The stand-in (``fake_cupy``) is a module put into ``sys.modules['cupy']``: it lets the CPU-only tests
drive every branch of the availability probe (no device, device count 0, first kernel failing) and the
backend's wiring, on machines that have neither CuPy nor a GPU.
"""
from __future__ import annotations

import sys
import types
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _clean_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Automatic backend choice, freshly loaded plugins (new backend instances, re-probed), and the
    user's backend settings out of the way."""
    import neuropil.base.backend
    import neuropil.plugins

    monkeypatch.delenv("NEUROPIL_BACKEND", raising=False)
    monkeypatch.delenv("NEUROPIL_CUPY_TF32", raising=False)
    neuropil.plugins.reload()
    yield
    monkeypatch.undo()
    neuropil.base.backend._CHOSEN = None
    neuropil.plugins.reload()


class FakeElementwiseKernel:
    """Records a kernel definition; a call checks the wiring (inputs, optionally outputs, as CuPy
    accepts; one dtype for ``T``) and computes nothing: the arithmetic can only be checked on a GPU."""

    def __init__(self, in_params: str, out_params: str, operation: str, name: str) -> None:
        self.in_params = [p.strip() for p in in_params.split(",")]
        self.out_params = [p.strip() for p in out_params.split(",")]
        self.operation, self.name = operation, name
        self.calls: list[tuple[Any, ...]] = []

    def __call__(self, *args: Any) -> None:
        accepted = (len(self.in_params), len(self.in_params) + len(self.out_params))
        assert len(args) in accepted, f"{self.name}: {len(args)} arguments, kernel takes {accepted}"
        dtypes = {np.asarray(a).dtype for a in args}
        assert len(dtypes) == 1, f"{self.name}: T bound to several dtypes {dtypes}"
        self.calls.append(args)


def make_fake_cupy(device_count: int | Exception = 1, first_kernel_error: Exception | None = None) -> types.ModuleType:
    """A module that looks enough like cupy to the probe and the backend, computing with NumPy."""
    fake = types.ModuleType("cupy")

    def get_device_count() -> int:
        if isinstance(device_count, Exception):
            raise device_count
        return device_count

    def arange(*args: Any, **kwargs: Any) -> np.ndarray:
        if first_kernel_error is not None:
            raise first_kernel_error
        return np.arange(*args, **kwargs)

    runtime = types.SimpleNamespace(getDeviceCount=get_device_count, getDevice=lambda: 0,
                                    getDeviceProperties=lambda index: {"name": b"Fake GPU"})
    fake.cuda = types.SimpleNamespace(runtime=runtime,  # type: ignore[attr-defined]
                                      Device=lambda: types.SimpleNamespace(synchronize=lambda: None))
    fake.arange, fake.float32 = arange, np.float32  # type: ignore[attr-defined]
    fake.asarray, fake.asnumpy, fake.ndarray = np.asarray, np.asarray, np.ndarray  # type: ignore[attr-defined]
    fake.random = types.SimpleNamespace(default_rng=np.random.default_rng)  # type: ignore[attr-defined]
    fake.ElementwiseKernel = FakeElementwiseKernel  # type: ignore[attr-defined]
    fake.__getattr__ = lambda name: getattr(np, name)  # type: ignore[attr-defined]  # the rest: NumPy's
    return fake


@pytest.fixture
def fake_cupy(monkeypatch: pytest.MonkeyPatch) -> Callable[..., types.ModuleType]:
    """Install a fake cupy (``fake_cupy(device_count=..., first_kernel_error=...)``) for one test."""

    def install(**kwargs: Any) -> types.ModuleType:
        fake = make_fake_cupy(**kwargs)
        monkeypatch.setitem(sys.modules, "cupy", fake)
        return fake

    return install


@pytest.fixture
def no_cupy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``import cupy`` fail as it does where CuPy is not installed, even where it is."""
    monkeypatch.setitem(sys.modules, "cupy", None)
