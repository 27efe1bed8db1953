"""Running a layer generically, for the layer properties: drawing one, snapshotting and restoring its
parameters around forwards, and deciding which modes a check can run it in.

Why snapshots: a training forward may legitimately change non-trainable parameters (BatchNormalization
moves its statistics; a Batch-Renormalization-style layer even centers with the moved value), so two
training forwards of the same input from *different* states need not agree. Every repeated
evaluation (finite differences, the determinism probe, a comparison across backends) starts from one
saved state instead, and so sees the function of ``x`` and the trainable parameters that the backward
differentiates.
"""
from __future__ import annotations

from collections.abc import Collection
from typing import Any

import numpy as np

from ...plugin_system.registry import Entry
from .. import strategies as s
from ..gradients import GradientMismatch
from ..instances import build_layer

#: Batch size of the determinism probe. A random training forward must differ between two calls
#: somewhere in the probe: with 256 samples even a Dropout of rate 0.01 on a 3-feature input draws
#: the same mask twice with probability below 1e-6 (0.9802 ** 768), where a batch of one would 94% of
#: the time.
PROBE_BATCH = 256
#: Spread of the noise :func:`perturb` adds to trainable parameters: far from an initial gamma of 1 and
#: beta of 0, small enough that a layer's kinks and saturations stay where the drawn inputs put them.
PERTURBATION = 0.5

Params = dict[str, Any]


def trainable_names(layer: Any) -> list[str]:
    """The parameters the backward must assign gradients to: none for a frozen layer."""
    return sorted(layer.trainable_params) if getattr(layer, "trainable", True) else []


def snapshot(layer: Any) -> Params:
    """Copies of every parameter (on the layer's backend), to restore or compare against later."""
    return {name: value.copy() for name, value in layer.params.items()}


def restore(layer: Any, saved: Params, keep: Collection[str] = ()) -> None:
    """Write ``saved`` back into the layer's own arrays (in place: they are what optimizers and the
    checker hold), except the parameters named in ``keep``."""
    for name, value in saved.items():
        if name not in keep:
            layer.params[name][...] = value


def perturb(layer: Any, rng: np.random.Generator, size: float = PERTURBATION) -> None:
    """Add normal noise of spread ``size`` to every trainable parameter, in place (the layer's own
    arrays, which the checker and optimizers hold), so that a bug the initial values hide (a gamma of
    1, a beta or bias of 0, where ``gamma * dy`` and ``dy`` agree) shows."""
    for name in trainable_names(layer):
        value = layer.params[name]
        current = host(layer, value)
        noise = rng.normal(0.0, size, size=current.shape).astype(current.dtype)
        value[...] = layer.backend.asarray(current + noise)


def host(layer: Any, value: Any) -> np.ndarray:
    """A NumPy copy of one of the layer's arrays (never an alias that a later call could change)."""
    return np.array(layer.backend.to_numpy(value))


Inputs = Any  # one array, or a list of arrays for a multi-input layer


def input_list(x: Inputs) -> list[Any]:
    """The inputs as a list: ``[x]`` for a single-input layer, the list itself for a multi-input one."""
    return list(x) if isinstance(x, (list, tuple)) else [x]


def input_names(x: Inputs) -> list[str]:
    """How reports name the inputs: ``x``, or ``x[0]``, ``x[1]``, ... for a multi-input layer."""
    return [f"x[{i}]" for i in range(len(x))] if isinstance(x, (list, tuple)) else ["x"]


def map_inputs(x: Inputs, fn: Any) -> Inputs:
    """``fn`` applied to each input, keeping the structure (one array or a list)."""
    return [fn(a) for a in x] if isinstance(x, (list, tuple)) else fn(x)


def copy_inputs(x: Inputs) -> Inputs:
    return map_inputs(x, lambda a: a.copy())


def on_backend(layer: Any, x: Inputs) -> Inputs:
    """The host inputs moved to the layer's backend."""
    return map_inputs(x, layer.backend.asarray)


def input_gradients(x: Inputs, dx: Any) -> dict[str, Any]:
    """A backward's return value by input name, checked against the multi-input contract: one ``dx``
    for one input; a list or tuple of one ``dx`` per input, none of them None, for several."""
    names = input_names(x)
    if not isinstance(x, (list, tuple)):
        if dx is None:
            raise GradientMismatch("backward returned None instead of dx")
        return {"x": dx}
    if not isinstance(dx, (list, tuple)) or len(dx) != len(names):
        got = f"{len(dx)} gradients" if isinstance(dx, (list, tuple)) else f"a {type(dx).__name__}"
        raise GradientMismatch(f"backward of a layer called on {len(names)} inputs returned {got}, "
                               f"expected a list of {len(names)} (one dx per input)")
    for name, grad in zip(names, dx):
        if grad is None:
            raise GradientMismatch(f"backward returned None for {name} (input_gradient is True: every "
                                   f"input's gradient is needed)")
    return dict(zip(names, dx))


def deterministic_training(layer: Any, x: Inputs) -> bool:
    """Whether two training forwards from the same parameter state give the same output, judged on a
    generic input of ``x``'s per-sample shape (``x`` itself may be all zeros, which a random mask
    leaves unchanged) and :data:`PROBE_BATCH` samples; the layer is left in the state it came in.

    Judging by output rather than by a seed is what holds on every backend: a seeded layer repeats
    its masks on one backend, but CuPy's generator draws other numbers than NumPy's from a seed.
    """
    saved = snapshot(layer)
    shapes = [tuple(a.shape) for a in input_list(x)]
    several = isinstance(x, (list, tuple))
    try:
        try:
            first, second = _two_training_outputs(layer, saved, [(PROBE_BATCH,) + s[1:] for s in shapes], several)
        except Exception:  # noqa: BLE001 - a layer that fixes its batch size: probe with x's
            first, second = _two_training_outputs(layer, saved, shapes, several)
    finally:
        restore(layer, saved)
    return bool(np.array_equal(first, second, equal_nan=True))


def _two_training_outputs(layer: Any, saved: Params, shapes: list[tuple[int, ...]],
                          several: bool) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    probes = [layer.backend.asarray(rng.uniform(0.5, 1.5, size=shape)) for shape in shapes]
    probe = probes if several else probes[0]
    outputs = []
    for _ in range(2):
        restore(layer, saved)
        outputs.append(host(layer, layer.forward(probe, training=True)[0]))
    return outputs


def deterministic_modes(layer: Any, x: Inputs) -> tuple[bool, ...]:
    """The ``training`` values in which the layer's forward is a function of ``x`` and its parameters,
    which finite differences and comparisons across backends need: inference always (the forward a
    frozen layer runs even while its model trains, and the only one of a random layer), training too
    unless its forward there is random (Dropout: a mask cannot be differenced, nor repeated on
    another backend's generator)."""
    return (True, False) if deterministic_training(layer, x) else (False,)


def mode_name(training: bool) -> str:
    return "training" if training else "inference"


def draw_layer(data: Any, entry: Entry, configs: list) -> tuple[Any, Inputs, np.random.Generator]:
    """A layer built in float64 from one of ``configs``, an input for it (a list of inputs for a
    multi-input layer; a single input is moved off the points the layer's ``kink_distance``
    declares), and a generator seeded from the example (for upstream gradients and nudges)."""
    example = data.draw(s.layer_examples(configs), label="layer")
    layer = build_layer(entry, example.config, example.input_shape, example.seed)
    x = copy_inputs(example.x)
    kink_distance = getattr(layer, "kink_distance", None)
    if not isinstance(x, list) and kink_distance is not None and kink_distance(x) is not None:
        x = s.move_from_kinks(kink_distance, x)  # a declared non-smooth point
    return layer, x, np.random.default_rng(example.seed)
