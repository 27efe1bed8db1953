"""Reference formulas of the normalization layers (BatchNormalization, LayerNormalization,
GroupNormalization, UnitNormalization, Normalization), for the conformance suite's ``reference``
property: ``reference(self, params, x, training) -> y`` in float64, attached to each class as one
attribute.

Each is written from Keras's published definition, one slice at a time (a loop over the features, the
samples or the groups, each slice's mean and biased variance computed plainly), and shares no code
with the fast forwards, which reduce over axis tuples with broadcast statistics: a reduction over the
wrong axis, a misplaced epsilon or a swapped gamma and beta there disagrees with this. Host-side NumPy
on purpose: these run in tests only, never in a model.
"""
from __future__ import annotations

from typing import Any

import numpy as np

Params = dict[str, np.ndarray]


def _f(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def _moments(values: np.ndarray) -> tuple[float, float]:
    """The mean and the biased variance (divided by the count, as Keras's ``ops.moments``)."""
    flat = values.reshape(-1)
    mean = sum(flat) / flat.size
    return mean, sum((v - mean) ** 2 for v in flat) / flat.size


def _axes(axis: Any, ndim: int) -> list[int]:
    """Keras's axis argument (an int or several, batch axis counted, negative allowed), sorted."""
    return sorted({int(a) % ndim for a in (axis if isinstance(axis, (list, tuple)) else (axis,))})


def batch_normalization(self: Any, params: Params, x: Any, training: bool) -> np.ndarray:
    """Keras: ``(x - mean) / sqrt(var + epsilon) * gamma + beta`` per feature of ``axis``. A training
    call of a trainable layer uses the batch's mean and biased variance over every other axis;
    inference, and a frozen layer even in training, uses the moving statistics. ``momentum`` only
    moves the statistics for later calls, never this output."""
    x = _f(x)
    axis = self.axis % x.ndim
    out = np.empty_like(x)
    for c in range(x.shape[axis]):
        feature = np.take(x, c, axis=axis)
        if training and self.trainable:
            mean, variance = _moments(feature)
        else:
            mean, variance = params["moving_mean"][c], params["moving_variance"][c]
        y = (feature - mean) / np.sqrt(variance + self.epsilon)
        if self.scale:
            y = y * params["gamma"][c]
        if self.center:
            y = y + params["beta"][c]
        index: list[Any] = [slice(None)] * x.ndim
        index[axis] = c
        out[tuple(index)] = y
    return out


def batch_normalization_state(self: Any, params: Params, x: Any, training: bool) -> dict[str, np.ndarray]:
    """Keras: a training call of a trainable layer moves each statistic towards the batch's, ``moving =
    moving * momentum + batch * (1 - momentum)``, the batch variance biased as in the output; every
    other call leaves both where they were."""
    moving_mean = np.array(params["moving_mean"], dtype=np.float64)
    moving_variance = np.array(params["moving_variance"], dtype=np.float64)
    if training and self.trainable:
        x = _f(x)
        axis = self.axis % x.ndim
        for c in range(x.shape[axis]):
            mean, variance = _moments(np.take(x, c, axis=axis))
            moving_mean[c] = moving_mean[c] * self.momentum + mean * (1.0 - self.momentum)
            moving_variance[c] = moving_variance[c] * self.momentum + variance * (1.0 - self.momentum)
    return {"moving_mean": moving_mean, "moving_variance": moving_variance}


def layer_normalization(self: Any, params: Params, x: Any, training: bool) -> np.ndarray:
    """Keras: each sample (and each position along the axes not in ``axis``) normalized over the axes
    in ``axis`` with its own mean and biased variance, then ``* gamma + beta`` elementwise (both of
    the normalized axes' shape). ``rms_scaling``, as Keras computes it: ``x * gamma / sqrt(var +
    epsilon)``, ``var`` still the variance about the mean, no centering, no beta."""
    x = _f(x)
    axes = _axes(self.axis, x.ndim)
    kept = [a for a in range(x.ndim) if a not in axes]
    moved = np.transpose(x, kept + axes)  # the normalized axes last, in increasing order
    normalized_shape = moved.shape[len(kept):]
    out = np.empty_like(moved)
    for index in np.ndindex(moved.shape[:len(kept)]):
        piece = moved[index]
        mean, variance = _moments(piece)
        if self.rms_scaling:
            out[index] = piece / np.sqrt(variance + self.epsilon) * params["gamma"].reshape(normalized_shape)
            continue
        y = (piece - mean) / np.sqrt(variance + self.epsilon)
        if self.scale:
            y = y * params["gamma"].reshape(normalized_shape)
        if self.center:
            y = y + params["beta"].reshape(normalized_shape)
        out[index] = y
    return np.transpose(out, np.argsort(kept + axes))


def group_normalization(self: Any, params: Params, x: Any, training: bool) -> np.ndarray:
    """Keras: the channels of ``axis`` split into ``groups`` consecutive groups (``-1``: one channel
    each); every sample's values in one group, over all its other axes too, normalized with their
    own mean and biased variance; then ``* gamma + beta`` per channel."""
    x = _f(x)
    axis = self.axis % x.ndim
    channels_last = np.moveaxis(x, axis, -1)
    channels = channels_last.shape[-1]
    groups = channels if self.groups == -1 else self.groups
    size = channels // groups
    out = np.empty_like(channels_last)
    for sample in range(x.shape[0]):
        for g in range(groups):
            block = channels_last[sample, ..., g * size:(g + 1) * size]
            mean, variance = _moments(block)
            out[sample, ..., g * size:(g + 1) * size] = (block - mean) / np.sqrt(variance + self.epsilon)
    for c in range(channels):
        if self.scale:
            out[..., c] *= params["gamma"][c]
        if self.center:
            out[..., c] += params["beta"][c]
    return np.moveaxis(out, -1, axis)


def unit_normalization(self: Any, params: Params, x: Any, training: bool) -> np.ndarray:
    """Keras: ``ops.normalize(x, axis, order=2, epsilon=1e-12)``, each slice over ``axis`` divided by
    its L2 norm (a norm below 1e-12 counts as 1e-12, so a zero slice stays zero)."""
    x = _f(x)
    axes = _axes(self.axis, x.ndim)
    kept = [a for a in range(x.ndim) if a not in axes]
    moved = np.transpose(x, kept + axes)
    out = np.empty_like(moved)
    for index in np.ndindex(moved.shape[:len(kept)]):
        piece = moved[index]
        norm = np.sqrt(sum(v * v for v in piece.reshape(-1)))
        out[index] = piece / max(norm, 1e-12)
    return np.transpose(out, np.argsort(kept + axes))


#: Keras's ``backend.epsilon()``, the floor of Normalization's standard deviation.
KERAS_EPSILON = 1e-7


def normalization(self: Any, params: Params, x: Any, training: bool) -> np.ndarray:
    """Keras: ``(x - mean) / max(sqrt(variance), 1e-7)``, or with ``invert`` ``mean + x *
    max(sqrt(variance), 1e-7)``, with one mean and variance per position of the kept axes ``axis``
    (``None``: one for everything). Given statistics broadcast against the kept axes' shape (trailing
    axes first, as NumPy broadcasts); adapted ones are the layer's ``mean``/``variance`` weights."""
    x = _f(x)
    kept = [] if self.axis is None else _axes(self.axis, x.ndim)
    kept_shape = tuple(x.shape[a] for a in kept)
    if self.input_mean is not None:
        mean = np.broadcast_to(np.asarray(self.input_mean, dtype=np.float64), kept_shape)
        variance = np.broadcast_to(np.asarray(self.input_variance, dtype=np.float64), kept_shape)
    else:
        mean, variance = params["mean"].reshape(kept_shape), params["variance"].reshape(kept_shape)
    out = np.empty_like(x)
    for index in np.ndindex(x.shape):
        position = tuple(index[a] for a in kept)
        std = max(float(np.sqrt(variance[position])), KERAS_EPSILON)
        value = x[index]
        out[index] = mean[position] + value * std if self.invert else (value - mean[position]) / std
    return out
