"""Forward-only per-sample formulas of the metrics that Keras names after losses.

Each function takes ``(y_true, y_pred)`` (NumPy or CuPy arrays, or anything ``xp.asarray`` takes) and
returns float64 values with the class (last) axis reduced, as Keras's loss functions do; the core's
:class:`~neuropil.base.metric.MeanMetricWrapper` then averages any remaining non-batch axes per sample
and weights the samples. 1-D inputs are one value per sample.

These are metrics, not losses: they have no backward, and they are written here rather than borrowed
from the losses so that the metrics plugin does not depend on how (or whether) a loss is installed.
Every step is ``xp`` array math, so a CuPy batch stays on the device.
"""
from __future__ import annotations

from typing import Any

from neuropil.base.backend import array_module

from ._tally import FLOAT, aligned

#: Keras's fuzz factor (``keras.backend.epsilon()``): what probabilities are clipped to.
EPSILON = 1e-7
#: The floor on a vector's L2 norm in Keras 3's ``ops.normalize`` (``backend.epsilon()``; Keras 2's
#: ``l2_normalize`` floored the *squared* norm at 1e-12 instead).
NORM_EPSILON = 1e-7


def _pair(y_true: Any, y_pred: Any) -> tuple[Any, Any, Any]:
    """``xp`` and both arrays as float64 of one shape; 1-D inputs become one column."""
    xp = array_module(y_pred)
    y_true, y_pred = aligned(xp, y_true, y_pred)
    if y_pred.ndim == 1:
        y_true, y_pred = y_true.reshape(-1, 1), y_pred.reshape(-1, 1)
    return xp, y_true.astype(FLOAT), y_pred.astype(FLOAT)


def mean_squared_error(y_true: Any, y_pred: Any) -> Any:
    """mean((y_pred - y_true)²) over the last axis."""
    _, y_true, y_pred = _pair(y_true, y_pred)
    return ((y_pred - y_true) ** 2).mean(axis=-1)


def mean_absolute_error(y_true: Any, y_pred: Any) -> Any:
    """mean(|y_pred - y_true|) over the last axis."""
    xp, y_true, y_pred = _pair(y_true, y_pred)
    return xp.abs(y_pred - y_true).mean(axis=-1)


def mean_squared_logarithmic_error(y_true: Any, y_pred: Any) -> Any:
    """mean((log(1 + max(y_pred, ε)) - log(1 + max(y_true, ε)))²): Keras floors both at ε, so a
    negative value counts as 0 instead of producing a NaN."""
    xp, y_true, y_pred = _pair(y_true, y_pred)
    gap = xp.log1p(xp.maximum(y_pred, EPSILON)) - xp.log1p(xp.maximum(y_true, EPSILON))
    return (gap ** 2).mean(axis=-1)


def _unit(xp: Any, x: Any, axis: int) -> Any:
    """``x`` scaled to unit L2 norm along ``axis``, the norm floored at ε as Keras 3 does (an all-zero
    vector stays zero)."""
    return x / xp.maximum(xp.sqrt((x * x).sum(axis=axis, keepdims=True)), NORM_EPSILON)


def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> Any:
    """The cosine of the angle between target and prediction along ``axis``, in [-1, 1] (the metric
    is the similarity itself; the Keras *loss* of that name is its negative)."""
    xp, y_true, y_pred = _pair(y_true, y_pred)
    return (_unit(xp, y_true, axis) * _unit(xp, y_pred, axis)).sum(axis=axis)


def binary_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0) -> Any:
    """Mean over the last axis of -(t·log p + (1-t)·log(1-p)), probabilities clipped to [ε, 1-ε]
    as Keras does; with ``from_logits`` the exact logistic loss max(z, 0) - z·t + log(1 + e^-|z|).
    ``label_smoothing`` moves targets towards 1/2: t·(1 - s) + s/2."""
    xp, y_true, y_pred = _pair(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        values = xp.maximum(y_pred, 0.0) - y_pred * y_true + xp.log1p(xp.exp(-xp.abs(y_pred)))
    else:
        p = xp.clip(y_pred, EPSILON, 1.0 - EPSILON)
        values = -(y_true * xp.log(p) + (1.0 - y_true) * xp.log(1.0 - p))
    return values.mean(axis=-1)


def _log_probabilities(xp: Any, y_pred: Any, from_logits: bool, axis: int) -> Any:
    """log of the predicted distribution along ``axis``: a stable log-softmax of logits, or the
    probabilities renormalised to sum to one and clipped to [ε, 1-ε] (Keras's treatment)."""
    if from_logits:
        shifted = y_pred - y_pred.max(axis=axis, keepdims=True)
        return shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))
    total = y_pred.sum(axis=axis, keepdims=True)
    p = y_pred / xp.where(total == 0, 1.0, total)
    return xp.log(xp.clip(p, EPSILON, 1.0 - EPSILON))


def categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0,
                             axis: int = -1) -> Any:
    """-Σ t·log p along ``axis`` for one-hot (or soft) targets; ``label_smoothing`` mixes the targets
    with the uniform distribution: t·(1 - s) + s/C."""
    xp, y_true, y_pred = _pair(y_true, y_pred)
    if label_smoothing:
        classes = y_pred.shape[axis]
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / classes
    return -(y_true * _log_probabilities(xp, y_pred, from_logits, axis)).sum(axis=axis)


def sparse_categorical_crossentropy_parts(y_true: Any, y_pred: Any, from_logits: bool = False,
                                          ignore_class: int | None = None, axis: int = -1) -> tuple[Any, Any]:
    """-log p[label] at every position, and a float mask of the positions that count (0.0 where the
    label is ``ignore_class``; the value there is 0.0 too).

    Labels have ``y_pred``'s shape without the class axis (a trailing axis of 1 is dropped).
    """
    xp = array_module(y_pred)
    y_pred = xp.asarray(y_pred).astype(FLOAT)
    if y_pred.ndim == 1:
        y_pred = y_pred.reshape(1, -1)
    y_pred = xp.moveaxis(y_pred, axis, -1)
    labels = xp.asarray(y_true)
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = labels.reshape(labels.shape[:-1])
    labels = labels.reshape(y_pred.shape[:-1])
    valid = xp.ones(labels.shape, dtype=FLOAT) if ignore_class is None else (labels != ignore_class).astype(FLOAT)
    safe = xp.where(valid > 0, labels, 0).astype("int64")
    log_p = _log_probabilities(xp, y_pred, from_logits, -1)
    picked = xp.take_along_axis(log_p, safe[..., None], axis=-1)[..., 0]
    return -picked * valid, valid


def sparse_categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                                    ignore_class: int | None = None, axis: int = -1) -> Any:
    """-log p[label] for integer labels (0.0 at positions labelled ``ignore_class``)."""
    values, _ = sparse_categorical_crossentropy_parts(y_true, y_pred, from_logits, ignore_class, axis)
    return values


def kl_divergence(y_true: Any, y_pred: Any) -> Any:
    """Σ t·log(t / p) over the last axis, both clipped to [ε, 1] as in Keras (so a zero target adds
    ε·log(ε/p), not a NaN)."""
    xp, y_true, y_pred = _pair(y_true, y_pred)
    t, p = xp.clip(y_true, EPSILON, 1.0), xp.clip(y_pred, EPSILON, 1.0)
    return (t * xp.log(t / p)).sum(axis=-1)


def poisson(y_true: Any, y_pred: Any) -> Any:
    """mean(p - t·log(p + ε)) over the last axis: the Poisson negative log-likelihood up to a term
    that depends on the target only."""
    xp, y_true, y_pred = _pair(y_true, y_pred)
    return (y_pred - y_true * xp.log(y_pred + EPSILON)).mean(axis=-1)


def _signed_labels(xp: Any, y_true: Any) -> Any:
    """Hinge targets in {-1, 1}: a batch whose labels are all 0 or 1 is mapped by 2t - 1 (Keras's
    rule). The test is a device-side reduction used through ``where``, so it costs no host sync."""
    binary = xp.all((y_true == 0) | (y_true == 1))
    return xp.where(binary, 2.0 * y_true - 1.0, y_true)


def hinge(y_true: Any, y_pred: Any) -> Any:
    """mean(max(1 - t·p, 0)) over the last axis, with 0/1 labels read as -1/1."""
    xp, y_true, y_pred = _pair(y_true, y_pred)
    return xp.maximum(1.0 - _signed_labels(xp, y_true) * y_pred, 0.0).mean(axis=-1)


def squared_hinge(y_true: Any, y_pred: Any) -> Any:
    """mean(max(1 - t·p, 0)²) over the last axis, with 0/1 labels read as -1/1."""
    xp, y_true, y_pred = _pair(y_true, y_pred)
    return (xp.maximum(1.0 - _signed_labels(xp, y_true) * y_pred, 0.0) ** 2).mean(axis=-1)


def categorical_hinge(y_true: Any, y_pred: Any) -> Any:
    """max(0, 1 + max((1 - t)·p) - Σ t·p) for one-hot targets: the Crammer-Singer hinge for
    non-negative scores. As in Keras the maximum runs over (1 - t)·p, which is 0 at the true class,
    so when every wrong-class score is negative it counts as 0 rather than as the largest of them."""
    xp, y_true, y_pred = _pair(y_true, y_pred)
    positive = (y_true * y_pred).sum(axis=-1)
    negative = ((1.0 - y_true) * y_pred).max(axis=-1)
    return xp.maximum(negative - positive + 1.0, 0.0)

