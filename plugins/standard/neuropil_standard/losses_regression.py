"""Keras 3's remaining regression, probabilistic and hinge losses, each with its own backward.

Every formula (including Keras's epsilon guards: ``max(|y|, eps)`` in MAPE, ``max(x, eps)`` in MSLE,
clipping to ``[eps, 1]`` in KL divergence, ``log(p + eps)`` in Poisson) is the one Keras computes, and
each backward is the exact derivative of it, zero where a guard is active. Values are Keras's: the
last axis averaged (summed for KL divergence and cosine similarity), earlier axes kept.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from neuropil import checks
from neuropil.base.backend import array_module
from neuropil.base.loss import Loss
from neuropil.config import epsilon

from . import reference_losses as _reference
from .activations import softplus
from .losses import Hinge, _align, _row_mean, _upstream

Backward = Callable[[Any], Any]
_REDUCTION = "sum_over_batch_size"


class MeanAbsolutePercentageError(Loss):
    """Keras ``mean_absolute_percentage_error`` (``mape``):
    ``100 * mean(|y_true - y_pred| / max(|y_true|, epsilon))`` over the last axis."""

    name = "mean_absolute_percentage_error"
    reference = _reference.mean_absolute_percentage_error  # the conformance suite's float64 formula
    example_configs = ({}, {"reduction": "sum"})

    def __init__(self, reduction: str | None = _REDUCTION,
                 name: str | None = "mean_absolute_percentage_error") -> None:
        super().__init__(reduction=reduction, name=name)

    def per_sample(self, y_true: Any, y_pred: Any) -> tuple[Any, Backward]:
        xp = array_module(y_pred)
        y_true = _align(y_true, y_pred)
        scale = 100.0 / xp.maximum(xp.abs(y_true), epsilon())
        diff = y_pred - y_true
        values, count = _row_mean(xp.abs(diff) * scale)

        def backward(dvalues: Any) -> Any:
            grad = xp.sign(diff)
            grad *= scale
            grad *= _upstream(dvalues, diff.ndim, count)
            return grad

        return values, backward

    def kink_distance(self, y_true: Any, y_pred: Any) -> Any:
        return y_pred - _align(y_true, y_pred)


class MeanSquaredLogarithmicError(Loss):
    """Keras ``mean_squared_logarithmic_error`` (``msle``):
    ``mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)) ** 2)`` over the last axis."""

    name = "mean_squared_logarithmic_error"
    reference = _reference.mean_squared_logarithmic_error  # the conformance suite's float64 formula
    prediction_kind = "positive"
    example_configs = ({}, {"reduction": "mean_with_sample_weight"})

    def __init__(self, reduction: str | None = _REDUCTION,
                 name: str | None = "mean_squared_logarithmic_error") -> None:
        super().__init__(reduction=reduction, name=name)

    def per_sample(self, y_true: Any, y_pred: Any) -> tuple[Any, Backward]:
        xp = array_module(y_pred)
        eps = epsilon()
        y_true = _align(y_true, y_pred)
        guarded = xp.maximum(y_pred, eps)
        log_gap = xp.log1p(guarded) - xp.log1p(xp.maximum(y_true, eps))
        values, count = _row_mean(log_gap * log_gap)

        def backward(dvalues: Any) -> Any:
            grad = 2.0 * log_gap
            grad /= guarded + 1.0
            grad *= y_pred > eps  # the max(y_pred, eps) guard is flat below eps
            grad *= _upstream(dvalues, y_pred.ndim, count)
            return grad

        return values, backward

    def kink_distance(self, y_true: Any, y_pred: Any) -> Any:
        return y_pred - epsilon()


class LogCosh(Loss):
    """Keras ``log_cosh`` (``logcosh``): ``mean(log(cosh(y_pred - y_true)))`` over the last axis,
    computed as ``x + softplus(-2x) - log 2`` (finite for any error); its derivative is ``tanh(x)``."""

    name = "log_cosh"
    reference = _reference.log_cosh  # the conformance suite's float64 formula
    example_configs = ({}, {"reduction": "sum"})

    def __init__(self, reduction: str | None = _REDUCTION, name: str | None = "log_cosh") -> None:
        super().__init__(reduction=reduction, name=name)

    def per_sample(self, y_true: Any, y_pred: Any) -> tuple[Any, Backward]:
        xp = array_module(y_pred)
        diff = y_pred - _align(y_true, y_pred)
        elementwise = softplus(-2.0 * diff)
        elementwise += diff
        elementwise -= math.log(2.0)
        values, count = _row_mean(elementwise)

        def backward(dvalues: Any) -> Any:
            grad = xp.tanh(diff)
            grad *= _upstream(dvalues, diff.ndim, count)
            return grad

        return values, backward


class CosineSimilarity(Loss):
    """Keras ``cosine_similarity``: ``-sum(l2_normalize(y_true) * l2_normalize(y_pred))`` over
    ``axis``, where ``l2_normalize(x) = x / max(||x||, epsilon)`` (Keras's ``x * min(rsqrt(sum x**2),
    1 / epsilon)``); -1 for parallel vectors, 0 when either is zero."""

    name = "cosine_similarity"
    reference = _reference.cosine_similarity  # the conformance suite's float64 formula
    example_configs = ({}, {"axis": 0}, {"reduction": "sum"})
    #: The loss bends like 1 / ||y_pred||**2 near the zero vector: finite differences need a norm of
    #: a few hundredths there to resolve it, far more than the suite's default distance of 1e-3.
    kink_margin = 0.05

    def __init__(self, axis: int = -1, reduction: str | None = _REDUCTION,
                 name: str | None = "cosine_similarity") -> None:
        super().__init__(reduction=reduction, name=name)
        self.axis = checks.integer("CosineSimilarity", "axis", axis)

    @staticmethod
    def _normalise(x: Any, axis: int) -> tuple[Any, Any]:
        xp = array_module(x)
        norm = xp.sqrt((x * x).sum(axis=axis, keepdims=True))
        xp.maximum(norm, epsilon(), out=norm)
        return x / norm, norm

    def per_sample(self, y_true: Any, y_pred: Any) -> tuple[Any, Backward]:
        xp = array_module(y_pred)
        axis = self.axis
        unit_true, _ = self._normalise(_align(y_true, y_pred), axis)
        unit_pred, norm = self._normalise(y_pred, axis)
        values = -(unit_true * unit_pred).sum(axis=axis)

        def backward(dvalues: Any) -> Any:
            # d(u . t)/dp = (t - u (u . t)) / ||p|| above the guard, t / eps below it
            cosine = (unit_true * unit_pred).sum(axis=axis, keepdims=True)
            above = norm > epsilon()
            grad = unit_true - unit_pred * (cosine * above)
            grad /= norm
            grad *= -xp.expand_dims(dvalues, axis)
            return grad

        return values, backward

    def kink_distance(self, y_true: Any, y_pred: Any) -> Any:
        """Zero where ``||y_pred||`` meets the epsilon guard (the zero vector, in practice)."""
        xp = array_module(y_pred)
        norm = xp.sqrt((y_pred * y_pred).sum(axis=self.axis, keepdims=True))
        return xp.broadcast_to(norm - epsilon(), y_pred.shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis}


class Poisson(Loss):
    """Keras ``poisson``: ``mean(y_pred - y_true * log(y_pred + epsilon))`` over the last axis;
    ``y_pred`` is a positive rate."""

    name = "poisson"
    reference = _reference.poisson  # the conformance suite's float64 formula
    target_kind = "positive"
    prediction_kind = "positive"
    example_configs = ({}, {"reduction": "sum"})

    def __init__(self, reduction: str | None = _REDUCTION, name: str | None = "poisson") -> None:
        super().__init__(reduction=reduction, name=name)

    def per_sample(self, y_true: Any, y_pred: Any) -> tuple[Any, Backward]:
        xp = array_module(y_pred)
        y_true = _align(y_true, y_pred)
        shifted = y_pred + epsilon()
        values, count = _row_mean(y_pred - y_true * xp.log(shifted))

        def backward(dvalues: Any) -> Any:
            grad = y_true / shifted
            xp.subtract(1.0, grad, out=grad)
            grad *= _upstream(dvalues, y_pred.ndim, count)
            return grad

        return values, backward


class KLDivergence(Loss):
    """Keras ``kl_divergence`` (``kld``, ``KLD``, ``kullback_leibler_divergence``):
    ``sum(t * log(t / p))`` over the last axis with ``t, p`` clipped to ``[epsilon, 1]``."""

    name = "kl_divergence"
    reference = _reference.kl_divergence  # the conformance suite's float64 formula
    target_kind = "distribution"
    prediction_kind = "distribution"
    example_configs = ({}, {"reduction": "sum"})

    def __init__(self, reduction: str | None = _REDUCTION, name: str | None = "kl_divergence") -> None:
        super().__init__(reduction=reduction, name=name)

    def per_sample(self, y_true: Any, y_pred: Any) -> tuple[Any, Backward]:
        xp = array_module(y_pred)
        eps = epsilon()
        t = xp.clip(_align(y_true, y_pred), eps, 1.0)
        p = xp.clip(y_pred, eps, 1.0)
        values = (t * (xp.log(t) - xp.log(p))).sum(axis=-1)

        def backward(dvalues: Any) -> Any:
            grad = -t / p
            grad *= p == y_pred  # zero where the clip is active
            grad *= dvalues[..., None]
            return grad

        return values, backward


class SquaredHinge(Loss):
    """Keras ``squared_hinge``: ``mean(max(1 - y_true * y_pred, 0) ** 2)`` over the last axis, with
    0/1 targets first mapped to -1/1 (as :class:`~neuropil_standard.losses.Hinge` does)."""

    name = "squared_hinge"
    reference = _reference.squared_hinge  # the conformance suite's float64 formula
    target_kind = "binary"
    example_configs = ({}, {"reduction": "sum"})

    def __init__(self, reduction: str | None = _REDUCTION, name: str | None = "squared_hinge") -> None:
        super().__init__(reduction=reduction, name=name)

    def per_sample(self, y_true: Any, y_pred: Any) -> tuple[Any, Backward]:
        xp = array_module(y_pred)
        labels = Hinge.signed_labels(y_true, y_pred)
        margin = xp.maximum(1.0 - labels * y_pred, 0.0)
        values, count = _row_mean(margin * margin)

        def backward(dvalues: Any) -> Any:
            grad = -2.0 * margin
            grad *= labels
            grad *= _upstream(dvalues, margin.ndim, count)
            return grad

        return values, backward


class CategoricalHinge(Loss):
    """Keras ``categorical_hinge``: ``max(neg - pos + 1, 0)`` with ``pos = sum(y_true * y_pred)`` and
    ``neg = max((1 - y_true) * y_pred)`` over the last axis. The derivative of the max goes to the
    first largest entry (ties are kinks; gradient checks step off them)."""

    name = "categorical_hinge"
    reference = _reference.categorical_hinge  # the conformance suite's float64 formula
    target_kind = "one_hot"
    example_configs = ({}, {"reduction": "sum"})

    def __init__(self, reduction: str | None = _REDUCTION, name: str | None = "categorical_hinge") -> None:
        super().__init__(reduction=reduction, name=name)

    def per_sample(self, y_true: Any, y_pred: Any) -> tuple[Any, Backward]:
        xp = array_module(y_pred)
        y_true = _align(y_true, y_pred)
        others = (1.0 - y_true) * y_pred
        margin = others.max(axis=-1) - (y_true * y_pred).sum(axis=-1) + 1.0
        values = xp.maximum(margin, 0.0)

        def backward(dvalues: Any) -> Any:
            largest = others.argmax(axis=-1)[..., None]
            picks = (xp.arange(y_pred.shape[-1]) == largest).astype(y_pred.dtype)
            grad = picks * (1.0 - y_true) - y_true
            grad *= ((margin > 0) * dvalues)[..., None]
            return grad

        return values, backward

    def kink_distance(self, y_true: Any, y_pred: Any) -> Any:
        """Zero on the two kinks a drawn point meets most: the margin at 0 (told by the target
        entries, which move it one for one) and another entry tying the 0 that ``(1 - y) * y_pred``
        puts at the target (told by that entry itself)."""
        xp = array_module(y_pred)
        y_true = _align(y_true, y_pred)
        margin = ((1.0 - y_true) * y_pred).max(axis=-1) - (y_true * y_pred).sum(axis=-1) + 1.0
        return xp.where(y_true > 0, -margin[..., None], y_pred)


LOSSES: tuple[tuple[str, type[Loss], tuple[str, ...]], ...] = (
    ("mean_absolute_percentage_error", MeanAbsolutePercentageError, ("mape",)),
    ("mean_squared_logarithmic_error", MeanSquaredLogarithmicError, ("msle",)),
    ("log_cosh", LogCosh, ()),  # "logcosh" resolves too: lookups ignore underscores
    ("cosine_similarity", CosineSimilarity, ()),
    ("poisson", Poisson, ()),
    ("kl_divergence", KLDivergence, ("kld", "kullback_leibler_divergence")),
    ("squared_hinge", SquaredHinge, ()),
    ("categorical_hinge", CategoricalHinge, ()),
)
