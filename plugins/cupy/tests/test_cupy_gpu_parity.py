"""The CuPy backend against the NumPy backend, on a real GPU: every standard activation, loss and layer
(forward and backward), one epoch of training, the fused kernels, and TF32.

Tolerances are float32's: rtol 1e-4 / atol 1e-5 for one forward/backward (GPU transcendental functions
and reduction orders differ from NumPy's in the last bits); rtol 1e-3 / atol 1e-4 after an epoch of
training, where those differences compound over the updates. The whole module is skipped, with the
backend's own reason, where CuPy or a CUDA device is missing.
"""
from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import neuropil
import neuropil.backends
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from neuropil.plugin_system.manager import manager
from neuropil.plugin_system.registry import Entry
from neuropil.testing import instances
from neuropil.testing.strategies import activation_inputs, target_pairs
from neuropil_cupy import CupyBackend, tf32

_USABLE, _WHY = CupyBackend().availability()
pytestmark = pytest.mark.skipif(not _USABLE, reason=f"needs CuPy and a CUDA device: {_WHY}")

RTOL, ATOL = 1e-4, 1e-5
TRAIN_RTOL, TRAIN_ATOL = 1e-3, 1e-4
# The fixtures these tests use (the backend, the clean plugin state) hold nothing an example changes.
EXAMPLES = settings(max_examples=15, derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def standard(kind: str) -> list[Entry]:
    """The neuropil-standard components of ``kind`` (parametrize ids: their names)."""
    return [e for e in manager().registries[kind].entries() if e.source.distribution == "neuropil-standard"]


def ids(entry: Entry) -> str:
    return entry.name


@pytest.fixture
def gpu() -> Any:
    return neuropil.backends.get("cupy")


def close(gpu: Any, got: Any, want: Any, rtol: float = RTOL, atol: float = ATOL) -> None:
    """``got`` (computed on the GPU, and a GPU array) equals ``want`` (NumPy) to the tolerance."""
    assert isinstance(got, gpu.xp.ndarray), f"result is a {type(got).__name__}, not a device array"
    np.testing.assert_allclose(gpu.to_numpy(got), np.asarray(want), rtol=rtol, atol=atol)


# -- components ----------------------------------------------------------------------------------
@pytest.mark.parametrize("entry", standard("activations"), ids=ids)
@EXAMPLES
@given(data=st.data())
def test_activation_parity(gpu: Any, entry: Entry, data: st.DataObject) -> None:
    activation = entry.factory()
    x = data.draw(activation_inputs(activation.kinks)).astype(np.float32)
    dy = np.random.default_rng(0).normal(size=x.shape).astype(np.float32)
    y, backward = activation.forward(x)
    y_gpu, backward_gpu = activation.forward(gpu.asarray(x))
    close(gpu, y_gpu, y)
    close(gpu, backward_gpu(gpu.asarray(dy)), backward(dy))


@pytest.mark.parametrize("entry", standard("losses"), ids=ids)
@EXAMPLES
@given(data=st.data())
def test_loss_parity(gpu: Any, entry: Entry, data: st.DataObject) -> None:
    loss = entry.factory()
    pair = data.draw(target_pairs(loss.target_kind, loss.prediction_kind, getattr(loss, "kink_distance", None)))
    y_true = pair.y_true if loss.sparse_targets else pair.y_true.astype(np.float32)
    y_pred = pair.y_pred.astype(np.float32)
    value, backward = loss.forward(y_true, y_pred)
    value_gpu, backward_gpu = loss.forward(gpu.asarray(y_true), gpu.asarray(y_pred))
    close(gpu, value_gpu, value)
    close(gpu, backward_gpu(), backward())


def _layer_cases() -> list[Any]:
    """(entry, example config) pairs; cheap, since collection runs on machines without a GPU too."""
    return [pytest.param(entry, config, id=f"{entry.name}-{i}")
            for entry in standard("layers") for i, config in enumerate(instances.example_configs(entry))]


def _input_shape(entry: Entry, config: dict[str, Any]) -> Any:
    """The per-sample shape the config declares, else the first of the layer's own
    ``example_input_shapes`` (a list of shapes for a merge layer) or of the probe shapes it runs on
    (on NumPy)."""
    declared = instances.declared_shape(entry, config) or (tuple(config["shape"]) if "shape" in config else None)
    candidates = [declared] if declared else instances.declared_input_shapes(entry) + list(instances.PROBE_SHAPES)
    for shape in candidates:
        try:
            layer = entry.factory(**config)
            layer.ensure_built(shape, neuropil.backends.get("numpy"), np.random.default_rng(0))
            layer.forward(instances.zero_inputs(shape))
            return shape
        except Exception:  # noqa: BLE001 - not this shape
            continue
    pytest.fail(f"{entry.name} {config}: no input shape found that the layer accepts")


@pytest.mark.parametrize(("entry", "config"), _layer_cases())
def test_layer_parity(gpu: Any, entry: Entry, config: dict[str, Any]) -> None:
    """Same initial weights (drawn on the host), same outputs, input gradients and weight gradients.
    Layers with a dropout rate run in inference mode only: their masks come from different generators."""
    shape = _input_shape(entry, config)
    cpu = neuropil.backends.get("numpy")
    layers = []
    for backend in (cpu, gpu):
        layer = entry.factory(**config)
        layer.ensure_built(shape, backend, np.random.default_rng(0))
        layers.append(layer)
    rng = np.random.default_rng(1)
    several = instances.is_multi_input(shape)  # a merge layer: a list of inputs, a list of dx
    xs = [rng.normal(size=(4, *s)).astype(np.float32) for s in (shape if several else [shape])]
    training = not getattr(layers[0], "rate", 0)
    y, backward = layers[0].forward(xs if several else xs[0], training=training)
    xs_gpu = [gpu.asarray(x) for x in xs]
    y_gpu, backward_gpu = layers[1].forward(xs_gpu if several else xs_gpu[0], training=training)
    close(gpu, y_gpu, y)
    dy = rng.normal(size=np.shape(y)).astype(np.float32)
    dxs, dxs_gpu = backward(dy), backward_gpu(gpu.asarray(dy))
    for dx_gpu, dx in zip(dxs_gpu if several else [dxs_gpu], dxs if several else [dxs]):
        close(gpu, dx_gpu, dx)
    assert layers[1].grads.keys() == layers[0].grads.keys()
    for name, grad in layers[0].grads.items():
        close(gpu, layers[1].grads[name], grad)


def test_dropout_on_the_device(gpu: Any) -> None:
    """The CuPy generator drives dropout: about ``rate`` dropped, the rest scaled by 1/(1 - rate)."""
    from neuropil import layers

    layer = layers.Dropout(0.25, seed=3)
    layer.ensure_built((1000,), gpu, np.random.default_rng(0))
    y, backward = layer.forward(gpu.xp.ones((100, 1000), dtype=np.float32), training=True)
    kept = gpu.to_numpy(y) != 0
    assert abs(kept.mean() - 0.75) < 0.01
    np.testing.assert_allclose(gpu.to_numpy(y)[kept], 1 / 0.75, rtol=1e-6)
    np.testing.assert_array_equal(gpu.to_numpy(backward(y)) != 0, kept)


# -- training ------------------------------------------------------------------------------------
def _train_one_epoch(backend: str) -> tuple[list[float], list[np.ndarray]]:
    from neuropil import Sequential, layers

    neuropil.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 8)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 256)]
    model = Sequential([layers.Dense(16, activation="relu", input_shape=(8,)), layers.Dense(16, activation="tanh"),
                        layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy", backend=backend)
    history = model.fit(x, y, epochs=1, batch_size=32, verbose=0)
    return history.history["loss"], model.get_weights()


def test_one_epoch_of_training_matches_numpy() -> None:
    loss, weights = _train_one_epoch("numpy")
    loss_gpu, weights_gpu = _train_one_epoch("cupy")
    np.testing.assert_allclose(loss_gpu, loss, rtol=TRAIN_RTOL)
    for got, want in zip(weights_gpu, weights, strict=True):
        np.testing.assert_allclose(got, want, rtol=TRAIN_RTOL, atol=TRAIN_ATOL)


# -- fused kernels -------------------------------------------------------------------------------
def _run_update(gpu: Any, optimizer: Any, fused: Any, slot_names: tuple[str, ...]) -> None:
    """Three steps of ``optimizer.update_step`` on NumPy against ``fused(step, param, grad, *slots)``."""
    rng = np.random.default_rng(0)
    param = rng.normal(size=(7, 5)).astype(np.float32)
    slots = {s: np.zeros_like(param) for s in slot_names}
    param_gpu = gpu.asarray(param)
    slots_gpu = [gpu.asarray(slots[s]) for s in slot_names]
    for step in (1, 2, 3):
        grad = rng.normal(size=param.shape).astype(np.float32)
        optimizer.update_step(param, grad, slots, optimizer.learning_rate, step)
        fused(step, param_gpu, gpu.asarray(grad), *slots_gpu)
        close(gpu, param_gpu, param)
        for name, slot in zip(slot_names, slots_gpu):
            close(gpu, slot, slots[name])


def test_fused_adam(gpu: Any) -> None:
    opt = neuropil.optimizers.get("adam", learning_rate=0.01)
    op = gpu.fused("adam")

    def fused(step: int, p: Any, g: Any, m: Any, v: Any) -> None:
        alpha = opt.learning_rate * math.sqrt(1 - opt.beta_2 ** step) / (1 - opt.beta_1 ** step)
        op(p, g, m, v, alpha=alpha, beta_1=opt.beta_1, beta_2=opt.beta_2, epsilon=opt.epsilon)

    _run_update(gpu, opt, fused, ("momentum", "velocity"))


@pytest.mark.parametrize(("momentum", "nesterov"), [(0.0, False), (0.9, False), (0.9, True)])
def test_fused_sgd(gpu: Any, momentum: float, nesterov: bool) -> None:
    opt = neuropil.optimizers.get("sgd", learning_rate=0.1, momentum=momentum, nesterov=nesterov)
    if momentum:
        op = gpu.fused("sgd_momentum")
        _run_update(gpu, opt, lambda step, p, g, m: op(p, g, m, lr=0.1, momentum=momentum, nesterov=nesterov),
                    ("momentum",))
    else:
        op = gpu.fused("sgd")
        _run_update(gpu, opt, lambda step, p, g: op(p, g, lr=0.1), ())


@pytest.mark.parametrize("momentum", [0.0, 0.5])
def test_fused_rmsprop(gpu: Any, momentum: float) -> None:
    opt = neuropil.optimizers.get("rmsprop", learning_rate=0.01, momentum=momentum)
    common = dict(lr=0.01, rho=opt.rho, epsilon=opt.epsilon)
    if momentum:
        op = gpu.fused("rmsprop_momentum")
        _run_update(gpu, opt, lambda step, p, g, v, mom: op(p, g, v, mom, momentum=momentum, **common),
                    ("velocity", "momentum"))
    else:
        op = gpu.fused("rmsprop")
        _run_update(gpu, opt, lambda step, p, g, v: op(p, g, v, **common), ("velocity",))


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh"])
def test_fused_activations(gpu: Any, name: str) -> None:
    x = np.concatenate([np.random.default_rng(0).uniform(-6, 6, 1000), [-1e4, -90.0, 90.0, 1e4]]).astype(np.float32)
    x[np.abs(x) < 1e-3] = 0.5  # away from relu's kink
    dy = np.random.default_rng(1).normal(size=x.shape).astype(np.float32)
    y, backward = neuropil.activations.get(name).forward(x)
    x_gpu, dy_gpu = gpu.asarray(x), gpu.asarray(dy)
    y_gpu = gpu.fused(name)(x_gpu) if name != "tanh" else gpu.xp.tanh(x_gpu)
    close(gpu, y_gpu, y)
    close(gpu, gpu.fused(f"{name}_backward")(dy_gpu, y_gpu), backward(dy))


# -- backend basics and TF32 ---------------------------------------------------------------------
def test_backend_basics(gpu: Any) -> None:
    assert gpu.xp.__name__ == "cupy"
    host = np.arange(6, dtype=np.float32).reshape(2, 3)
    device = gpu.asarray(host)
    assert isinstance(device, gpu.xp.ndarray)
    np.testing.assert_array_equal(gpu.to_numpy(device), host)
    draws = gpu.rng(0).random((3, 4), dtype=np.float32)
    assert isinstance(draws, gpu.xp.ndarray) and draws.dtype == np.float32
    gpu.synchronize()


@pytest.fixture
def restore_compute_type(gpu: Any) -> Iterator[None]:
    """TF32 is a process-wide CuPy setting: put it back so later tests compare full float32."""
    from cupy._core import _routines_linalg as linalg

    before = linalg.get_compute_type(np.float32)
    yield
    linalg.set_compute_type(np.float32, before)


def test_tf32_switches_float32_matmuls(gpu: Any, restore_compute_type: None) -> None:
    major = int(gpu.xp.cuda.Device().compute_capability) // 10
    if major < 8:
        pytest.skip(f"TF32 needs compute capability 8.0 or newer, this device has {major}.x")
    backend = CupyBackend(tf32=True)
    assert tf32.enabled(backend.xp)
    a = np.random.default_rng(0).normal(size=(256, 256)).astype(np.float32)
    exact = a.astype(np.float64) @ a.astype(np.float64)
    got = backend.to_numpy(backend.asarray(a) @ backend.asarray(a))
    np.testing.assert_allclose(got, exact, rtol=1e-2, atol=1e-1)  # TF32: ~1e-3 relative, not float32's 1e-6
