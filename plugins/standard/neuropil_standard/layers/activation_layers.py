"""ReLU, LeakyReLU, Softmax, ELU: Keras's activation layers, with its names, arguments and defaults.

Each is an :class:`~.activation.Activation` layer whose activation is fixed by the class and built from
the layer's own arguments, so the math and its backward are the ones in ``neuropil_standard.activations``
(one implementation, checked once) and the layer only adds what Keras's layer adds: argument checks
that name what was expected and received, and a config holding its own arguments rather than an
``activation``.
"""
from __future__ import annotations

import warnings
from typing import Any

from neuropil.base.layer import Layer
from neuropil.errors import ArgumentError

from .. import activations as fn
from .._checks import finite_number
from . import reference_core as _reference
from .activation import Activation


class _ArgumentActivation(Activation):
    """An Activation layer configured by its own arguments: its config lists those arguments (as
    Keras's does) instead of an ``activation``, which the class already fixes."""


    def arguments(self) -> dict[str, Any]:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        config = Layer.get_config(self)  # not Activation's: it would add an "activation" entry
        config.update(self.arguments())
        return config


class ReLU(_ArgumentActivation):
    """``x`` above ``threshold`` (capped at ``max_value`` when given), ``negative_slope * (x -
    threshold)`` below it; with the defaults, ``max(x, 0)``. As Keras's layer, it refuses negative
    ``max_value``, ``negative_slope`` and ``threshold``."""

    reference = _reference.relu  # the conformance suite's float64 formula
    # Keras's documented examples, and the defaults (max(x, 0)) from its definition.
    golden_examples = (
        {"config": {}, "inputs": ([[-3.0, -1.0, 0.0, 0.05, 2.0]],), "output": [[0.0, 0.0, 0.0, 0.05, 2.0]]},
        {"config": {"max_value": 10.0, "negative_slope": 0.5, "threshold": 0.0},
         "inputs": ([[-10.0, -5.0, 0.0, 5.0, 10.0]],), "output": [[-5.0, -2.5, 0.0, 5.0, 10.0]]},
        {"config": {"threshold": 1.5}, "inputs": ([[-3.0, -1.0, 1.0, 2.0]],), "output": [[0.0, 0.0, 0.0, 2.0]]},
    )
    example_configs: tuple[dict[str, Any], ...] = ({}, {"max_value": 1.0}, {"negative_slope": 0.1, "threshold": 0.5},
                       {"max_value": 2.0, "negative_slope": 0.2, "threshold": 0.5}, {"threshold": 1.0},
                       {"negative_slope": 0.5}, {"threshold": 0.5, "max_value": 1.5})

    def __init__(self, max_value: float | None = None, negative_slope: float = 0.0, threshold: float = 0.0,
                 **kwargs: Any) -> None:
        self.max_value = None if max_value is None else finite_number("ReLU", "max_value", max_value, minimum=0.0)
        self.negative_slope = finite_number("ReLU", "negative_slope", negative_slope, minimum=0.0)
        self.threshold = finite_number("ReLU", "threshold", threshold, minimum=0.0)
        super().__init__(fn.ReLU(negative_slope=self.negative_slope, max_value=self.max_value,
                                 threshold=self.threshold), **kwargs)

    def arguments(self) -> dict[str, Any]:
        return {"max_value": self.max_value, "negative_slope": self.negative_slope, "threshold": self.threshold}


class LeakyReLU(_ArgumentActivation):
    """``x`` for ``x >= 0``, ``negative_slope * x`` below. Keras 3's name for the slope; the Keras 2
    name ``alpha`` is still accepted (with a DeprecationWarning, as Keras 3 warns) so old code runs."""

    reference = _reference.leaky_relu  # the conformance suite's float64 formula
    # Keras's documented example (slope 0.5) and its layer's default slope 0.3.
    golden_examples = (
        {"config": {"negative_slope": 0.5}, "inputs": ([[-10.0, -5.0, 0.0, 5.0, 10.0]],),
         "output": [[-5.0, -2.5, 0.0, 5.0, 10.0]]},
        {"config": {}, "inputs": ([[-10.0, -5.0, 0.0, 5.0, 10.0]],), "output": [[-3.0, -1.5, 0.0, 5.0, 10.0]]},
    )
    example_configs = ({}, {"negative_slope": 0.05}, {"negative_slope": 1.5})

    def __init__(self, negative_slope: float = 0.3, *, alpha: float | None = None, **kwargs: Any) -> None:
        if alpha is not None:
            warnings.warn("LeakyReLU's argument `alpha` is deprecated (Keras 2); use `negative_slope`",
                          DeprecationWarning, stacklevel=2)
            negative_slope = alpha
        self.negative_slope = finite_number("LeakyReLU", "negative_slope", negative_slope, minimum=0.0)
        super().__init__(fn.LeakyReLU(negative_slope=self.negative_slope), **kwargs)

    def arguments(self) -> dict[str, Any]:
        return {"negative_slope": self.negative_slope}


class _SoftmaxOverAxis(fn.Softmax):
    """Softmax over an axis other than the last. It has a name of its own because a model folds a
    final ``"softmax"`` into its cross-entropy, whose logits form normalizes over the last axis."""

    name = "softmax_over_axis"


class Softmax(_ArgumentActivation):
    """``exp(x) / sum(exp(x))`` along ``axis`` (batch axis included in the count, as in Keras)."""

    reference = _reference.softmax  # the conformance suite's float64 formula
    golden_examples = ({"config": {}, "inputs": ([[1.0, 2.0, 3.0]],),  # e**k / (e + e**2 + e**3)
                        "output": [[0.09003057317038046, 0.24472847105479767, 0.6652409557748219]], "rtol": 1e-9},)
    example_configs = ({}, {"axis": 1, "input_shape": (3, 4)}, {"axis": -2, "input_shape": (4, 2, 3)})

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise ArgumentError(f"Softmax expects axis to be an integer, received axis={axis!r}")
        self.axis = axis
        super().__init__(fn.Softmax(axis=axis), **kwargs)

    def build(self, input_shape: tuple[int, ...], backend: Any, rng: Any) -> None:
        rank = len(input_shape) + 1
        if not -rank <= self.axis < rank:
            raise ArgumentError(f"layer {self.name!r} (Softmax) got axis={self.axis} for inputs of rank {rank} "
                             f"(per-sample shape {tuple(input_shape)} plus the batch axis); expected an "
                             f"axis in [{-rank}, {rank - 1}]")
        if self.axis % rank != rank - 1:
            self.activation = _SoftmaxOverAxis(axis=self.axis)

    def arguments(self) -> dict[str, Any]:
        return {"axis": self.axis}


class ELU(_ArgumentActivation):
    """``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise."""

    reference = _reference.elu  # the conformance suite's float64 formula
    golden_examples = ({"config": {}, "inputs": ([[-1.0, 0.0, 2.0]],),  # alpha 1: exp(-1) - 1
                        "output": [[-0.6321205588285577, 0.0, 2.0]], "rtol": 1e-9},)
    example_configs = ({}, {"alpha": 0.5}, {"alpha": 2.5})

    def __init__(self, alpha: float = 1.0, **kwargs: Any) -> None:
        self.alpha = finite_number("ELU", "alpha", alpha)
        super().__init__(fn.ELU(alpha=self.alpha), **kwargs)

    def arguments(self) -> dict[str, Any]:
        return {"alpha": self.alpha}
