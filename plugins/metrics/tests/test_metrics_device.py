"""State stays on the device: ``update_state`` never turns an array into a host number.

A stand-in array module ("trapxp", NumPy underneath) makes arrays that refuse float(), int(), bool(),
item() and tolist(), and are only readable through ``.get()`` as CuPy arrays are. Every metric must
run a whole epoch on it and agree with plain NumPy. With CuPy installed and a GPU present, the same
comparison runs on real device arrays.
"""
from __future__ import annotations

import importlib.util
import sys
import types

import numpy as np
import pytest
from metrics_cases import CASES, IDS


class HostSync(AssertionError):
    pass


def _guarded(name):
    def method(self, *args, **kwargs):
        if TrapArray.armed:
            raise HostSync(f"update_state called {name} on a device array")
        return getattr(self.view(np.ndarray), name)(*args, **kwargs)
    return method


class TrapArray(np.ndarray):
    """An ndarray that may not become a host value except through ``.get()`` while ``armed``
    (result() may convert as it likes, as float() of a CuPy scalar does)."""

    armed = True
    __float__, __int__, __bool__, __index__ = map(_guarded, ("__float__", "__int__", "__bool__", "__index__"))
    item, tolist = _guarded("item"), _guarded("tolist")

    def __getitem__(self, key):
        # NumPy hands out a host scalar for x[0]; CuPy (and this trap) a 0-d device array
        value = super().__getitem__(key)
        return np.asarray(value).view(TrapArray) if isinstance(value, np.generic) else value

    def get(self) -> np.ndarray:
        return np.asarray(self.view(np.ndarray))


TrapArray.__module__ = "trapxp"


def _trap(value):
    return value.view(TrapArray) if isinstance(value, np.ndarray) and not isinstance(value, TrapArray) else value


def _make_module() -> types.ModuleType:
    module = types.ModuleType("trapxp")
    module.ndarray = TrapArray

    def __getattr__(name):
        attr = getattr(np, name)
        if not callable(attr) or isinstance(attr, type):
            return attr
        return lambda *a, **k: _trap(attr(*a, **k))

    module.__getattr__ = __getattr__
    module.asarray = lambda x, dtype=None: _trap(np.asarray(x.view(np.ndarray) if isinstance(x, TrapArray) else x,
                                                            dtype=dtype))
    return module


@pytest.fixture
def trapxp(monkeypatch):
    module = _make_module()
    monkeypatch.setitem(sys.modules, "trapxp", module)
    monkeypatch.setattr(TrapArray, "armed", True)
    return module


def feed_both(factory, make, to_device, seed: int, batch: int):
    """Three weighted batches into a metric fed device arrays and a reference fed NumPy ones."""
    rng = np.random.default_rng(seed)
    metric, reference = factory(), factory()
    for _ in range(3):
        y_true, y_pred = make(rng, batch)
        w = rng.uniform(0.5, 2.0, batch)
        metric.update_state(to_device(y_true), to_device(y_pred), to_device(w))
        reference.update_state(y_true, y_pred, w)
    return metric, reference


@pytest.mark.parametrize(("label", "factory", "make"), CASES, ids=IDS)
def test_update_state_never_syncs_with_the_host(trapxp, label, factory, make):
    metric, reference = feed_both(factory, make, trapxp.asarray, seed=9, batch=17)
    TrapArray.armed = False
    np.testing.assert_allclose(metric.result(), reference.result(), rtol=1e-12)


def test_the_trap_catches_a_host_conversion(trapxp):
    with pytest.raises(HostSync):
        float(trapxp.asarray(np.ones(())).sum())


@pytest.mark.skipif(importlib.util.find_spec("cupy") is None, reason="CuPy is not installed")
@pytest.mark.parametrize(("label", "factory", "make"), CASES, ids=IDS)
def test_cupy_matches_numpy(label, factory, make):
    cupy = pytest.importorskip("cupy")
    try:
        cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # noqa: BLE001 - no driver / no device
        pytest.skip(f"no CUDA device: {exc}")
    metric, reference = feed_both(factory, make, cupy.asarray, seed=4, batch=33)
    value = metric.result()
    assert type(value) is float or type(value) is np.ndarray
    np.testing.assert_allclose(value, reference.result(), rtol=1e-9, atol=1e-12)
