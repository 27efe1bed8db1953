"""Reference formulas of the standard losses, for the conformance suite's ``reference`` property:
``reference(self, y_true, y_pred) -> per-sample values`` in float64, attached to each class as one
attribute and compared with ``per_sample``.

Each is Keras's documented definition, written plainly and sharing nothing with the fast forwards
(their clipping, label smoothing, logits paths and axis handling included), so a wrong epsilon, a
dropped smoothing term or a wrong axis disagrees with this. Test-side NumPy only.
"""
from __future__ import annotations

from typing import Any

import numpy as np

EPSILON = 1e-7  # Keras's backend.epsilon()


def _f(a: Any) -> np.ndarray:
    return np.asarray(a, dtype=np.float64)


def _log_softmax(z: np.ndarray, axis: int) -> np.ndarray:
    peak = z.max(axis=axis, keepdims=True)
    return z - peak - np.log(np.exp(z - peak).sum(axis=axis, keepdims=True))


def mean_squared_error(self: Any, y_true: Any, y_pred: Any) -> np.ndarray:
    return ((_f(y_pred) - _f(y_true)) ** 2).mean(axis=-1)


def mean_absolute_error(self: Any, y_true: Any, y_pred: Any) -> np.ndarray:
    return np.abs(_f(y_pred) - _f(y_true)).mean(axis=-1)


def mean_absolute_percentage_error(self: Any, y_true: Any, y_pred: Any) -> np.ndarray:
    t, p = _f(y_true), _f(y_pred)
    return 100.0 * (np.abs(t - p) / np.maximum(np.abs(t), EPSILON)).mean(axis=-1)


def mean_squared_logarithmic_error(self: Any, y_true: Any, y_pred: Any) -> np.ndarray:
    t, p = _f(y_true), _f(y_pred)
    return ((np.log(np.maximum(p, EPSILON) + 1.0) - np.log(np.maximum(t, EPSILON) + 1.0)) ** 2).mean(axis=-1)


def _signed_targets(t: np.ndarray) -> np.ndarray:
    """Keras's hinge losses take -1/1 targets and convert 0/1 ones."""
    return 2.0 * t - 1.0 if np.all((t == 0) | (t == 1)) else t


def hinge(self: Any, y_true: Any, y_pred: Any) -> np.ndarray:
    return np.maximum(1.0 - _signed_targets(_f(y_true)) * _f(y_pred), 0.0).mean(axis=-1)


def squared_hinge(self: Any, y_true: Any, y_pred: Any) -> np.ndarray:
    return (np.maximum(1.0 - _signed_targets(_f(y_true)) * _f(y_pred), 0.0) ** 2).mean(axis=-1)


def categorical_hinge(self: Any, y_true: Any, y_pred: Any) -> np.ndarray:
    t, p = _f(y_true), _f(y_pred)
    positive = (t * p).sum(axis=-1)
    negative = ((1.0 - t) * p).max(axis=-1)
    return np.maximum(negative - positive + 1.0, 0.0)


def huber(self: Any, y_true: Any, y_pred: Any) -> np.ndarray:
    error = np.abs(_f(y_pred) - _f(y_true))
    d = self.delta
    return np.where(error <= d, 0.5 * error**2, d * error - 0.5 * d**2).mean(axis=-1)


def log_cosh(self: Any, y_true: Any, y_pred: Any) -> np.ndarray:
    e = _f(y_pred) - _f(y_true)
    return np.log(np.cosh(e)).mean(axis=-1)


def poisson(self: Any, y_true: Any, y_pred: Any) -> np.ndarray:
    t, p = _f(y_true), _f(y_pred)
    return (p - t * np.log(p + EPSILON)).mean(axis=-1)


def kl_divergence(self: Any, y_true: Any, y_pred: Any) -> np.ndarray:
    t, p = np.clip(_f(y_true), EPSILON, 1.0), np.clip(_f(y_pred), EPSILON, 1.0)
    return (t * np.log(t / p)).sum(axis=-1)


def cosine_similarity(self: Any, y_true: Any, y_pred: Any) -> np.ndarray:
    t, p = _f(y_true), _f(y_pred)
    t = np.broadcast_to(t, p.shape) if t.ndim == p.ndim else t.reshape(p.shape)

    def unit(v: np.ndarray) -> np.ndarray:
        return v / np.maximum(np.sqrt((v * v).sum(axis=self.axis, keepdims=True)), EPSILON)

    return -(unit(t) * unit(p)).sum(axis=self.axis)


def binary_crossentropy(self: Any, y_true: Any, y_pred: Any) -> np.ndarray:
    t, p = _f(y_true).reshape(np.shape(y_pred)), _f(y_pred)
    t = t * (1.0 - self.label_smoothing) + 0.5 * self.label_smoothing
    if self.from_logits:
        elementwise = np.logaddexp(0.0, p) - t * p
    else:
        q = np.clip(p, EPSILON, 1.0 - EPSILON)
        elementwise = -(t * np.log(q) + (1.0 - t) * np.log(1.0 - q))
    return elementwise.mean(axis=self.axis)


def binary_focal_crossentropy(self: Any, y_true: Any, y_pred: Any) -> np.ndarray:
    """Keras: smoothed targets, the crossentropy of each element weighted by ``(1 - p_t) ** gamma``
    (and by ``alpha`` / ``1 - alpha`` with class balancing), averaged over the axis."""
    t, p = _f(y_true).reshape(np.shape(y_pred)), _f(y_pred)
    t = t * (1.0 - self.label_smoothing) + 0.5 * self.label_smoothing
    if self.from_logits:  # Keras 3 takes the sigmoid first, then the clipped probability form
        p = 1.0 / (1.0 + np.exp(-p))
    q = np.clip(p, EPSILON, 1.0 - EPSILON)
    crossentropy = -(t * np.log(q) + (1.0 - t) * np.log(1.0 - q))
    p_t = t * p + (1.0 - t) * (1.0 - p)
    focal = (1.0 - p_t) ** self.gamma * crossentropy
    if self.apply_class_balancing:
        focal = focal * (t * self.alpha + (1.0 - t) * (1.0 - self.alpha))
    return focal.mean(axis=self.axis)


def categorical_crossentropy(self: Any, y_true: Any, y_pred: Any) -> np.ndarray:
    t, p = _f(y_true), _f(y_pred)
    axis = self.axis
    classes = p.shape[axis]
    t = t * (1.0 - self.label_smoothing) + self.label_smoothing / classes
    if self.from_logits:
        return -(t * _log_softmax(p, axis)).sum(axis=axis)
    q = np.clip(p / p.sum(axis=axis, keepdims=True), EPSILON, 1.0 - EPSILON)
    return -(t * np.log(q)).sum(axis=axis)


def sparse_categorical_crossentropy(self: Any, y_true: Any, y_pred: Any) -> np.ndarray:
    """One slice at a time: minus the log of the labelled class's (normalised, clipped) probability,
    0 where the label is ``ignore_class``."""
    p = np.moveaxis(_f(y_pred), self.axis, -1)
    labels = np.asarray(y_true).reshape(p.shape[:-1])
    out = np.zeros(p.shape[:-1])
    for index in np.ndindex(*p.shape[:-1]):
        label = int(labels[index])
        if self.ignore_class is not None and label == self.ignore_class:
            continue
        row = p[index]
        if self.from_logits:
            out[index] = -(row[label] - row.max() - np.log(np.exp(row - row.max()).sum()))
        else:
            out[index] = -np.log(np.clip(row[label] / row.sum(), EPSILON, 1.0 - EPSILON))
    return out


def categorical_generalized_cross_entropy(self: Any, y_true: Any, y_pred: Any) -> np.ndarray:
    """Zhang & Sabuncu: ``(1 - p_label ** q) / q`` for integer labels."""
    p = _f(y_pred)
    labels = np.asarray(y_true).astype(np.int64).reshape(p.shape[:-1])
    p_label = np.take_along_axis(p, labels[..., None], axis=-1)[..., 0]
    return (1.0 - p_label**self.q) / self.q


def categorical_focal_crossentropy(self: Any, y_true: Any, y_pred: Any) -> np.ndarray:
    """Keras: smoothed targets (over the classes along ``axis``, as categorical_crossentropy here), the
    softmax of logits, predictions rescaled to sum to one along ``axis`` and clipped, then
    ``sum(alpha * (1 - q) ** gamma * -t log q)`` along ``axis``; ``alpha`` one weight or one per class
    (the last axis)."""
    t, p = _f(y_true), _f(y_pred)
    axis = self.axis
    t = t * (1.0 - self.label_smoothing) + self.label_smoothing / p.shape[axis]
    if self.from_logits:
        e = np.exp(p - p.max(axis=axis, keepdims=True))
        p = e / e.sum(axis=axis, keepdims=True)
    q = np.clip(p / p.sum(axis=axis, keepdims=True), EPSILON, 1.0 - EPSILON)
    alpha = np.asarray(self.alpha, dtype=np.float64)
    return (alpha * (1.0 - q) ** self.gamma * -(t * np.log(q))).sum(axis=axis)


def _summed_last(a: np.ndarray, axis: Any) -> np.ndarray:
    """``a`` with the axes in ``axis`` (None: all) moved to the end, flattened into one and summed."""
    if axis is None:
        return np.asarray(a.ravel().sum())
    axes = sorted({int(x) % a.ndim for x in ((axis,) if isinstance(axis, int) else axis)})
    moved = np.moveaxis(a, axes, list(range(a.ndim - len(axes), a.ndim)))
    return moved.reshape(moved.shape[:a.ndim - len(axes)] + (-1,)).sum(axis=-1)


def dice(self: Any, y_true: Any, y_pred: Any) -> np.ndarray:
    """Keras: ``1 - 2 sum(t p) / (sum(t) + sum(p) + epsilon)``, the sums over ``axis`` (None: over
    everything, batch included, one number)."""
    p = _f(y_pred)
    t = _f(y_true).reshape(p.shape)
    return 1.0 - 2.0 * _summed_last(t * p, self.axis) / (
        _summed_last(t, self.axis) + _summed_last(p, self.axis) + EPSILON)


def tversky(self: Any, y_true: Any, y_pred: Any) -> np.ndarray:
    """Keras: ``1 - I / (I + alpha FP + beta FN + epsilon)`` with ``I = sum(t p)``, Keras's ``FP =
    sum((1 - p) t)`` and ``FN = sum(p (1 - t))`` over ``axis``."""
    p = _f(y_pred)
    t = _f(y_true).reshape(p.shape)
    overlap = _summed_last(t * p, self.axis)
    fp, fn = _summed_last((1.0 - p) * t, self.axis), _summed_last(p * (1.0 - t), self.axis)
    return 1.0 - overlap / (overlap + self.alpha * fp + self.beta * fn + EPSILON)
