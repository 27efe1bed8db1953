"""Layers: input and parameter gradients against central differences, a pure backward, and what a
forward and a backward may change (:mod:`.layer_state`).

A multi-input layer (one declaring lists of shapes in ``example_input_shapes``) is fed a list of
inputs, and each input is a variable of its own (``x[0]``, ``x[1]``, ...; the name ``x`` stands for
them all): its backward must return one gradient per input, each checked like ``x`` is.

The ``test`` functions keep their text: Hypothesis's derandomized (``ci``) examples are seeded from a
test function's source, so editing one would hand every layer new examples.

The contract a layer's backward keeps: in *each* mode, the backward returned by ``forward(x,
training)`` is the gradient of that very forward. Both modes are checked, because both are used in
training: the training forward's backward on every step, the inference forward's wherever a model
fine-tunes around a frozen layer (a frozen BatchNormalization normalizes with its moving statistics,
a different function with a different gamma gradient). Training mode is left out only where its
forward is random (Dropout: a mask cannot be differenced), judged by two training forwards from the
same state giving different outputs.

``perturbed_gradients`` repeats both gradient checks at trainable parameters moved off their initial
values, where a bug the initial gamma = 1 and beta = 0 hide shows.

Every evaluation starts from the parameter state the layer was built with (or perturbed to): a training forward may
move non-trainable statistics, and a layer that centers with the moved value (Batch
Renormalization) would otherwise be differenced across drifting states, which reads as a kink or a
wrong gradient rather than as the function its backward differentiates.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...plugin_system.registry import Entry
from ..gradients import Differentiable, GradientMismatch, check_gradients, check_pure_backward
from ..instances import ConformanceSkip, build_layer, layer_configs
from . import layer_config
from ._common import avoiding_kinks, nudger, run_hypothesis
from ._layer_runs import (
    Inputs,
    Params,
    deterministic_modes,
    draw_layer,
    input_gradients,
    input_list,
    input_names,
    mode_name,
    perturb,
    restore,
    snapshot,
    trainable_names,
)
from .layer_state import state


def problem(layer: Any, x: Inputs, training: bool, params: bool = True, missing_ok: bool = False,
            start: Params | None = None) -> Differentiable:
    """Variables: ``x`` (``x[0]``, ``x[1]``, ... for a multi-input layer, whose ``x`` is a list) and
    (with ``params``) ``params[name]`` for every trainable parameter (the layer's own arrays,
    perturbed in place). Every other parameter is restored to ``start`` (default: the state now)
    before each forward. ``grads`` is emptied before each backward, so a gradient the backward fails
    to assign is reported as missing rather than read stale from an earlier call."""
    names = trainable_names(layer) if params else []
    variables = {**dict(zip(input_names(x), input_list(x))), **{f"params[{n}]": layer.params[n] for n in names}}
    groups = {"x": input_names(x)} if isinstance(x, (list, tuple)) else {}
    start = snapshot(layer) if start is None else start

    def forward() -> tuple[Any, Callable[[Any], dict[str, Any]]]:
        restore(layer, start, keep=names)
        y, backward = layer.forward(x, training=training)

        def full_backward(dy: Any) -> dict[str, Any]:
            layer.grads.clear()
            out = input_gradients(x, backward(dy))
            for n in names:
                if n not in layer.grads and missing_ok:
                    continue
                if n not in layer.grads:
                    raise GradientMismatch(
                        f"backward did not assign grads[{n!r}] (trainable parameters: {names})")
                out[f"params[{n}]"] = layer.grads[n]
            return out

        return y, full_backward

    return Differentiable(variables, forward, groups=groups)


def _gradient_property(params: bool, perturbed: bool = False) -> Callable[[Entry], None]:
    """``perturbed``: input and parameter gradients at trainable parameters moved by :func:`perturb`
    from where the layer was built, so that the initial values (gamma = 1, beta = 0, zero biases)
    hide no bug. An example whose gradients are already wrong at the built parameters is left to
    ``input_gradient`` and ``param_gradients``: this property reports only what those cannot see."""
    def check(entry: Entry) -> None:
        configs = layer_configs(entry)
        if (params or perturbed) and not any(trainable_names(build_layer(entry, c, shape, 0))
                                             for c, shape, _ in configs):
            raise ConformanceSkip("the layer has no trainable parameters")

        def test(data: Any) -> None:
            layer, x, rng = draw_layer(data, entry, configs)
            if (params or perturbed) and not trainable_names(layer):
                return

            def checker(where: str) -> Callable[[], None]:
                built, modes = snapshot(layer), deterministic_modes(layer, x)

                def run() -> None:
                    for training in modes:
                        fn = problem(layer, x, training, params, start=built)
                        names = [n for n in fn.variables if n.startswith("params[")] if params else ["x"]
                        if perturbed:
                            names = list(fn.variables)
                        try:
                            check_gradients(fn, rng, names=names)
                        except GradientMismatch as exc:
                            raise GradientMismatch(f"{exc} [{mode_name(training)} mode{where}]") from None

                return run

            if perturbed:
                try:
                    avoiding_kinks(checker(""), nudger([x], rng))
                except GradientMismatch:
                    return  # wrong at the built parameters already: the other gradient properties say so
                perturb(layer, rng)
            avoiding_kinks(checker(", at perturbed parameters" if perturbed else ""), nudger([x], rng))

        run_hypothesis(test)

    return check


def pure_backward(entry: Entry) -> None:
    """Both modes, random ones included: the contract needs one forward only, and backward called
    twice on it."""
    configs = layer_configs(entry)

    def test(data: Any) -> None:
        layer, x, rng = draw_layer(data, entry, configs)
        built = snapshot(layer)
        watched = {"x": x, **{f"params[{n}]": layer.params[n] for n in trainable_names(layer)}}
        for training in (True, False):
            # A gradient the backward does not assign at all is param_gradients' failure to report.
            fn = problem(layer, x, training, missing_ok=True, start=built)
            try:
                check_pure_backward(fn, watched, rng)
            except GradientMismatch as exc:
                raise GradientMismatch(f"{exc} [{mode_name(training)} mode]") from None

    run_hypothesis(test)


PROPERTIES = {
    "input_gradient": _gradient_property(params=False),
    "param_gradients": _gradient_property(params=True),
    "perturbed_gradients": _gradient_property(params=True, perturbed=True),
    "pure_backward": pure_backward,
    "state": state,
    **layer_config.PROPERTIES,
}
