"""Regularizers: ``gradient(w)`` is the derivative of ``loss(w)`` (kinks such as L1's at 0 are
detected and stepped off, and at fixed weights holding exact zeros the gradient must still be
finite: a subgradient), and neither modifies ``w``. Weights have 1 or 2 axes, or the numbers of
axes the regularizer declares in ``ndims`` (Keras's OrthogonalRegularizer takes matrices only); such a
regularizer works on shapes, and usually on norms, so its weights are drawn as constraints' are (see
:func:`neuropil.testing.strategies.weights`: entries 0 or of magnitude 0.05 to 3).

``reference``: where the regularizer declares ``reference(w) -> penalty``, a float64 formula written from
the published definition and sharing no code with ``loss``, ``loss(w)`` agrees with it on every
``example_configs`` entry and drawn weights (``gradient`` is then held to that penalty by the gradient
check). Without a declaration: a visible skip, since a penalty off by a factor passes the gradient
check as long as its gradient is off by the same factor."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...plugin_system.registry import Entry
from .. import strategies as s
from ..gradients import Differentiable, check_gradients, check_pure_backward
from ..instances import example_configs, make
from ._common import assert_allclose, avoiding_kinks, nudger, run_hypothesis
from .constraints import fixed_weights
from .reference import _check_golden, _require

#: A float64 penalty against a float64 formula written differently: rounding differs by far less.
REFERENCE_RTOL, REFERENCE_ATOL = 1e-9, 1e-12


def problem(regularizer: Any, w: np.ndarray) -> Differentiable:
    def forward() -> tuple[Any, Callable[[Any], dict[str, Any]]]:
        return regularizer.loss(w), lambda dv: {"w": np.asarray(regularizer.gradient(w)) * dv}

    return Differentiable({"w": w}, forward)


def draw_weight(data: Any, regularizer: Any) -> np.ndarray:
    """A weight ``regularizer`` accepts: 1 or 2 axes, or the numbers of axes it declares in ``ndims``."""
    ndims = getattr(regularizer, "ndims", None)  # a regularizer for matrices only says so
    if ndims is None:
        return data.draw(s.arrays(s.shapes(max_dims=2)), label="w")
    # drawn as constraints' weights: norms far from the epsilon guards such penalties divide by
    return data.draw(s.weights(s.weight_shapes(ndims, max_side=4)), label="w")


def gradient(entry: Entry) -> None:
    for config in example_configs(entry):  # exact zeros included: L1's kink needs a finite subgradient
        regularizer = make(entry, config)
        for w in fixed_weights(tuple(getattr(regularizer, "ndims", (1, 2)))):
            values = np.asarray(regularizer.gradient(w.copy()), dtype=np.float64)
            if not np.isfinite(values).all():
                raise AssertionError(f"gradient(w) is not finite for w = {w.tolist()} (config {config}): at a kink "
                                     f"such as |w| at 0, return a subgradient (Keras's sign(0) = 0)")

    def test(data: Any) -> None:
        regularizer = make(entry, data.draw(s.st.sampled_from(example_configs(entry)), label="config"))
        w = draw_weight(data, regularizer)
        rng = np.random.default_rng(data.draw(s.seeds, label="seed"))
        avoiding_kinks(lambda: check_gradients(problem(regularizer, w), rng), nudger([w], rng))
        check_pure_backward(problem(regularizer, w), {"w": w}, rng)

    run_hypothesis(test)


def reference(entry: Entry) -> None:
    has_formula, golden = _require(entry, "penalty this regularizer", "`reference(w) -> penalty`")
    _check_golden(entry, golden, lambda regularizer, inputs: regularizer.loss(inputs[0]))
    if not has_formula:
        return

    def compare(config: dict[str, Any], regularizer: Any, w: np.ndarray) -> None:
        expected = regularizer.reference(w.copy())
        assert_allclose(f"loss(w) against the declared reference (config {config}, w of shape {w.shape})",
                        np.asarray(regularizer.loss(w)), expected, REFERENCE_RTOL, REFERENCE_ATOL)

    for config in example_configs(entry):
        regularizer = make(entry, config)
        for w in fixed_weights(tuple(getattr(regularizer, "ndims", (1, 2)))):
            compare(config, regularizer, w)

    def test(data: Any) -> None:
        config = data.draw(s.st.sampled_from(example_configs(entry)), label="config")
        regularizer = make(entry, config)
        compare(config, regularizer, draw_weight(data, regularizer))

    run_hypothesis(test)


PROPERTIES = {"gradient": gradient, "reference": reference}
