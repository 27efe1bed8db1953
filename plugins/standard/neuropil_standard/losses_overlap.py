"""Keras 3's overlap losses for segmentation, Dice and Tversky, each with its own backward.

Both compare soft masks through sums over ``axis``. Keras's default ``axis=None`` sums over
everything, batch included, so the loss is one number for the whole batch (reductions then leave
it as it is); ``axis=(1, 2, 3)`` gives one value per image instead.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from neuropil import checks
from neuropil.base.loss import Loss
from neuropil.config import epsilon
from neuropil.errors import ArgumentError

from . import reference_losses as _reference
from .losses import _align

Backward = Callable[[Any], Any]
_REDUCTION = "sum_over_batch_size"
Axis = int | tuple[int, ...] | None


def _axis(owner: str, axis: Any) -> Axis:
    """Keras's ``axis``: None (everything), one axis, or a tuple (or list) of axes."""
    if axis is None:
        return None
    if isinstance(axis, (tuple, list)):
        if not axis:
            raise ArgumentError(f"{owner} expects axis to be None, an integer or a non-empty tuple of "
                                f"integers, received axis={axis!r}")
        return tuple(checks.integer(owner, "axis", a) for a in axis)
    return checks.integer(owner, "axis", axis)


def _expand(dvalues: Any, shape: tuple[int, ...], axis: Axis) -> Any:
    """``dvalues`` (the sums' shape) with the summed axes put back as 1s, to broadcast over ``shape``."""
    if axis is None:
        return dvalues
    axes = (axis,) if isinstance(axis, int) else axis
    kept = [a % len(shape) for a in axes]
    return dvalues.reshape(tuple(1 if i in kept else n for i, n in enumerate(shape)))


def _config_axis(axis: Axis) -> Any:
    return list(axis) if isinstance(axis, tuple) else axis


class Tversky(Loss):
    """Keras ``tversky``: ``1 - I / (I + alpha * FP + beta * FN + eps)`` with the sums over ``axis``
    of ``I = y_true * y_pred``, Keras's ``FP = (1 - y_pred) * y_true`` and ``FN = y_pred * (1 - y_true)``
    (Keras's own naming, kept so the weights mean what they mean in Keras). ``alpha = beta = 0.5`` is
    the Dice loss."""

    name = "tversky"
    reference = _reference.tversky  # the conformance suite's float64 formula
    target_kind = "binary"
    prediction_kind = "probability"
    example_configs = ({}, {"alpha": 0.7, "beta": 0.3}, {"axis": -1}, {"alpha": 0.2, "beta": 0.9, "axis": [1]},
                       {"alpha": 0.0, "beta": 1.0, "axis": [-1, 0], "reduction": "sum"})

    def __init__(self, alpha: float = 0.5, beta: float = 0.5, reduction: str | None = _REDUCTION,
                 name: str | None = "tversky", axis: Any = None) -> None:
        super().__init__(reduction=reduction, name=name)
        self.alpha = checks.number("Tversky", "alpha", alpha)
        self.beta = checks.number("Tversky", "beta", beta)
        self.axis = _axis("Tversky", axis)

    def per_sample(self, y_true: Any, y_pred: Any) -> tuple[Any, Backward]:
        y, axis = _align(y_true, y_pred), self.axis
        overlap = (y * y_pred).sum(axis=axis)
        missed = ((1.0 - y_pred) * y).sum(axis=axis)
        extra = (y_pred * (1.0 - y)).sum(axis=axis)
        denominator = overlap + self.alpha * missed + self.beta * extra + epsilon()
        values = 1.0 - overlap / denominator

        def backward(dvalues: Any) -> Any:
            # d(I/D)/dp = (y D - I dD/dp) / D^2 with dD/dp = y (1 - alpha) + beta (1 - y)
            d_denominator = y * (1.0 - self.alpha) + self.beta * (1.0 - y)
            shape = y_pred.shape
            grad = y * _expand(denominator, shape, axis) - _expand(overlap, shape, axis) * d_denominator
            grad *= _expand(-dvalues / (denominator * denominator), shape, axis)
            return grad

        return values, backward

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "alpha": self.alpha, "beta": self.beta, "axis": _config_axis(self.axis)}


class Dice(Loss):
    """Keras ``dice``: ``1 - 2 sum(y_true * y_pred) / (sum(y_true) + sum(y_pred) + eps)`` over ``axis``."""

    name = "dice"
    reference = _reference.dice  # the conformance suite's float64 formula
    target_kind = "binary"
    prediction_kind = "probability"
    example_configs = ({}, {"axis": -1}, {"axis": [1], "reduction": "sum"}, {"axis": [0, -1]})

    def __init__(self, reduction: str | None = _REDUCTION, name: str | None = "dice", axis: Any = None) -> None:
        super().__init__(reduction=reduction, name=name)
        self.axis = _axis("Dice", axis)

    def per_sample(self, y_true: Any, y_pred: Any) -> tuple[Any, Backward]:
        y, axis = _align(y_true, y_pred), self.axis
        overlap = (y * y_pred).sum(axis=axis)
        denominator = y.sum(axis=axis) + y_pred.sum(axis=axis) + epsilon()
        values = 1.0 - 2.0 * overlap / denominator

        def backward(dvalues: Any) -> Any:
            # d(2I/D)/dp = 2 (y D - I) / D^2, since dD/dp = 1
            shape = y_pred.shape
            grad = y * _expand(denominator, shape, axis) - _expand(overlap, shape, axis)
            grad *= _expand(-2.0 * dvalues / (denominator * denominator), shape, axis)
            return grad

        return values, backward

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": _config_axis(self.axis)}


LOSSES: tuple[tuple[str, type[Loss], tuple[str, ...]], ...] = (
    ("dice", Dice, ()),
    ("tversky", Tversky, ()),
)
