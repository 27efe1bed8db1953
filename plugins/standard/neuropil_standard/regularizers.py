"""Keras's weight regularizers: penalties added to the loss, with their gradients.

The penalty is written out explicitly (``l2 * sum(w**2)``, as Keras defines it, with no factor 1/2) and
so is its gradient, because training here differentiates by hand. Array math goes through the array
module of ``w``, so the same object works on NumPy and CuPy weights.
"""
from __future__ import annotations

from typing import Any

from neuropil import checks
from neuropil.base.backend import array_module
from neuropil.plugin_system.hookspecs import Register

from . import reference_regularizers as _reference


class L1L2:
    """``l1 * sum(|w|) + l2 * sum(w**2)``; the subgradient of ``|w|`` at 0 is taken as 0."""

    example_configs: tuple[dict[str, Any], ...] = ({}, {"l1": 0.01, "l2": 0.02}, {"l1": 0.3}, {"l2": 0.2})
    reference = _reference.l1l2
    #: By hand: Keras's defaults l1 = l2 = 0 penalise nothing; 0.1 * 3 + 0.2 * 5.
    golden_examples: tuple[dict[str, Any], ...] = (
        {"config": {}, "inputs": ([1.0, -2.0],), "output": 0.0},
        {"config": {"l1": 0.1, "l2": 0.2}, "inputs": ([1.0, -2.0],), "output": 1.3})

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1 = checks.number(type(self).__name__, "l1", l1, minimum=0)  # a penalty factor, as Keras requires
        self.l2 = checks.number(type(self).__name__, "l2", l2, minimum=0)

    def loss(self, w: Any) -> Any:
        xp = array_module(w)
        total: Any = 0.0
        if self.l1:
            total = total + self.l1 * xp.abs(w).sum()
        if self.l2:
            total = total + self.l2 * (w * w).sum()
        return total

    def gradient(self, w: Any) -> Any:
        xp = array_module(w)
        if self.l1 and self.l2:
            return self.l1 * xp.sign(w) + (2.0 * self.l2) * w
        if self.l1:
            return self.l1 * xp.sign(w)
        if self.l2:
            return (2.0 * self.l2) * w
        return xp.zeros_like(w)

    def __call__(self, w: Any) -> Any:
        return self.loss(w)

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1, "l2": self.l2}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_config().items())})"


class L1(L1L2):
    """``l1 * sum(|w|)``: pushes weights to exactly zero (sparse weights)."""

    example_configs: tuple[dict[str, Any], ...] = ({}, {"l1": 0.3})
    #: By hand, Keras's default l1 = 0.01: 0.01 * (1 + 2).
    golden_examples: tuple[dict[str, Any], ...] = ({"config": {}, "inputs": ([1.0, -2.0],), "output": 0.03},)

    def __init__(self, l1: float = 0.01) -> None:
        super().__init__(l1=l1)

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1}


class L2(L1L2):
    """``l2 * sum(w**2)``: weight decay through the loss."""

    example_configs: tuple[dict[str, Any], ...] = ({}, {"l2": 0.25})
    #: By hand, Keras's default l2 = 0.01: 0.01 * (1 + 4), no factor 1/2.
    golden_examples: tuple[dict[str, Any], ...] = ({"config": {}, "inputs": ([1.0, -2.0],), "output": 0.05},)

    def __init__(self, l2: float = 0.01) -> None:
        super().__init__(l2=l2)

    def get_config(self) -> dict[str, Any]:
        return {"l2": self.l2}


def register_all(register: Register) -> None:
    register("L1", L1)
    register("L2", L2)
    register("L1L2", L1L2)
    from .orthogonal_regularizer import OrthogonalRegularizer

    register("OrthogonalRegularizer", OrthogonalRegularizer)
