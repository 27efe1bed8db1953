"""Keras 3's focal cross-entropies and the generalized cross-entropy, each with its own backward.

The focal losses (Lin et al., 2017) scale each entry's cross-entropy by ``(1 - p_t) ** gamma`` so
that confident, correct predictions count less. As in Keras, predictions are clipped to
``[epsilon, 1 - epsilon]`` inside the cross-entropy (also after the sigmoid or softmax of
``from_logits=True``), and each backward is the exact derivative of that clipped formula.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from neuropil import checks
from neuropil.base.backend import array_module
from neuropil.base.loss import Loss
from neuropil.config import epsilon
from neuropil.errors import ArgumentError

from . import reference_losses as _reference
from .activations import sigmoid
from .losses import SparseCategoricalCrossentropy, _align, _check_probabilities, check_sparse_labels

Backward = Callable[[Any], Any]
_REDUCTION = "sum_over_batch_size"


def _smoothing(owner: str, label_smoothing: Any) -> float:
    return checks.number(owner, "label_smoothing", label_smoothing, minimum=0, maximum=1)


def _softmax(z: Any, axis: int) -> Any:
    xp = array_module(z)
    e = xp.exp(z - z.max(axis=axis, keepdims=True))
    e /= e.sum(axis=axis, keepdims=True)
    return e


class BinaryFocalCrossentropy(Loss):
    """Keras ``binary_focal_crossentropy``: ``mean(w * (1 - p_t) ** gamma * bce)`` over ``axis``.

    ``p_t = y p + (1 - y)(1 - p)``; ``bce`` is the clipped binary cross-entropy; ``w`` is
    ``y alpha + (1 - y)(1 - alpha)`` with ``apply_class_balancing=True``, else 1. ``label_smoothing``
    moves targets toward 0.5 first; ``from_logits=True`` applies a sigmoid first.
    """

    name = "binary_focal_crossentropy"
    reference = _reference.binary_focal_crossentropy  # the conformance suite's float64 formula
    #: Keras's documented example (keras.losses.binary_focal_crossentropy, gamma=2): [0.330, 0.206].
    golden_examples = ({"config": {"gamma": 2.0}, "inputs": ([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]),
                        "output": (0.330 + 0.206) / 2, "rtol": 2e-3},)
    target_kind = "binary"
    prediction_kind = "probability"
    example_configs = ({}, {"apply_class_balancing": True, "alpha": 0.4, "gamma": 1.5},
                       {"from_logits": True, "label_smoothing": 0.2, "gamma": 0.0},
                       {"gamma": 3.0, "reduction": "sum"}, {"axis": 0, "apply_class_balancing": True})

    def __init__(self, apply_class_balancing: bool = False, alpha: float = 0.25, gamma: float = 2.0,
                 from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: str | None = _REDUCTION, name: str | None = "binary_focal_crossentropy") -> None:
        super().__init__(reduction=reduction, name=name)
        owner = "BinaryFocalCrossentropy"
        self.apply_class_balancing = checks.boolean(owner, "apply_class_balancing", apply_class_balancing)
        self.alpha = checks.number(owner, "alpha", alpha)
        self.gamma = checks.number(owner, "gamma", gamma, minimum=0)
        self.from_logits = checks.boolean(owner, "from_logits", from_logits)
        self.label_smoothing = _smoothing(owner, label_smoothing)
        self.axis = checks.integer(owner, "axis", axis)
        if self.from_logits:
            self.prediction_kind = "real"

    def per_sample(self, y_true: Any, y_pred: Any) -> tuple[Any, Backward]:
        xp = array_module(y_pred)
        eps, gamma = epsilon(), self.gamma
        y = _align(y_true, y_pred)
        if self.label_smoothing:
            y = y * (1.0 - self.label_smoothing) + 0.5 * self.label_smoothing
        p = sigmoid(y_pred) if self.from_logits else y_pred
        clipped = xp.clip(p, eps, 1.0 - eps)
        log_p, log_not_p = xp.log(clipped), xp.log(1.0 - clipped)
        bce = -(y * log_p + (1.0 - y) * log_not_p)
        miss = 1.0 - (y * p + (1.0 - y) * (1.0 - p))  # 1 - p_t
        focal = miss ** gamma
        weight = y * self.alpha + (1.0 - y) * (1.0 - self.alpha) if self.apply_class_balancing else 1.0
        elementwise = weight * focal * bce
        count = elementwise.shape[self.axis] if elementwise.ndim else 1
        values = elementwise.mean(axis=self.axis) if elementwise.ndim else elementwise

        def backward(dvalues: Any) -> Any:
            d_bce = (clipped - y) / (clipped * (1.0 - clipped))
            d_bce *= clipped == p
            # d(1 - p_t)/dp = 1 - 2y; d(miss ** gamma) = gamma miss ** (gamma - 1) d(miss)
            if gamma == 0:
                d_focal = xp.zeros_like(miss)
            else:
                safe = xp.where(miss > 0, miss, 1.0)
                d_focal = xp.where(miss > 0, gamma * safe ** (gamma - 1.0), 0.0 if gamma > 1 else 1.0)
                d_focal *= 1.0 - 2.0 * y
            grad = d_focal * bce + focal * d_bce
            grad *= weight
            if elementwise.ndim:
                grad *= xp.expand_dims(dvalues, self.axis) * (1.0 / count)
            else:
                grad *= dvalues
            if self.from_logits:
                grad *= p * (1.0 - p)
            return grad

        return values, backward

    def check_targets(self, y_true: Any, output_shape: tuple[int, ...]) -> None:
        super().check_targets(y_true, output_shape)
        _check_probabilities(self, y_true)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "apply_class_balancing": self.apply_class_balancing,
                "alpha": self.alpha, "gamma": self.gamma, "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}


def _alpha(owner: str, alpha: Any) -> float | tuple[float, ...]:
    """Keras's focal ``alpha``: one weight, or one per class (a list)."""
    if isinstance(alpha, Sequence) and not isinstance(alpha, str):
        if not alpha:
            raise ArgumentError(f"{owner} expects alpha to be a number or a non-empty list of numbers, "
                                f"received alpha={alpha!r}")
        return tuple(checks.number(owner, "alpha", a) for a in alpha)
    return checks.number(owner, "alpha", alpha)


class CategoricalFocalCrossentropy(Loss):
    """Keras ``categorical_focal_crossentropy``: ``sum(alpha * (1 - q) ** gamma * -y log q)`` over
    ``axis``, where ``q`` is ``y_pred`` rescaled to sum to 1 and clipped to ``[eps, 1 - eps]``.

    ``alpha`` is one weight or one per class; ``label_smoothing`` mixes targets with the uniform
    distribution; ``from_logits=True`` applies a softmax first.
    """

    name = "categorical_focal_crossentropy"
    reference = _reference.categorical_focal_crossentropy  # the conformance suite's float64 formula
    #: Keras's documented example (keras.losses.categorical_focal_crossentropy): [2.63401289e-04,
    #: 6.75912094e-01] per sample, their mean reduced.
    golden_examples = ({"inputs": ([[0, 1, 0], [0, 0, 1]], [[0.05, 0.9, 0.05], [0.1, 0.85, 0.05]]),
                        "output": (2.63401289e-04 + 6.75912094e-01) / 2},)
    target_kind = "one_hot"
    prediction_kind = "distribution"
    #: Keras rescales probability rows to sum to one first: the suite draws them unnormalised.
    normalizes_predictions = True
    example_configs = ({}, {"alpha": 0.5, "gamma": 1.0, "label_smoothing": 0.1},
                       {"from_logits": True, "gamma": 0.0}, {"gamma": 2.5, "reduction": "sum"},
                       {"axis": 0, "from_logits": True}, {"axis": 0, "label_smoothing": 0.2, "alpha": 0.7},
                       {"from_logits": True, "label_smoothing": 0.3, "gamma": 0.5})

    def __init__(self, alpha: float | Sequence[float] = 0.25, gamma: float = 2.0, from_logits: bool = False,
                 label_smoothing: float = 0.0, axis: int = -1, reduction: str | None = _REDUCTION,
                 name: str | None = "categorical_focal_crossentropy") -> None:
        super().__init__(reduction=reduction, name=name)
        owner = "CategoricalFocalCrossentropy"
        self.alpha = _alpha(owner, alpha)
        self.gamma = checks.number(owner, "gamma", gamma, minimum=0)
        self.from_logits = checks.boolean(owner, "from_logits", from_logits)
        self.label_smoothing = _smoothing(owner, label_smoothing)
        self.axis = checks.integer(owner, "axis", axis)
        if self.from_logits:
            self.prediction_kind = "real"

    def _alpha_array(self, y_pred: Any) -> Any:
        if isinstance(self.alpha, float):
            return self.alpha
        xp = array_module(y_pred)
        alpha = xp.asarray(self.alpha, dtype=y_pred.dtype)
        if alpha.shape[0] != y_pred.shape[-1]:
            raise ArgumentError(f"CategoricalFocalCrossentropy has {alpha.shape[0]} alpha weights for "
                                f"predictions with {y_pred.shape[-1]} classes; give one per class")
        return alpha

    def per_sample(self, y_true: Any, y_pred: Any) -> tuple[Any, Backward]:
        xp = array_module(y_pred)
        eps, gamma, axis = epsilon(), self.gamma, self.axis
        y = _align(y_true, y_pred)
        if self.label_smoothing:
            y = y * (1.0 - self.label_smoothing) + self.label_smoothing / y_pred.shape[axis]
        p = _softmax(y_pred, axis) if self.from_logits else y_pred
        row_sum = p.sum(axis=axis, keepdims=True)
        normalised = p / row_sum
        q = xp.clip(normalised, eps, 1.0 - eps)
        log_q = xp.log(q)
        alpha = self._alpha_array(y_pred)
        miss = 1.0 - q
        modulation = miss ** gamma
        values = (alpha * modulation * (-y * log_q)).sum(axis=axis)

        def backward(dvalues: Any) -> Any:
            # d/dq [-y (1 - q)^g log q] = y (g (1 - q)^(g - 1) log q - (1 - q)^g / q)
            d_q = (gamma * miss ** (gamma - 1.0)) * log_q if gamma else xp.zeros_like(q)
            d_q -= modulation / q
            d_q *= alpha * y
            d_q *= q == normalised
            d_q *= xp.expand_dims(dvalues, axis)
            # q = p / sum(p): dL/dp_j = (dL/dq_j - sum_k dL/dq_k q_k) / sum(p)
            grad = d_q - (d_q * normalised).sum(axis=axis, keepdims=True)
            grad /= row_sum
            if self.from_logits:
                grad = p * (grad - (grad * p).sum(axis=axis, keepdims=True))
            return grad

        return values, backward

    def get_config(self) -> dict[str, Any]:
        alpha = list(self.alpha) if isinstance(self.alpha, tuple) else self.alpha
        return {**super().get_config(), "alpha": alpha, "gamma": self.gamma,
                "from_logits": self.from_logits, "label_smoothing": self.label_smoothing, "axis": self.axis}


class CategoricalGeneralizedCrossEntropy(Loss):
    """Keras ``categorical_generalized_cross_entropy`` (Zhang & Sabuncu, 2018): ``(1 - p ** q) / q``
    with ``p`` the predicted probability of the true class; integer labels of shape ``(batch,)`` or
    ``(batch, 1)``, as Keras takes them. ``q`` in (0, 1): near 0 like cross-entropy, near 1 like MAE."""

    name = "categorical_generalized_cross_entropy"
    reference = _reference.categorical_generalized_cross_entropy  # the conformance suite's float64 formula
    sparse_targets = True
    target_kind = "sparse"
    prediction_kind = "distribution"
    example_configs = ({}, {"q": 0.1}, {"q": 0.9, "reduction": "sum"})

    def __init__(self, q: float = 0.5, reduction: str | None = _REDUCTION,
                 name: str | None = "categorical_generalized_cross_entropy") -> None:
        super().__init__(reduction=reduction, name=name)
        self.q = checks.number("CategoricalGeneralizedCrossEntropy", "q", q, minimum=0, maximum=1,
                               min_inclusive=False, max_inclusive=False)

    def per_sample(self, y_true: Any, y_pred: Any) -> tuple[Any, Backward]:
        one_hot = SparseCategoricalCrossentropy.one_hot(y_true, y_pred)
        p = (y_pred * one_hot).sum(axis=-1)
        powered = p ** self.q
        values = (1.0 - powered) / self.q

        def backward(dvalues: Any) -> Any:
            return one_hot * (-(powered / p) * dvalues)[..., None]  # d/dp = -p^(q-1)

        return values, backward

    def check_targets(self, y_true: Any, output_shape: tuple[int, ...]) -> None:
        check_sparse_labels(self, y_true, output_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "q": self.q}


LOSSES: tuple[tuple[str, type[Loss], tuple[str, ...]], ...] = (
    ("binary_focal_crossentropy", BinaryFocalCrossentropy, ()),
    ("categorical_focal_crossentropy", CategoricalFocalCrossentropy, ()),
    ("categorical_generalized_cross_entropy", CategoricalGeneralizedCrossEntropy, ()),
)
