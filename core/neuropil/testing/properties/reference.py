"""``reference``: a component computes what an independent description of it says, not only what its
own backward agrees with.

Gradient checks compare a forward with its own backward, so a forward that is wrong but
self-consistent (a GELU with a mistyped coefficient, a crossentropy that clips at the wrong epsilon)
passes them. This property compares the forward with what the component *declares* about itself, in
one or both of two forms (see docs/plugins.md, "Declaring a reference"):

- ``reference(...)``: a plain float64 formula, written from the published definition and sharing no
  code with the forward (like optimizers' ``reference_update``). It reads its configuration from
  ``self``, so it is checked on every ``example_configs`` entry and on drawn inputs:

  ===========  =====================================================  ==================================
  kind         signature                                              compared with
  ===========  =====================================================  ==================================
  activations  ``reference(x) -> y``                                  ``forward(x)[0]``
  losses       ``reference(y_true, y_pred) -> per-sample values``     ``per_sample(y_true, y_pred)[0]``
  metrics      ``reference(y_true, y_pred, sample_weight) -> float``  ``result()`` after one update
  layers       ``reference(params, x, training) -> y``                ``forward(x, training)[0]``, at the
               (``x`` a list of arrays for a multi-input layer)       built and at perturbed parameters
  ===========  =====================================================  ==================================

- ``golden_examples``: a class attribute, a tuple of dicts ``{"config": {...}, "inputs": (...),
  "output": ...}`` whose values come from the definition or from Keras's documentation (activations:
  ``inputs=(x,)`` and ``output=y``; losses: ``(y_true, y_pred)`` and the reduced ``loss(y_true,
  y_pred)``; metrics: ``(y_true, y_pred)`` or ``(y_true, y_pred, sample_weight)`` and ``result()``),
  with an optional ``"rtol"`` for values printed with few digits (default 1e-4).

Layers may also declare ``golden_examples`` (``inputs=(x,)`` with the batch axis; ``"training": True``
for a training forward), which pin what the *defaults* compute; ``reference_state(params, x,
training) -> {name: value}``, the non-trainable parameters after a forward (moving statistics); and,
for a random training forward, ``reference_moments(params, x) -> (mean, variance)`` per element,
compared with the sample moments of many draws. At the perturbed point the non-trainable state and a
frozen layer's weights move too, and every example config is also compared once on a fixed input.

A component declaring neither is reported as skipped, with the reason, so an author sees plainly that
nothing checks *what* it computes.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...plugin_system.registry import Entry
from .. import strategies as s
from ..instances import ConformanceSkip, build_layer, example_configs, is_multi_input, layer_configs, make
from ._common import assert_allclose, run_hypothesis
from ._layer_runs import (
    PERTURBATION,
    copy_inputs,
    deterministic_modes,
    draw_layer,
    map_inputs,
    mode_name,
    on_backend,
    perturb,
    restore,
    snapshot,
)

#: A float64 forward against a float64 formula written differently: rounding differs by far less.
RTOL, ATOL = 1e-6, 1e-9
#: The float32 forward of activations (a separate code path in some: a shorter erfc series, a clip
#: at float32's epsilon) against the float64 formula: float32 rounding of a few operations is below.
F32_RTOL, F32_ATOL = 2e-4, 2e-6
#: Golden values are printed with a few digits (Keras's docs give 4 to 7).
GOLDEN_RTOL, GOLDEN_ATOL = 1e-4, 1e-6

def _declared(entry: Entry) -> tuple[bool, tuple[dict[str, Any], ...]]:
    factory = entry.factory
    golden = tuple(getattr(factory, "golden_examples", ()) or ())
    return callable(getattr(factory, "reference", None)), golden


def _require(entry: Entry, what: str, formula: str = "`reference` formula") -> tuple[bool, tuple[dict[str, Any], ...]]:
    """``(has a formula, the golden examples)`` of a component that declares either; one declaring
    neither is skipped, the reason saying ``what`` goes unchecked and which ``formula`` to declare."""
    has_formula, golden = _declared(entry)
    if not has_formula and not golden:
        raise ConformanceSkip(f"no reference declared, so nothing checks what {what} computes: declare a float64 "
                              f"{formula} or `golden_examples` (docs/plugins.md, 'Declaring a reference')")
    return has_formula, golden


def _host(value: Any) -> np.ndarray:
    get = getattr(value, "get", None)  # a CuPy array
    return np.asarray(get() if callable(get) and not isinstance(value, np.ndarray) else value,
                      dtype=np.float64)


def _check_golden(entry: Entry, golden: tuple[dict[str, Any], ...],
                  compute: Callable[[Any, tuple[Any, ...]], Any]) -> None:
    for number, example in enumerate(golden):
        config = dict(example.get("config", {}))
        inputs = tuple(None if a is None else np.asarray(a, dtype=np.float64) for a in example["inputs"])
        component = make(entry, config)
        shown = [None if a is None else a.tolist() for a in inputs]
        assert_allclose(f"golden example {number} (config {config}, inputs {shown})",
                        _host(compute(component, inputs)), np.asarray(example["output"], dtype=np.float64),
                        float(example.get("rtol", GOLDEN_RTOL)), GOLDEN_ATOL)


def activation(entry: Entry) -> None:
    from .activations import _draw

    has_formula, golden = _require(entry, "this activation")
    _check_golden(entry, golden, lambda a, inputs: a.forward(inputs[0])[0])
    if not has_formula:
        return

    def test(data: Any) -> None:
        act, x, _ = _draw(data, entry)
        expected = act.reference(x.copy())
        assert_allclose(f"forward(x) against the declared reference (config {act.get_config()})",
                        _host(act.forward(x)[0]), expected, RTOL, ATOL)
        x32 = x.astype(np.float32)
        assert_allclose(f"the float32 forward(x) against the declared reference (config {act.get_config()})",
                        _host(act.forward(x32)[0]), act.reference(x32.astype(np.float64)), F32_RTOL, F32_ATOL)

    run_hypothesis(test)
    _activation_ladder(entry)


#: Magnitudes the drawn inputs (|x| <= 3) never reach, where components switch to other branches: an
#: asymptotic erfc tail, a clipped exponent, a saturated piece.
LADDER = (0.0, 0.5, 1.0, 2.0, 4.0, 6.0, 10.0, 30.0, 100.0, 1e3, 1e4)


def _activation_ladder(entry: Entry) -> None:
    from .finiteness import _activation_input, _signed

    for config in example_configs(entry):
        act = make(entry, config)
        x = _activation_input(act, _signed(LADDER), "float64")
        with np.errstate(all="ignore"):
            expected = np.asarray(act.reference(x.copy()), dtype=np.float64)
            actual = _host(act.forward(x.copy())[0])
        finite = np.isfinite(expected)
        if actual.shape != expected.shape or not finite.any():
            continue
        assert_allclose(f"forward(x) at magnitudes up to 1e4 against the declared reference (config {config}, "
                        f"x = +-{list(LADDER)})", actual[finite], expected[finite], RTOL, ATOL)


def loss(entry: Entry) -> None:
    from .losses import _draw

    has_formula, golden = _require(entry, "this loss")
    _check_golden(entry, golden, lambda lo, inputs: lo(inputs[0], inputs[1]))
    if not has_formula:
        return

    def test(data: Any) -> None:
        lo, y_true, y_pred, _ = _draw(data, entry)
        expected = lo.reference(y_true.copy(), y_pred.copy())
        assert_allclose(f"per_sample(y_true, y_pred) against the declared reference (config {lo.get_config()})",
                        _host(lo.per_sample(y_true, y_pred)[0]), expected, RTOL, ATOL)
        # No float32 comparison for losses: at a saturated prediction their clip at 1 - epsilon rounds
        # to another float32 number (Keras's too), a legitimate difference of ~1% in the loss.

    run_hypothesis(test)


def metric(entry: Entry) -> None:
    from .metrics import _draw

    has_formula, golden = _require(entry, "this metric")

    def golden_result(m: Any, inputs: tuple[np.ndarray, ...]) -> Any:
        m.update_state(*inputs)
        return m.result()

    _check_golden(entry, golden, golden_result)
    if not has_formula:
        return

    def test(data: Any) -> None:
        config, d = _draw(data, entry)
        m = make(entry, config)
        weights = None if d.sample_weight is None else d.sample_weight.copy()
        expected = m.reference(d.y_true.copy(), d.y_pred.copy(), weights)
        m.update_state(d.y_true, d.y_pred, d.sample_weight)
        assert_allclose(f"result() after one update against the declared reference (config {config})",
                        _host(m.result()), expected, RTOL, ATOL)

    run_hypothesis(test)


def _perturb_state(layer: Any, rng: np.random.Generator, size: float = PERTURBATION) -> None:
    """Move what :func:`perturb` leaves alone: the non-trainable state (BatchNormalization's moving
    statistics, Normalization's adapted mean and variance) and the trainable parameters of a frozen
    layer, in place, so that an inference forward that ignores its statistics, or reads them
    wrongly, shows instead of hiding behind an initial mean of 0 and variance of 1.

    The state is shifted up by ``|N(0, size)|``: whatever it is, a variance or a count stays
    non-negative, which a sign-blind shift would not guarantee. The reference reads the same moved
    values (it is given the parameters after this)."""
    frozen = not getattr(layer, "trainable", True)
    for name, value in layer.params.items():
        current = np.array(layer.backend.to_numpy(value))
        if not np.issubdtype(current.dtype, np.floating):
            continue
        if name in layer.trainable_params:
            if not frozen:
                continue  # perturb() moved it already
            noise = rng.normal(0.0, size, size=current.shape)
        else:
            noise = np.abs(rng.normal(0.0, size, size=current.shape))
        value[...] = layer.backend.asarray((current + noise).astype(current.dtype))


def layer(entry: Entry) -> None:
    has_formula, golden = _require(entry, "this layer", "`reference(params, x, training)`")
    _check_layer_golden(entry, golden)
    if not has_formula:
        return
    configs = layer_configs(entry)

    def test(data: Any) -> None:
        built_layer, x, rng = draw_layer(data, entry, configs)
        # Hypothesis fills most of a drawn array with one value, which hides a wrong window, crop or
        # axis order (every shifted window of a constant sees the same numbers): the forward is also
        # compared at a dense input of the same shape and range, every element its own value.
        _compare_layer(built_layer, [(x, "drawn"), (_dense(x, rng), "dense")], rng)

    run_hypothesis(test)
    _every_config(entry, configs)
    if callable(getattr(entry.factory, "reference_moments", None)):
        _check_training_moments(entry, configs)


def _dense(x: Any, rng: np.random.Generator) -> Any:
    """An input (or list of inputs) of ``x``'s shapes, uniform in the drawn range [-2, 2]."""
    return map_inputs(x, lambda a: rng.uniform(-2.0, 2.0, size=a.shape))


def _check_layer_golden(entry: Entry, golden: tuple[dict[str, Any], ...]) -> None:
    """A layer's golden examples: ``inputs=(x,)`` with the batch axis, the layer built from ``config``
    for ``x``'s per-sample shape (its initial weights: the defaults' ones and zeros), and ``output``
    its inference forward (``"training": True`` for the training one). A formula reads its
    configuration from the layer, so only an example states what the *defaults* compute (a ReLU whose
    default slope leaked, a BatchNormalization with another epsilon)."""
    for number, example in enumerate(golden):
        config = dict(example.get("config", {}))
        (x,) = (np.asarray(a, dtype=np.float64) for a in example["inputs"])
        built_layer = build_layer(entry, config, tuple(x.shape[1:]), number)
        training = bool(example.get("training", False))
        actual = _host(built_layer.forward(built_layer.backend.asarray(x), training=training)[0])
        assert_allclose(f"golden example {number} (config {config}, {mode_name(training)}, inputs {x.tolist()})",
                        actual, np.asarray(example["output"], dtype=np.float64),
                        float(example.get("rtol", GOLDEN_RTOL)), GOLDEN_ATOL)


def _compare_layer(built_layer: Any, inputs: list[tuple[Any, str]], rng: np.random.Generator) -> None:
    """The forward against the declared reference at each of ``inputs`` (labelled), in each
    deterministic mode, at the built and at perturbed parameters (non-trainable state moved too),
    every forward starting from the same saved state; the layer is left as built."""
    modes = deterministic_modes(built_layer, inputs[0][0])
    built = snapshot(built_layer)
    for perturbed in (False, True):
        restore(built_layer, built)
        if perturbed:
            perturb(built_layer, rng)
            _perturb_state(built_layer, rng)
        start = snapshot(built_layer)
        for training in modes:
            for x, label in inputs:
                restore(built_layer, start)
                params = {n: np.array(_host(v)) for n, v in built_layer.params.items()}  # copies: a forward moves state
                # A multi-input layer (a merge) gets its list of inputs, as its forward does.
                expected = built_layer.reference(params, copy_inputs(x), training)
                restore(built_layer, start)
                actual = _host(built_layer.forward(on_backend(built_layer, x), training=training)[0])
                where = "perturbed" if perturbed else "built"
                assert_allclose(f"{mode_name(training)} forward of the {label} input at the {where} "
                                f"parameters against the declared reference", actual, expected, RTOL, ATOL)
                _compare_state(built_layer, params, x, training, where)
    restore(built_layer, built)


def _compare_state(built_layer: Any, params: dict[str, np.ndarray], x: Any, training: bool, where: str) -> None:
    """A layer declaring ``reference_state(params, x, training) -> {name: value}`` (the non-trainable
    parameters after one forward from ``params``: BatchNormalization's moved statistics) has its own
    parameters compared with it after the forward, so a wrong momentum, a statistic moved towards the
    wrong value or one moved by a frozen layer shows."""
    declared = getattr(built_layer, "reference_state", None)
    if not callable(declared):
        return
    for name, value in declared(params, copy_inputs(x), training).items():
        assert_allclose(f"{name} after a {mode_name(training)} forward at the {where} parameters against the "
                        f"declared reference_state", _host(built_layer.params[name]), value, RTOL, ATOL)


#: Batch size of the pass over every example config: more than one sample, so that a statistic taken
#: over the wrong axis (the batch's instead of the sample's) shows.
EVERY_CONFIG_BATCH = 3


def _every_config(entry: Entry, configs: list[tuple[dict[str, Any], Any, bool]]) -> None:
    """Each (config, input shape) pair once more, deterministically, on a dense input, after the
    Hypothesis run: with a few dozen examples spread over many configs, the derandomized ``ci``
    profile leaves some of the later example configs undrawn (BatchNormalization's frozen one was,
    MaxPooling2D's 'same' ones were), and a reference is only as good as the paths it is compared
    on. The output shape the layer declares (what the next layer is built for) must be the shape its
    reference computes, too."""
    for number, (config, shape, _) in enumerate(configs):
        rng = np.random.default_rng(number)
        built_layer = build_layer(entry, config, shape, number)
        shapes = shape if is_multi_input(shape) else [shape]
        xs = [rng.uniform(-2.0, 2.0, size=(EVERY_CONFIG_BATCH, *each)) for each in shapes]
        x = xs if is_multi_input(shape) else xs[0]
        kink_distance = getattr(built_layer, "kink_distance", None)
        if not is_multi_input(shape) and kink_distance is not None and kink_distance(x) is not None:
            x = s.move_from_kinks(kink_distance, xs[0])
        try:
            _compare_layer(built_layer, [(x, "dense")], rng)
            params = {n: _host(v) for n, v in built_layer.params.items()}
            expected = np.shape(built_layer.reference(params, copy_inputs(x), False))[1:]
            declared = tuple(built_layer.compute_output_shape(shape))
            if declared != tuple(expected):
                raise AssertionError(f"compute_output_shape({shape}) gives {declared} where the declared "
                                     f"reference's output has per-sample shape {tuple(expected)}")
        except AssertionError as exc:
            raise AssertionError(f"example config {config} on inputs of per-sample shape {shape}: {exc}") from exc


#: Draws per element in the moments check of a random training forward: enough that a mean or a
#: variance off by 10% stands several standard errors out, few enough to take a fraction of a second.
MOMENT_SAMPLES = 20000
#: The mean may miss by this many standard errors (a false alarm about once in 1e9 elements).
MOMENT_SIGMAS = 6.0
#: The sample variance may miss by this fraction: 7 standard errors for a dropout at rate 0.25
#: (whose two-point distribution has the heaviest tails among the standard layers'), 10 for normal noise.
MOMENT_VARIANCE_RTOL = 0.1


def _check_training_moments(entry: Entry, configs: list) -> None:
    """What a random training forward can be held to: a layer declaring ``reference_moments(params, x)
    -> (mean, variance)`` of each output element over its random draws (Dropout: ``x`` and
    ``x**2 * rate / (1 - rate)``) has its training forward run on :data:`MOMENT_SAMPLES` copies of one
    sample, and the per-element sample mean and variance compared. A mask scaled by the wrong factor,
    noise of the wrong spread or a shifted correction shows here, where the inference forward (the
    identity) and the reference of the deterministic modes cannot see it."""
    for number, (config, shape, _) in enumerate(configs):
        if isinstance(shape, list):
            continue
        built_layer = build_layer(entry, config, shape, number)
        sample = np.random.default_rng(number).uniform(-2.0, 2.0, size=tuple(shape))
        params = {n: _host(v) for n, v in built_layer.params.items()}
        mean, variance = (np.broadcast_to(np.asarray(m, dtype=np.float64), sample.shape)
                          for m in built_layer.reference_moments(params, sample.copy()))
        x = np.repeat(sample[None], MOMENT_SAMPLES, axis=0)
        y = _host(built_layer.forward(built_layer.backend.asarray(x), training=True)[0])
        where = f"example config {config}, training forward over {MOMENT_SAMPLES} draws of one sample"
        allowed = MOMENT_SIGMAS * np.sqrt(variance / MOMENT_SAMPLES) + ATOL
        off = np.abs(y.mean(axis=0) - mean) > allowed
        if off.any():
            raise AssertionError(f"{where}: the mean of each output is {y.mean(axis=0).tolist()}, the declared "
                                 f"reference_moments give {mean.tolist()} (allowed error {allowed.max():.3g})")
        off = np.abs(y.var(axis=0) - variance) > MOMENT_VARIANCE_RTOL * variance + ATOL
        if off.any():
            raise AssertionError(f"{where}: the variance of each output is {y.var(axis=0).tolist()}, the "
                                 f"declared reference_moments give {variance.tolist()} (rtol "
                                 f"{MOMENT_VARIANCE_RTOL})")

