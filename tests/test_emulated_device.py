"""The emulated device refuses what CuPy refuses and counts what makes a GPU wait.

Reference values are NumPy's own results on the host copies of the same data (the device is NumPy
underneath, so anything else would be a bug in the wrapping), and the update rules written out here
in float64 for the fused-kernel stand-ins.
"""
from __future__ import annotations

import copy
import importlib.util
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import neuropil
import numpy as np
import pytest
from neuropil.base.backend import array_module, fused_for, get_backend
from neuropil.errors import NeuropilError, UnknownComponentError
from neuropil.layers import Dense
from neuropil.plugin_system.hookspecs import hookimpl
from neuropil.plugin_system.manager import manager
from neuropil.testing.emulated_device import (
    COUNTER,
    FUSED,
    XP,
    CaptureError,
    DeviceArray,
    EmulatedDevice,
    HostSyncError,
    ImplicitTransferError,
    MissingFunctionError,
    MixedArrayError,
    cupy_names,
    emulated_backend,
)

PACKAGE = Path(neuropil.__file__).parent / "testing" / "emulated_device"


@pytest.fixture
def device() -> EmulatedDevice:
    device = EmulatedDevice()
    COUNTER.reset()
    yield device
    device.retire()


def host_and_device(device: EmulatedDevice, shape: tuple[int, ...] = (3, 4)) -> tuple[np.ndarray, Any]:
    host = np.random.default_rng(0).normal(size=shape)
    return host, device.asarray(host)


def test_implicit_conversion_to_numpy_is_refused_and_names_the_line(device: EmulatedDevice) -> None:
    _, x = host_and_device(device)
    for convert in (np.asarray, np.array, lambda a: np.ascontiguousarray(a, dtype=np.float32)):
        with pytest.raises(ImplicitTransferError, match=r"test_emulated_device\.py:\d+"):
            convert(x)
    assert len(COUNTER.refused) == 3  # kept even though the errors were caught
    assert issubclass(ImplicitTransferError, TypeError) and issubclass(ImplicitTransferError, NeuropilError)


def test_numpy_operands_are_refused_in_either_order(device: EmulatedDevice) -> None:
    host, x = host_and_device(device)
    for operation in (lambda: x + host, lambda: host * x, lambda: XP.maximum(x, host),
                      lambda: XP.where(x > 0, host, 0.0), lambda: x.__iadd__(host),
                      lambda: np.concatenate([host, x])):
        with pytest.raises(MixedArrayError, match="NumPy array"):
            operation()


def test_scalars_and_device_arrays_compute_as_numpy_does(device: EmulatedDevice) -> None:
    host, x = host_and_device(device)
    cases = {
        "arithmetic": (x * 2.0 + np.float32(1) - x / 3, host * 2.0 + 1 - host / 3),
        "matmul": (x @ x.T, host @ host.T),
        "copy": (copy.deepcopy(x) - x.mT.T, host - host),
        "divmod": (divmod(x, 0.7)[1], np.mod(host, 0.7)),
        "ufunc via xp": (XP.exp(XP.minimum(x, 0.5)), np.exp(np.minimum(host, 0.5))),
        "ufunc via numpy": (np.tanh(x), np.tanh(host)),
        "reduction": (x.sum(axis=0, keepdims=True), host.sum(axis=0, keepdims=True)),
        "indexing": (x[1:, ::2], host[1:, ::2]),
        "take": (XP.take(x, device.asarray(np.array([2, 0])), axis=0), host[[2, 0]]),
        "ufunc method": (XP.maximum.reduce(x, axis=1), np.maximum.reduce(host, axis=1)),
        "ufunc method via numpy": (np.add.accumulate(x, axis=0), np.add.accumulate(host, axis=0)),
    }
    for what, (got, expected) in cases.items():
        assert isinstance(got, DeviceArray), what
        np.testing.assert_allclose(device.to_numpy(got), expected, rtol=1e-15, err_msg=what)


def test_full_reductions_and_elements_stay_on_the_device_as_cupy_scalars_do(device: EmulatedDevice) -> None:
    host, x = host_and_device(device)
    for value in (x.sum(), x.max(), x[0, 0], XP.mean(x), XP.allclose(x, x), XP.count_nonzero(x)):
        assert isinstance(value, DeviceArray) and value.shape == ()
    assert array_module(x) is XP and array_module(x.sum()) is XP
    assert COUNTER.count == 0


def test_shape_and_dtype_questions_answer_on_the_host(device: EmulatedDevice) -> None:
    _, x = host_and_device(device)
    assert np.shape(x) == XP.shape(x) == (3, 4) and np.ndim(x) == 2 and np.size(x) == 12
    assert np.result_type(x, np.float32) == XP.result_type(x) == np.float64
    assert XP.finfo(x.dtype).eps == np.finfo(np.float64).eps and COUNTER.count == 0


def test_in_place_updates_write_the_device_buffer(device: EmulatedDevice) -> None:
    host, x = host_and_device(device)
    y = x
    y *= 2.0
    XP.sqrt(XP.abs(x), out=x)
    x[0] = 0.0
    expected = np.sqrt(np.abs(host * 2.0))
    expected[0] = 0.0
    np.testing.assert_allclose(device.to_numpy(y), expected)


def test_scatter_adds_into_the_device_buffer(device: EmulatedDevice) -> None:
    """``xp.add.at``, as an Embedding's backward uses it: repeated indices accumulate."""
    rows = device.asarray(np.array([0, 2, 0]))
    table = XP.zeros((3, 2))
    XP.add.at(table, rows, device.asarray(np.ones((3, 2))))
    np.testing.assert_array_equal(device.to_numpy(table), [[2, 2], [0, 0], [1, 1]])


def test_every_host_read_is_counted_where_it_happens(device: EmulatedDevice) -> None:
    _, x = host_and_device(device)
    total = x.sum()
    float(total), int(total), bool(total > 0), total.item(), x.tolist(), x.get(), device.to_numpy(x)
    f"{total:.2f}"
    assert [e.kind for e in COUNTER.events] == ["float", "int", "bool", "item", "tolist", "get", "to_numpy",
                                                "format"]
    assert all("test_emulated_device.py" in e.where for e in COUNTER.events)


def test_a_forbidden_region_raises_at_the_first_sync(device: EmulatedDevice) -> None:
    _, x = host_and_device(device)
    with COUNTER.forbid("the captured step"):
        y = x * 2  # device work is fine
        with pytest.raises(HostSyncError, match="the captured step"):
            float(y.sum())
    float(y.sum())  # and allowed again afterwards


def test_capture_discipline_allows_in_place_work_only(device: EmulatedDevice) -> None:
    """What a CUDA graph can replay: writes into buffers that existed before capture, views of them;
    not a new buffer (its address would be baked into the graph), not a host read."""
    _, x = host_and_device(device)
    scratch = XP.empty_like(x)
    with COUNTER.capture():
        XP.multiply(x, 2.0, out=scratch)
        scratch[1:] += x[1:]
        XP.exp(scratch[0], out=scratch[0])
        with pytest.raises(CaptureError, match="captured graph"):
            x + 1.0
        with pytest.raises(HostSyncError):
            float(scratch[0, 0])  # an element is a view; reading it waits
    x + 1.0  # allowed again outside


def test_only_names_cupy_has_are_offered() -> None:
    assert XP.names <= set(cupy_names.TOP_LEVEL) | {"ndarray", "asnumpy", "get_array_module", "random", "linalg"}
    for missing in ("errstate", "seterr", "insert", "geomspace", "spacing"):
        assert hasattr(np, missing) and missing not in cupy_names.TOP_LEVEL
        with pytest.raises(MissingFunctionError, match=missing):
            getattr(XP, missing)
    with pytest.raises(MissingFunctionError):
        np.insert(XP.zeros(3), 0, 1.0)  # NumPy's function dispatched to a device array CuPy cannot serve
    for present in ("exp", "log1p", "take", "where", "einsum", "float32", "pi", "finfo"):
        getattr(XP, present)


def test_the_generator_offers_cupys_methods_and_draws_on_the_device(device: EmulatedDevice) -> None:
    rng = device.rng(0)
    mask = rng.random((4, 3), dtype=np.float32)
    assert isinstance(mask, DeviceArray) and mask.dtype == np.float32
    with pytest.raises(MissingFunctionError, match="normal"):
        rng.normal(0.0, 1.0, 3)  # NumPy's Generator has it; CuPy's does not
    assert "normal" not in cupy_names.GENERATOR and "standard_normal" in cupy_names.GENERATOR


def test_array_methods_cupy_lacks_are_refused(device: EmulatedDevice) -> None:
    _, x = host_and_device(device)
    with pytest.raises(MissingFunctionError, match="cupy.ndarray has none either"):
        x.resize((12,))
    assert "resize" not in cupy_names.NDARRAY


def test_the_backend_is_registered_only_inside_the_context() -> None:
    with emulated_backend() as device:
        assert get_backend("emulated") is device
        assert neuropil.backends.available()["emulated"] == (True, "")
        assert get_backend().name != "emulated"  # never the automatic choice
    with pytest.raises(UnknownComponentError):
        get_backend("emulated")


def test_the_pytest_fixture_gives_a_registered_device(emulated_device: EmulatedDevice) -> None:
    assert get_backend("emulated") is emulated_device and COUNTER.count == 0


@pytest.mark.skipif(importlib.util.find_spec("cupy") is None, reason="cupy is not installed here")
def test_the_committed_name_list_is_what_the_installed_cupy_has() -> None:
    generated = subprocess.run([sys.executable, str(PACKAGE / "generate_cupy_names.py")], capture_output=True,
                               text=True, check=True).stdout
    assert generated == (PACKAGE / "cupy_names.py").read_text()


# -- the fused-kernel stand-ins, against the update rules written out in float64 -----------------

def _adam_reference(p: np.ndarray, g: np.ndarray, m: np.ndarray, v: np.ndarray, lr: float, step: int) -> np.ndarray:
    b1, b2, eps = 0.9, 0.999, 1e-7
    m[...] = b1 * m + (1 - b1) * g
    v[...] = b2 * v + (1 - b2) * g * g
    return p - lr * math.sqrt(1 - b2 ** step) / (1 - b1 ** step) * m / (np.sqrt(v) + eps)


def test_adam_runs_as_one_fused_kernel_with_keras_update(device: EmulatedDevice) -> None:
    rng = np.random.default_rng(1)
    p, m, v = rng.normal(size=5), np.zeros(5), np.zeros(5)
    param = device.asarray(p)
    adam = neuropil.optimizers.Adam(learning_rate=0.01)
    for step in range(1, 4):
        g = rng.normal(size=5)
        adam.apply_gradients([("w", param, device.asarray(g))])
        p = _adam_reference(p, g, m, v, 0.01, step)
    np.testing.assert_allclose(device.to_numpy(param), p, rtol=1e-12)
    assert device.fused_calls["adam"] == 3


@pytest.mark.parametrize(("optimizer", "kernel"), [
    (lambda: neuropil.optimizers.SGD(0.1), "sgd"),
    (lambda: neuropil.optimizers.SGD(0.1, momentum=0.9, nesterov=True), "sgd_momentum"),
    (lambda: neuropil.optimizers.RMSprop(0.01), "rmsprop"),
    (lambda: neuropil.optimizers.RMSprop(0.01, momentum=0.5), "rmsprop_momentum"),
])
def test_other_optimizers_take_their_kernel_and_agree_with_their_plain_code(optimizer: Any, kernel: str) -> None:
    rng = np.random.default_rng(2)
    start, grads = rng.normal(size=(2, 3)), rng.normal(size=(3, 2, 3))
    results = {}
    for fused in (True, False):
        device = EmulatedDevice(fused=fused)
        param, opt = device.asarray(start), optimizer()
        for g in grads:
            opt.apply_gradients([("w", param, device.asarray(g))])
        results[fused] = device.to_numpy(param)
        assert device.fused_calls[kernel] == (3 if fused else 0)
        device.retire()
    host, plain = start.copy(), optimizer()
    for g in grads:
        plain.apply_gradients([("w", host, g)])
    np.testing.assert_allclose(results[True], host, rtol=1e-12)
    np.testing.assert_allclose(results[False], host, rtol=1e-12)


@pytest.mark.parametrize(("name", "forward", "slope"), [
    ("relu", lambda x: np.maximum(x, 0.0), lambda x: (x > 0).astype(float)),
    ("sigmoid", lambda x: 1 / (1 + np.exp(-x)), lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2),
    ("tanh", np.tanh, lambda x: 1 / np.cosh(x) ** 2),
])
def test_activations_take_their_kernels(device: EmulatedDevice, name: str, forward: Any, slope: Any) -> None:
    x = np.linspace(-4, 4, 17) + 0.01  # off relu's kink
    dy = np.random.default_rng(3).normal(size=x.shape)
    y, backward = neuropil.activations.get(name).forward(device.asarray(x))
    dx = backward(device.asarray(dy))
    np.testing.assert_allclose(device.to_numpy(y), forward(x), rtol=1e-12)
    np.testing.assert_allclose(device.to_numpy(dx), dy * slope(x), rtol=1e-10, atol=1e-15)
    assert device.fused_calls[f"{name}_backward"] == 1


def test_fused_kernels_refuse_host_arrays_and_mixed_dtypes(device: EmulatedDevice) -> None:
    p = device.asarray(np.zeros(3, np.float32))
    with pytest.raises(MixedArrayError):
        FUSED["sgd"](p, np.ones(3, np.float32), lr=0.1)
    with pytest.raises(MixedArrayError, match="one type T"):
        FUSED["sgd"](p, device.asarray(np.ones(3)), lr=0.1)
    assert fused_for(np.zeros(3), "sgd") is None  # NumPy arrays keep the plain code


# -- a component that leaves the device is caught, by name ----------------------------------------

class LeakyDense(Dense):
    """A Dense whose backward copies its upstream gradient to the host, as a careless edit might."""

    def forward(self, x: Any, training: bool = False) -> Any:
        y, backward = super().forward(x, training)

        def leaky_backward(dy: Any) -> Any:
            np.asarray(dy)  # the plant
            return backward(dy)

        return y, leaky_backward


class _LeakyPlugin:
    @hookimpl
    def neuropil_register_layers(self, register: Any) -> None:
        register("LeakyDense", LeakyDense)


def test_a_layer_pulling_its_gradient_to_the_host_fails_conformance_by_name() -> None:
    from neuropil.testing.suite import ConformanceFailure, cases

    LeakyDense.example_configs = ({"units": 2},)
    manager().register(_LeakyPlugin(), name="leaky-test-plugin")
    try:
        (case,) = [c for c in cases(["leaky-test-plugin"]) if c.prop == "backends"]
        with pytest.raises(ConformanceFailure) as failure:
            case.run()
    finally:
        manager().unregister("leaky-test-plugin")
    report = failure.value.report()
    assert "layer 'LeakyDense'" in report and "ImplicitTransferError" in report
    assert "test_emulated_device.py" in report and "leaky_backward" in report  # where the leak is


def test_strided_views_stay_on_the_device_and_share_its_memory() -> None:
    """``xp.lib.stride_tricks.as_strided`` (CuPy has it; convolutions build their windows with it) is
    a view of the device array, counted as no new buffer; a NumPy array is refused, as on CuPy."""
    from neuropil.testing.emulated_device import COUNTER
    from neuropil.testing.emulated_device.namespace import XP

    x = XP.arange(6, dtype=XP.float32)
    before = COUNTER.allocations
    windows = XP.lib.stride_tricks.as_strided(x, shape=(4, 3), strides=(4, 4))
    assert COUNTER.allocations == before
    windows[1, 1] = 100.0  # writes through to x[2]
    assert x.get().tolist() == [0.0, 1.0, 100.0, 3.0, 4.0, 5.0]
    with pytest.raises(Exception, match="NumPy array"):
        XP.lib.stride_tricks.as_strided(np.zeros(3, dtype=np.float32), shape=(2,), strides=(4,))
