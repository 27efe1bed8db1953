"""Reference formulas of the standard activations, for the conformance suite's ``reference`` and
``finite`` properties: ``reference(self, x) -> y`` in float64, attached to each class as one attribute.

Each is the definition as Keras documents it, written plainly (slow loops where that is clearest)
and sharing nothing with the fast forwards in :mod:`.activations` and :mod:`.activations_extra`: a
mistyped coefficient or a wrong branch there disagrees with this. Host-side NumPy on purpose: these
run in tests only, never in a model.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def _f(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def _axes(axis: Any, ndim: int) -> tuple[int, ...]:
    """Keras's axis argument (one or several, negative allowed) as distinct non-negative axes."""
    axes = axis if isinstance(axis, (list, tuple)) else (axis,)
    return tuple(sorted({int(a) % ndim for a in axes}))


def _logsumexp(x: np.ndarray, axis: Any) -> np.ndarray:
    peak = np.max(x, axis=axis, keepdims=True)
    return peak + np.log(np.sum(np.exp(x - peak), axis=axis, keepdims=True))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -x))


def sigmoid(self: Any, x: Any) -> np.ndarray:
    return _sigmoid(_f(x))


def tanh(self: Any, x: Any) -> np.ndarray:
    return np.tanh(_f(x))


def relu(self: Any, x: Any) -> np.ndarray:
    """Keras 3: max_value at and above max_value, x above threshold, negative_slope * (x - threshold)
    at and below it (Keras multiplies x by ``x > threshold``, so x == threshold gives 0)."""
    x = _f(x)
    y = np.where(x > self.threshold, x, self.negative_slope * (x - self.threshold))
    if self.max_value is not None:
        y = np.where(x >= self.max_value, self.max_value, y)
    return y


def leaky_relu(self: Any, x: Any) -> np.ndarray:
    x = _f(x)
    return np.where(x >= 0, x, self.negative_slope * x)


def softmax(self: Any, x: Any) -> np.ndarray:
    x = _f(x)
    return np.exp(x - _logsumexp(x, _axes(self.axis, x.ndim)))


def log_softmax(self: Any, x: Any) -> np.ndarray:
    x = _f(x)
    return x - _logsumexp(x, _axes(self.axis, x.ndim))


def linear(self: Any, x: Any) -> np.ndarray:
    return _f(x)


def elu(self: Any, x: Any) -> np.ndarray:
    x = _f(x)
    return np.where(x > 0, x, self.alpha * np.expm1(np.minimum(x, 0.0)))


def selu(self: Any, x: Any) -> np.ndarray:
    x = _f(x)
    return SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(np.minimum(x, 0.0)))


def celu(self: Any, x: Any) -> np.ndarray:
    x = _f(x)
    return np.maximum(x, 0.0) + np.minimum(0.0, self.alpha * np.expm1(np.minimum(x, 0.0) / self.alpha))


def gelu(self: Any, x: Any) -> np.ndarray:
    """Exact: ``x Phi(x)`` with ``math.erf`` element by element; approximate: the tanh form with
    Hendrycks & Gimpel's 0.044715."""
    x = _f(x)
    if self.approximate:
        with np.errstate(over="ignore"):
            inner = math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)
        return 0.5 * x * (1.0 + np.tanh(inner))
    cdf = np.vectorize(lambda v: 0.5 * math.erfc(-v / math.sqrt(2.0)))(x) if x.size else x
    return x * cdf


def swish(self: Any, x: Any) -> np.ndarray:
    x = _f(x)
    return x * _sigmoid(x)


def softplus(self: Any, x: Any) -> np.ndarray:
    return np.logaddexp(0.0, _f(x))


def softsign(self: Any, x: Any) -> np.ndarray:
    x = _f(x)
    return x / (1.0 + np.abs(x))


def hard_sigmoid(self: Any, x: Any) -> np.ndarray:
    """Keras 3: ``relu6(x + 3) / 6``."""
    return np.clip(_f(x) + 3.0, 0.0, 6.0) / 6.0


def hard_silu(self: Any, x: Any) -> np.ndarray:
    x = _f(x)
    return x * np.clip(x + 3.0, 0.0, 6.0) / 6.0


def sparse_sigmoid(self: Any, x: Any) -> np.ndarray:
    x = _f(x)
    return np.where(x <= -1, 0.0, np.where(x >= 1, 1.0, 0.5 * (x + 1.0)))


def log_sigmoid(self: Any, x: Any) -> np.ndarray:
    return -np.logaddexp(0.0, -_f(x))


def relu6(self: Any, x: Any) -> np.ndarray:
    return np.clip(_f(x), 0.0, 6.0)


def tanh_shrink(self: Any, x: Any) -> np.ndarray:
    x = _f(x)
    return x - np.tanh(x)


def hard_tanh(self: Any, x: Any) -> np.ndarray:
    return np.clip(_f(x), -1.0, 1.0)


def hard_shrink(self: Any, x: Any) -> np.ndarray:
    x = _f(x)
    return np.where(np.abs(x) > self.threshold, x, 0.0)


def soft_shrink(self: Any, x: Any) -> np.ndarray:
    x = _f(x)
    t = self.threshold
    return np.where(x > t, x - t, np.where(x < -t, x + t, 0.0))


def threshold(self: Any, x: Any) -> np.ndarray:
    x = _f(x)
    return np.where(x > self.threshold, x, self.default_value)


def squareplus(self: Any, x: Any) -> np.ndarray:
    x = _f(x)
    with np.errstate(over="ignore"):
        return (x + np.sqrt(x * x + self.b)) / 2.0


def sparse_plus(self: Any, x: Any) -> np.ndarray:
    x = _f(x)
    return np.where(x <= -1, 0.0, np.where(x >= 1, x, (x + 1.0) ** 2 / 4.0))


def exponential(self: Any, x: Any) -> np.ndarray:
    with np.errstate(over="ignore"):
        return np.exp(_f(x))


def mish(self: Any, x: Any) -> np.ndarray:
    x = _f(x)
    return x * np.tanh(np.logaddexp(0.0, x))


def glu(self: Any, x: Any) -> np.ndarray:
    a, b = np.split(_f(x), 2, axis=self.axis)
    return a * _sigmoid(b)


def sparsemax(self: Any, x: Any) -> np.ndarray:
    """Martins & Astudillo's algorithm, one slice at a time: sort, find the support size k, shift by
    tau = (sum of the k largest - 1) / k, clip at 0."""
    x = np.moveaxis(_f(x), self.axis, -1)
    out = np.empty_like(x)
    for index in np.ndindex(*x.shape[:-1]):
        z = x[index] - x[index].max()  # shift-invariant; keeps 1 + z significant at any magnitude
        ordered = sorted(z.tolist(), reverse=True)
        total, k, support_sum = 0.0, 1, ordered[0]  # the largest is always in the support
        for j, value in enumerate(ordered, start=1):
            total += value
            if 1.0 + j * value > total:
                k, support_sum = j, total
        tau = (support_sum - 1.0) / k
        out[index] = np.maximum(z - tau, 0.0)
    return np.moveaxis(out, -1, self.axis)
