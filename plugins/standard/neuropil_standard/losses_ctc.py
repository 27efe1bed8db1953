"""Keras 3's CTC loss (Graves et al., 2006), with its own backward.

Targets ``(batch, max_length)`` are integer labels padded with 0, which is also the blank, as in
Keras (``mask_index=0``: class 0 is never a label, and a label sequence's length is its count of
nonzero entries). Predictions ``(batch, time, classes)`` are logits; every sample uses all ``time``
steps. The value is ``-log p(labels | logits)``, summed over all alignments by the forward
(alpha) recursion in log space; the backward uses the beta recursion: ``d/dz[t, k] = softmax(z)[t,
k] - sum over extended positions s labelled k of exp(alpha[t, s] + beta[t, s] - e[t, s] - log p)``.
The loop runs over time steps; each step is a handful of array operations over the whole batch.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from neuropil.base.backend import array_module
from neuropil.base.loss import Loss
from neuropil.errors import InputValidationError

from . import reference_ctc as _reference

Backward = Callable[[Any], Any]
BLANK = 0


def _logsumexp(*terms: Any) -> Any:
    """Elementwise ``log(sum(exp(terms)))``, ``-inf`` where every term is, without warnings."""
    xp = array_module(terms[0])
    peak = terms[0]
    for term in terms[1:]:
        peak = xp.maximum(peak, term)
    finite = xp.isfinite(peak)
    safe_peak = xp.where(finite, peak, 0.0)
    total = sum(xp.exp(term - safe_peak) for term in terms)
    return xp.where(finite, xp.log(xp.where(finite, total, 1.0)) + safe_peak, -xp.inf)


def _shift(a: Any, by: int) -> Any:
    """``a`` moved ``by`` places along its last axis (toward higher positions when ``by > 0``),
    filled with ``-inf``."""
    xp = array_module(a)
    pad = xp.full(a.shape[:-1] + (abs(by),), -xp.inf, dtype=a.dtype)
    if by > 0:
        return xp.concatenate([pad, a[..., :-by]], axis=-1)
    return xp.concatenate([a[..., -by:], pad], axis=-1)


class CTC(Loss):
    """Keras ``ctc``: Connectionist Temporal Classification between padded integer label sequences
    and per-timestep logits, with 0 as the blank and padding."""

    name = "ctc"
    sparse_targets = True
    reference = _reference.ctc  # the conformance suite's float64 formula
    example_configs: tuple[dict[str, Any], ...] = ({}, {"reduction": "sum"})

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str | None = "ctc") -> None:
        super().__init__(reduction=reduction, name=name)

    @staticmethod
    def conformance_example(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """A batch for the conformance suite, which cannot draw label sequences by itself: 1-3
        samples, up to 3 labels of up to 3 classes (repeats included) padded with blanks, and enough
        steps for any of them (a repeat needs a blank between; too few steps make the loss infinite)."""
        batch, classes, length = int(rng.integers(1, 4)), int(rng.integers(2, 5)), int(rng.integers(1, 4))
        steps = int(rng.integers(2 * length + 1, 2 * length + 4))
        labels = rng.integers(1, classes, size=(batch, length))
        for row, used in zip(labels, rng.integers(0, length + 1, size=batch)):
            row[used:] = BLANK
        return labels, rng.uniform(-2.0, 2.0, size=(batch, steps, classes))

    def per_sample(self, y_true: Any, y_pred: Any) -> tuple[Any, Backward]:
        xp = array_module(y_pred)
        labels = xp.asarray(y_true).astype(xp.int64)
        batch, steps, classes = y_pred.shape
        lengths = (labels != BLANK).sum(axis=-1)
        # the extended sequence: blank, l1, blank, l2, ..., blank
        extended = xp.zeros((batch, 2 * labels.shape[1] + 1), dtype=xp.int64)
        extended[:, 1::2] = labels
        positions = extended.shape[1]
        skip = xp.zeros(extended.shape, dtype=bool)  # may a path jump from s - 2 to s?
        skip[:, 2:] = (extended[:, 2:] != BLANK) & (extended[:, 2:] != extended[:, :-2])
        log_probs = y_pred - y_pred.max(axis=-1, keepdims=True)
        log_probs -= xp.log(xp.exp(log_probs).sum(axis=-1, keepdims=True))
        index = xp.broadcast_to(extended[:, None, :], (batch, steps, positions))
        emissions = xp.take_along_axis(log_probs, index, axis=2)  # (batch, steps, positions)
        s = xp.arange(positions)[None, :]
        last = 2 * lengths[:, None]
        ends = (s == last) | (s == last - 1)
        neg_inf = -xp.inf

        alpha = xp.full((batch, steps, positions), neg_inf, dtype=y_pred.dtype)
        alpha[:, 0, :2] = emissions[:, 0, :2]
        for t in range(1, steps):
            previous = alpha[:, t - 1]
            jump = xp.where(skip, _shift(previous, 2), neg_inf)
            alpha[:, t] = emissions[:, t] + _logsumexp(previous, _shift(previous, 1), jump)
        log_likelihood = _logsumexp(*(xp.where(s == end, alpha[:, -1], neg_inf).max(axis=-1)
                                      for end in (last, last - 1)))
        values = -log_likelihood

        def backward(dvalues: Any) -> Any:
            beta = xp.full((batch, steps, positions), neg_inf, dtype=y_pred.dtype)
            beta[:, -1] = xp.where(ends, emissions[:, -1], neg_inf)
            skip_ahead = _shift(skip.astype(y_pred.dtype), -2) > 0  # may s jump to s + 2?
            for t in range(steps - 2, -1, -1):
                following = beta[:, t + 1]
                jump = xp.where(skip_ahead, _shift(following, -2), neg_inf)
                beta[:, t] = emissions[:, t] + _logsumexp(following, _shift(following, -1), jump)
            finite = xp.isfinite(log_likelihood)[:, None, None]
            occupancy = alpha + beta - emissions - xp.where(finite, log_likelihood[:, None, None], 0.0)
            occupancy = xp.where(finite, xp.exp(occupancy), 0.0)
            one_hot = (extended[:, :, None] == xp.arange(classes)).astype(y_pred.dtype)
            grad = xp.exp(log_probs) - occupancy @ one_hot
            grad *= dvalues[:, None, None]
            return grad

        return values, backward

    def check_call_shapes(self, y_true: Any, y_pred: Any) -> None:
        labels = array_module(y_pred).asarray(y_true)
        if labels.ndim != 2 or y_pred.ndim != 3 or labels.shape[0] != y_pred.shape[0]:
            raise InputValidationError(
                f"CTC ({self.name!r}) needs integer labels of shape (batch_size, max_length) and logits "
                f"of shape (batch_size, time, classes), received y_true of shape {tuple(labels.shape)} "
                f"and y_pred of shape {tuple(y_pred.shape)}")

    def check_targets(self, y_true: Any, output_shape: tuple[int, ...]) -> None:
        xp = array_module(y_true)
        labels = xp.asarray(y_true)
        if labels.ndim != 2 or len(output_shape) != 2:
            raise InputValidationError(
                f"loss {self.name!r} needs label sequences of per-sample shape (max_length,) and a model "
                f"output of per-sample shape (time, classes), received targets of per-sample shape "
                f"{tuple(labels.shape[1:])} and an output of per-sample shape {tuple(output_shape)}")
        classes = output_shape[-1]
        if labels.size and (bool((labels < 0).any()) or bool((labels >= classes).any())):
            raise InputValidationError(
                f"loss {self.name!r} needs labels in [0, {classes}) (0 is the blank and padding), received "
                f"labels from {labels.min().item():g} to {labels.max().item():g}")


LOSSES: tuple[tuple[str, type[Loss], tuple[str, ...]], ...] = (("ctc", CTC, ()),)
