"""Layers: input and parameter gradients against central differences, and a pure backward.

A layer is checked in training mode when its training forward is deterministic (BatchNorm uses batch
statistics there, which is the interesting backward) and in inference mode otherwise (Dropout: a
random mask cannot be differenced).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ...registry import Entry
from .. import strategies as s
from ..gradients import Differentiable, GradientMismatch, check_gradients, check_pure_backward
from ..instances import ConformanceSkip, build_layer, layer_configs
from ._common import avoiding_kinks, nudger, run_hypothesis


def trainable_names(layer: Any) -> list[str]:
    return sorted(layer.trainable_params) if getattr(layer, "trainable", True) else []


def training_mode(layer: Any, x: np.ndarray) -> bool:
    """Whether the training forward is deterministic, judged on a generic input of ``x``'s shape
    (``x`` itself may be all zeros, which a random mask leaves unchanged)."""
    probe = np.random.default_rng(0).uniform(0.5, 1.5, size=x.shape)
    first = np.array(layer.forward(probe, training=True)[0], copy=True)
    return bool(np.array_equal(first, np.asarray(layer.forward(probe, training=True)[0]), equal_nan=True))


def problem(layer: Any, x: np.ndarray, training: bool, params: bool = True,
            missing_ok: bool = False) -> Differentiable:
    """Variables: ``x`` and (with ``params``) ``params[name]`` for every trainable parameter (the
    layer's own arrays, perturbed in place). ``grads`` is emptied before each backward, so a gradient
    the backward fails to assign is reported as missing rather than read stale from an earlier call."""
    names = trainable_names(layer) if params else []
    variables = {"x": x, **{f"params[{n}]": layer.params[n] for n in names}}

    def forward() -> tuple[Any, Callable[[Any], dict[str, Any]]]:
        y, backward = layer.forward(x, training=training)

        def full_backward(dy: Any) -> dict[str, Any]:
            layer.grads.clear()
            dx = backward(dy)
            if dx is None:
                raise GradientMismatch("backward returned None instead of dx")
            out = {"x": dx}
            for n in names:
                if n not in layer.grads and missing_ok:
                    continue
                if n not in layer.grads:
                    raise GradientMismatch(
                        f"backward did not assign grads[{n!r}] (trainable parameters: {names})")
                out[f"params[{n}]"] = layer.grads[n]
            return out

        return y, full_backward

    return Differentiable(variables, forward)


def _draw(data: Any, entry: Entry, configs: list) -> tuple[Any, np.ndarray, bool, np.random.Generator]:
    example = data.draw(s.layer_examples(configs), label="layer")
    layer = build_layer(entry, example.config, example.input_shape, example.seed)
    x = example.x.copy()
    return layer, x, training_mode(layer, x), np.random.default_rng(example.seed)


def _gradient_property(params: bool) -> Callable[[Entry], None]:
    def check(entry: Entry) -> None:
        configs = layer_configs(entry)
        if params and not any(trainable_names(build_layer(entry, c, shape, 0)) for c, shape, _ in configs):
            raise ConformanceSkip("the layer has no trainable parameters")

        def test(data: Any) -> None:
            layer, x, training, rng = _draw(data, entry, configs)
            fn = problem(layer, x, training, params)
            names = [n for n in fn.variables if n.startswith("params[")] if params else ["x"]
            if not names:
                return
            mode = "training" if training else "inference"

            def run() -> None:
                try:
                    check_gradients(fn, rng, names=names)
                except GradientMismatch as exc:
                    raise GradientMismatch(f"{exc} [{mode} mode]") from None

            avoiding_kinks(run, nudger([x], rng))

        run_hypothesis(test)

    return check


def pure_backward(entry: Entry) -> None:
    configs = layer_configs(entry)

    def test(data: Any) -> None:
        layer, x, training, rng = _draw(data, entry, configs)
        watched = {"x": x, **{f"params[{n}]": layer.params[n] for n in trainable_names(layer)}}
        # A gradient the backward does not assign at all is param_gradients' failure to report.
        check_pure_backward(problem(layer, x, training, missing_ok=True), watched, rng)

    run_hypothesis(test)


PROPERTIES = {
    "input_gradient": _gradient_property(params=False),
    "param_gradients": _gradient_property(params=True),
    "pure_backward": pure_backward,
}
