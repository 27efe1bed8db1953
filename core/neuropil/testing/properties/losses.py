"""Losses: the gradient with respect to predictions matches central differences, through the reduced
``forward`` (with a scalar upstream other than 1) and through ``per_sample`` (with a per-sample
upstream), and the backward is pure. Predictions that are distributions are compared within the
simplex's tangent space: rows that must sum to one cannot move off it, so a gradient component along
the all-ones direction is meaningless (and a loss that normalises its input legitimately has one).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...base.loss import Loss
from ...plugin_system.registry import Entry
from .. import strategies as s
from ..gradients import Differentiable, check_gradients, check_pure_backward
from ..instances import example_configs, make
from ._common import avoiding_kinks, nudger, run_hypothesis


def _kinds(loss: Any) -> tuple[str, str]:
    return getattr(loss, "target_kind", "real"), getattr(loss, "prediction_kind", "real")


def _tangent(g: np.ndarray) -> np.ndarray:
    return g - g.mean(axis=-1, keepdims=True)


def problem(loss: Any, y_true: np.ndarray, y_pred: np.ndarray, per_sample: bool = False) -> Differentiable:
    compute = loss.per_sample if per_sample else loss.forward

    def forward() -> tuple[Any, Callable[[Any], dict[str, Any]]]:
        value, backward = compute(y_true, y_pred)
        return value, lambda dv: {"y_pred": backward(dv)}

    project: dict[str, Callable[[np.ndarray], np.ndarray]] = {}
    if _kinds(loss)[1] == "distribution":
        project["y_pred"] = _tangent
    return Differentiable({"y_pred": y_pred}, forward, project)


def _draw(data: Any, entry: Entry) -> tuple[Any, np.ndarray, np.ndarray, np.random.Generator]:
    loss = make(entry, data.draw(s.st.sampled_from(example_configs(entry)), label="config"))
    pair = data.draw(s.loss_examples(loss), label="y_true, y_pred")
    return loss, pair.y_true, pair.y_pred.copy(), np.random.default_rng(data.draw(s.seeds, label="seed"))


def input_gradient(entry: Entry) -> None:
    def test(data: Any) -> None:
        loss, y_true, y_pred, rng = _draw(data, entry)
        clip = (0.005, 0.995) if _kinds(loss)[1] == "probability" else None
        variants = [False] + ([True] if isinstance(loss, Loss) else [])
        for per_sample in variants:
            fn = problem(loss, y_true, y_pred, per_sample)

            def check(fn: Differentiable = fn) -> None:
                check_gradients(fn, rng)

            avoiding_kinks(check, nudger([y_pred], rng, 0.01, clip))

    run_hypothesis(test)


def pure_backward(entry: Entry) -> None:
    def test(data: Any) -> None:
        loss, y_true, y_pred, rng = _draw(data, entry)
        check_pure_backward(problem(loss, y_true, y_pred), {"y_true": y_true, "y_pred": y_pred}, rng)

    run_hypothesis(test)


PROPERTIES = {"input_gradient": input_gradient, "pure_backward": pure_backward}
