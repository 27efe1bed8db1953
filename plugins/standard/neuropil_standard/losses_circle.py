"""Keras 3's Circle loss (Sun et al., 2020) for metric learning, with its own backward.

Targets are integer labels ``(batch,)``; predictions are embeddings ``(batch, dim)``, which the model
should L2-normalise (a ``UnitNormalization`` layer), as Keras expects: the loss uses the cosine
distances ``max(1 - e_i . e_j, 0)`` between every pair of the batch. Each row's value is
``softplus(logsumexp(positive terms) + logsumexp(negative terms))``; a row without a positive or a
negative pair has no term on that side and its value is 0. As in Keras, rows whose value is 0 are
masked out of the reduction.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from neuropil import checks
from neuropil.base.backend import array_module
from neuropil.base.loss import Loss
from neuropil.errors import InputValidationError

from . import reference_circle as _reference
from .activations import sigmoid, softplus

Backward = Callable[[Any], Any]


def _masked_logsumexp(x: Any, mask: Any) -> tuple[Any, Any]:
    """``log(sum(exp(x)))`` over the entries of each row where ``mask`` holds (``-inf`` for a row
    with none), and the softmax weights of those entries (0 elsewhere, and for an empty row)."""
    xp = array_module(x)
    masked = xp.where(mask, x, -xp.inf)
    peak = masked.max(axis=1, keepdims=True)
    peak = xp.where(xp.isfinite(peak), peak, 0.0)
    weights = xp.exp(masked - peak)  # exp(-inf) = 0 off the mask
    total = weights.sum(axis=1, keepdims=True)
    nonempty = total > 0
    safe_total = xp.where(nonempty, total, 1.0)
    weights /= safe_total
    lse = xp.where(nonempty, xp.log(safe_total) + peak, -xp.inf)
    return lse[:, 0], weights


class Circle(Loss):
    """Keras ``circle``: the Circle loss between integer labels and L2-normalised embeddings.

    ``gamma`` scales the similarities, ``margin`` is the relaxation (optimum 1 + margin for negatives'
    weights, margin for positives'), ``remove_diagonal`` leaves each embedding's pairing with itself
    out of its positives.
    """

    name = "circle"
    reference = _reference.circle  # the conformance suite's float64 formula
    sparse_targets = True
    target_kind = "sparse"
    #: A batch of embeddings, never of sequences (Keras's circle takes (batch, dim) only).
    input_ranks = (2,)
    example_configs = ({}, {"gamma": 4.0, "margin": 0.25, "remove_diagonal": False},
                       {"gamma": 1.0, "margin": 0.6, "reduction": "sum"}, {"margin": -0.2})

    def __init__(self, gamma: float = 80.0, margin: float = 0.4, remove_diagonal: bool = True,
                 reduction: str | None = "sum_over_batch_size", name: str | None = "circle") -> None:
        super().__init__(reduction=reduction, name=name)
        self.gamma = checks.number("Circle", "gamma", gamma, minimum=0, min_inclusive=False)
        self.margin = checks.number("Circle", "margin", margin)
        self.remove_diagonal = checks.boolean("Circle", "remove_diagonal", remove_diagonal)

    def _masks(self, y_true: Any, y_pred: Any) -> tuple[Any, Any]:
        xp = array_module(y_pred)
        labels = xp.asarray(y_true).reshape(-1)
        same = labels[:, None] == labels[None, :]
        positive = same & ~xp.eye(labels.shape[0], dtype=bool) if self.remove_diagonal else same
        return positive, ~same

    def per_sample(self, y_true: Any, y_pred: Any) -> tuple[Any, Backward]:
        xp = array_module(y_pred)
        gamma, margin = self.gamma, self.margin
        positive, negative = self._masks(y_true, y_pred)
        raw = 1.0 - y_pred @ y_pred.T
        distance = xp.maximum(raw, 0.0)
        pos_weight = xp.maximum((margin + distance) * positive, 0.0)
        neg_weight = xp.maximum((1.0 + margin - distance) * negative, 0.0)
        pos_gap, neg_gap = margin - distance, (1.0 - margin) - distance
        pos_terms = -gamma * pos_weight * pos_gap
        neg_terms = gamma * neg_weight * neg_gap
        pos_lse, pos_soft = _masked_logsumexp(pos_terms, positive)
        neg_lse, neg_soft = _masked_logsumexp(neg_terms, negative)
        both = pos_lse + neg_lse
        values = softplus(both)

        def backward(dvalues: Any) -> Any:
            # d terms / d distance, through the weights (where their max is inactive) and the gaps
            pos_active = (margin + distance > 0) & positive
            neg_active = (1.0 + margin - distance > 0) & negative
            d_pos = -gamma * (pos_active * pos_gap - pos_weight)
            d_neg = -gamma * (neg_active * neg_gap + neg_weight)
            row = (sigmoid(both) * dvalues)[:, None]  # softplus' = sigmoid; 0 for an empty side
            d_distance = row * (pos_soft * d_pos + neg_soft * d_neg)
            d_similarity = -d_distance * (raw > 0)
            return (d_similarity + d_similarity.T) @ y_pred  # S = E E^T uses E on both sides

        return values, backward

    def value_mask(self, y_true: Any, y_pred: Any, values: Any) -> Any | None:
        return values > 0

    def kink_distance(self, y_true: Any, y_pred: Any) -> None:
        return None

    def check_targets(self, y_true: Any, output_shape: tuple[int, ...]) -> None:
        """One integer label per sample (any integers: they only need to compare equal), for a model
        whose output is one embedding vector per sample."""
        xp = array_module(y_true)
        labels = xp.asarray(y_true)
        if tuple(labels.shape[1:]) not in ((), (1,)) or len(output_shape) != 1:
            raise InputValidationError(
                f"loss {self.name!r} needs one integer label per sample (per-sample shape () or (1,)) and a "
                f"model output of one embedding per sample, received targets of per-sample shape "
                f"{tuple(labels.shape[1:])} and an output of per-sample shape {tuple(output_shape)}")
        if labels.dtype.kind == "f" and labels.size and bool((labels != xp.floor(labels)).any()):
            raise InputValidationError(f"loss {self.name!r} needs integer labels, received non-integer values")

    def check_call_shapes(self, y_true: Any, y_pred: Any) -> None:
        xp = array_module(y_pred)
        labels = xp.asarray(y_true)
        if y_pred.ndim != 2 or labels.size != y_pred.shape[0]:
            raise InputValidationError(
                f"Circle ({self.name!r}) needs one integer label per embedding (y_true of shape (batch,) "
                f"or (batch, 1)) and embeddings of shape (batch, dim), received y_true of shape "
                f"{tuple(labels.shape)} and y_pred of shape {tuple(y_pred.shape)}")

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "gamma": self.gamma, "margin": self.margin,
                "remove_diagonal": self.remove_diagonal}


LOSSES: tuple[tuple[str, type[Loss], tuple[str, ...]], ...] = (("circle", Circle, ()),)
