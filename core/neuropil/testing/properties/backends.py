"""Backends: a backend round-trips arrays; and every component computes the same on every available
backend as on the NumPy reference. Layers are compared in both modes (see :func:`_layers`).

The emulated device (:mod:`neuropil.testing.emulated_device`) is always among the backends compared,
so on every machine each component also runs with CuPy's manners: no implicit conversion to NumPy, no
NumPy operand, only functions CuPy has, and the fused kernels' stand-ins where a component uses them.
``NEUROPIL_EMULATED_DEVICE=0`` leaves it out (then the property is skipped without a GPU).
"""
from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np

from ...plugin_system.registry import Entry
from .. import strategies as s
from ..instances import ConformanceSkip, build_layer, example_configs, host_backend, layer_configs, make
from ._common import assert_allclose, run_hypothesis
from ._layer_runs import Inputs, deterministic_modes, host, input_names, mode_name, on_backend, trainable_names
from .regularizers import draw_weight

#: float64 results of one algorithm on two backends differ by reduction order only.
RTOL, ATOL = 1e-7, 1e-10


def roundtrip(entry: Entry) -> None:
    backend = make(entry)
    ok, why = backend.availability()
    if not ok:
        raise ConformanceSkip(f"backend {entry.name!r} is not available here: {why}")

    def test(data: Any) -> None:
        x = data.draw(s.arrays(s.shapes(max_dims=3)), label="x")
        for dtype in ("float32", "float64"):
            host = x.astype(dtype)
            back = backend.to_numpy(backend.asarray(host))
            if back.dtype != host.dtype or not np.array_equal(back, host):
                raise AssertionError(f"to_numpy(asarray(x)) changed a {dtype} array: {host!r} -> {back!r}")

    run_hypothesis(test)


#: Set to "0" to compare against installed backends only.
EMULATED_ENV = "NEUROPIL_EMULATED_DEVICE"
_EMULATED: list[Any] = []


def emulated_device() -> Any:
    """The conformance suite's own :class:`~neuropil.testing.emulated_device.EmulatedDevice` (one per
    process, so its fused kernels stay offered for the arrays it makes)."""
    if not _EMULATED:
        from ..emulated_device import EmulatedDevice

        _EMULATED.append(EmulatedDevice())
    return _EMULATED[0]


def other_backends() -> list[Any]:
    """Every available backend except the NumPy reference, and the emulated device."""
    from ...backends import available, get
    from ..emulated_device import NAME

    reference = host_backend()
    others = [get(name) for name, (ok, _) in available().items() if ok]
    others = [b for b in others if b.name not in (reference.name, NAME)]
    if os.environ.get(EMULATED_ENV, "1").strip() != "0":
        others.append(emulated_device())
    if not others:
        raise ConformanceSkip(f"only the NumPy backend is available (and {EMULATED_ENV}=0): nothing to "
                              f"compare against")
    return others


def _compare(what: str, backend: Any, got: Any, expected: Any) -> None:
    assert_allclose(f"{what} on backend {backend.name!r} against numpy", backend.to_numpy(got)
                    if not isinstance(got, float) else got, expected, RTOL, ATOL)


def _activations(entry: Entry, data: Any, backends: list[Any]) -> None:
    activation = make(entry, data.draw(s.st.sampled_from(example_configs(entry)), label="config"))
    x = data.draw(s.activation_inputs(tuple(getattr(activation, "kinks", ())),
                                           getattr(activation, "input_axis_multiple", None)), label="x")
    y, backward = activation.forward(x)
    dy = data.draw(s.arrays(y.shape), label="dy")  # y's shape: glu halves an axis
    dx = backward(dy)
    for b in backends:
        yb, backward_b = activation.forward(b.asarray(x))
        _compare("output", b, yb, y)
        _compare("dx", b, backward_b(b.asarray(dy)), dx)


def _layer_pass(layer: Any, x: Inputs, training: bool, seed: int) -> dict[str, np.ndarray]:
    """Host copies of everything one forward and backward of ``layer`` give or change: the output,
    ``dx`` (``dx[i]`` for each input of a multi-input layer), the gradients, and every parameter
    afterwards (a training forward may move statistics)."""
    y, backward = layer.forward(on_backend(layer, x), training=training)
    out = {"output": host(layer, y)}
    dy = np.random.default_rng(seed).standard_normal(out["output"].shape)
    dx = backward(layer.backend.asarray(dy))
    several = isinstance(x, (list, tuple))
    for name, grad in zip(input_names(x), dx if several and isinstance(dx, (list, tuple)) else [dx]):
        if grad is not None:
            out["d" + name] = host(layer, grad)
    out.update({f"grads[{n!r}]": host(layer, layer.grads[n]) for n in trainable_names(layer)})
    out.update({f"params[{n!r}] afterwards": host(layer, v) for n, v in layer.params.items()})
    return out


def _layers(entry: Entry, data: Any, backends: list[Any]) -> None:
    """Inference mode, and training mode unless the training forward is random (Dropout's masks come
    from each backend's own generator, which draws other numbers from the same seed): a
    backend-specific bug in batch statistics or a fused update of moving statistics shows only
    there. Each pass starts from freshly built layers, so both sides start from the same state."""
    example = data.draw(s.layer_examples(layer_configs(entry)), label="layer")

    def build(backend: Any = None) -> Any:
        return build_layer(entry, example.config, example.input_shape, example.seed, backend=backend)

    for training in deterministic_modes(build(), example.x):
        expected = _layer_pass(build(), example.x, training, example.seed)
        for b in backends:
            got = _layer_pass(build(b), example.x, training, example.seed)
            for what, value in expected.items():
                where = f"{what} in {mode_name(training)} mode on backend {b.name!r}"
                if what not in got:
                    raise AssertionError(f"{where}: missing, where numpy has it")
                assert_allclose(f"{where} against numpy", got[what], value, RTOL, ATOL)


def _losses(entry: Entry, data: Any, backends: list[Any]) -> None:
    loss = make(entry, data.draw(s.st.sampled_from(example_configs(entry)), label="config"))
    pair = data.draw(s.loss_examples(loss), label="y_true, y_pred")
    value, backward = loss.forward(pair.y_true, pair.y_pred)
    grad = backward()
    for b in backends:
        vb, backward_b = loss.forward(b.asarray(pair.y_true), b.asarray(pair.y_pred))
        _compare("loss value", b, vb, value)
        _compare("d(loss)/d(y_pred)", b, backward_b(), grad)


def _optimizers(entry: Entry, data: Any, backends: list[Any]) -> None:
    from .optimizers import configs_for

    config = data.draw(s.st.sampled_from(configs_for(entry)), label="config")
    run = data.draw(s.optimizer_runs(), label="run")
    reference = make(entry, config)
    params = {k: v.copy() for k, v in run.params.items()}
    for grads in run.grads:
        reference.apply_gradients([(k, params[k], grads[k]) for k in params])
    for b in backends:
        optimizer = make(entry, config)
        # copies: a backend whose asarray keeps NumPy arrays as they are would update the drawn ones
        moved = {k: b.asarray(v.copy()) for k, v in run.params.items()}
        for grads in run.grads:
            optimizer.apply_gradients([(k, moved[k], b.asarray(grads[k])) for k in moved])
        for k in params:
            _compare(f"parameter {k!r} after {len(run.grads)} steps", b, moved[k], params[k])


def _metrics(entry: Entry, data: Any, backends: list[Any]) -> None:
    config = data.draw(s.st.sampled_from(example_configs(entry)), label="config")
    metric = make(entry, config)
    kinds = getattr(metric, "target_kind", "real"), getattr(metric, "prediction_kind", "real")
    pair = data.draw(s.target_pairs(*kinds), label="y_true, y_pred")
    metric.update_state(pair.y_true, pair.y_pred)
    expected = metric.result()
    for b in backends:
        other = make(entry, config)
        other.update_state(b.asarray(pair.y_true), b.asarray(pair.y_pred))
        assert_allclose(f"result on backend {b.name!r} against numpy", other.result(), expected, RTOL, ATOL)


def _constraints(entry: Entry, data: Any, backends: list[Any]) -> None:
    from .constraints import draw_example

    constraint, w = draw_example(data, entry, example_configs(entry))
    expected = constraint(w.copy())
    for b in backends:
        _compare("result", b, constraint(b.asarray(w)), expected)


def _regularizers(entry: Entry, data: Any, backends: list[Any]) -> None:
    """The penalty and its gradient (what training adds to the loss and to the weights' gradients)."""
    regularizer = make(entry, data.draw(s.st.sampled_from(example_configs(entry)), label="config"))
    w = draw_weight(data, regularizer)  # as the gradient property: OrthogonalRegularizer takes matrices only
    value, grad = regularizer.loss(w), regularizer.gradient(w)
    for b in backends:
        _compare("penalty", b, regularizer.loss(b.asarray(w)), value)
        _compare("gradient", b, regularizer.gradient(b.asarray(w)), grad)


_BY_KIND: dict[str, Callable[[Entry, Any, list[Any]], None]] = {
    "activations": _activations, "layers": _layers, "losses": _losses, "optimizers": _optimizers,
    "metrics": _metrics, "constraints": _constraints, "regularizers": _regularizers,
}


def consistency(kind: str) -> Callable[[Entry], None]:
    """The ``backends`` property of components of ``kind``."""

    def check(entry: Entry) -> None:
        backends = other_backends()
        run_hypothesis(lambda data: _BY_KIND[kind](entry, data, backends))

    return check


PROPERTIES = {"roundtrip": roundtrip}
