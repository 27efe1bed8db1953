"""Regularizers: ``gradient(w)`` is the derivative of ``loss(w)`` (kinks such as L1's at 0 are
detected and stepped off), and neither modifies ``w``."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...plugin_system.registry import Entry
from .. import strategies as s
from ..gradients import Differentiable, check_gradients, check_pure_backward
from ..instances import example_configs, make
from ._common import avoiding_kinks, nudger, run_hypothesis


def problem(regularizer: Any, w: np.ndarray) -> Differentiable:
    def forward() -> tuple[Any, Callable[[Any], dict[str, Any]]]:
        return regularizer.loss(w), lambda dv: {"w": np.asarray(regularizer.gradient(w)) * dv}

    return Differentiable({"w": w}, forward)


def gradient(entry: Entry) -> None:
    def test(data: Any) -> None:
        regularizer = make(entry, data.draw(s.st.sampled_from(example_configs(entry)), label="config"))
        w = data.draw(s.arrays(s.shapes(max_dims=2)), label="w")
        rng = np.random.default_rng(data.draw(s.seeds, label="seed"))
        avoiding_kinks(lambda: check_gradients(problem(regularizer, w), rng), nudger([w], rng))
        check_pure_backward(problem(regularizer, w), {"w": w}, rng)

    run_hypothesis(test)


PROPERTIES = {"gradient": gradient}
