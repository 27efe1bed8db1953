"""Activations: the backward matches central differences (full Jacobian, so row-wise activations
such as softmax must get their off-diagonal terms right) and is pure."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...plugin_system.registry import Entry
from .. import strategies as s
from ..gradients import Differentiable, check_gradients, check_pure_backward
from ..instances import example_configs, make
from ._common import avoiding_kinks, nudger, run_hypothesis


def problem(activation: Any, x: np.ndarray) -> Differentiable:
    def forward() -> tuple[Any, Callable[[Any], dict[str, Any]]]:
        y, backward = activation.forward(x)
        return y, lambda dy: {"x": backward(dy)}

    return Differentiable({"x": x}, forward)


def _draw(data: Any, entry: Entry) -> tuple[Any, np.ndarray, np.random.Generator]:
    config = data.draw(s.st.sampled_from(example_configs(entry)), label="config")
    activation = make(entry, config)
    x = data.draw(s.activation_inputs(tuple(getattr(activation, "kinks", ())),
                                           getattr(activation, "input_axis_multiple", None)), label="x")
    return activation, x, np.random.default_rng(data.draw(s.seeds, label="seed"))


def input_gradient(entry: Entry) -> None:
    def test(data: Any) -> None:
        activation, x, rng = _draw(data, entry)
        fn = problem(activation, x)
        avoiding_kinks(lambda: check_gradients(fn, rng), nudger([x], rng))

    run_hypothesis(test)


def pure_backward(entry: Entry) -> None:
    def test(data: Any) -> None:
        activation, x, rng = _draw(data, entry)
        check_pure_backward(problem(activation, x), {"x": x}, rng)

    run_hypothesis(test)


PROPERTIES = {"input_gradient": input_gradient, "pure_backward": pure_backward}
