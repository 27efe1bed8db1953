"""The distributions the standard initializers promise, for the conformance suite's ``statistics``
property: ``reference_moments(self, shape) -> (mean, variance)``, attached to each class as one
attribute.

Written from Keras's documentation, not from the samplers: fans are computed here by Keras's rule
(the receptive field, every axis but the last two, multiplies both fans), so a sampler that gets a fan
wrong disagrees with this. Every VarianceScaling distribution has variance ``scale / n`` by
construction (Keras rescales the truncated normal's stddev so that it does).
"""
from __future__ import annotations

import math
from typing import Any

#: Variance of a standard normal truncated to [-2, 2]: 1 - 4 phi(2) / (2 Phi(2) - 1).
_TRUNCATED_2SIGMA_VARIANCE = 1.0 - 4.0 * math.exp(-2.0) / math.sqrt(2.0 * math.pi) / math.erf(2.0 / math.sqrt(2.0))


def _fans(shape: tuple[int, ...]) -> tuple[float, float]:
    if len(shape) == 0:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    receptive = 1
    for side in shape[:-2]:
        receptive *= side
    return float(shape[-2] * receptive), float(shape[-1] * receptive)


def variance_scaling(self: Any, shape: tuple[int, ...]) -> tuple[float, float]:
    fan_in, fan_out = _fans(tuple(shape))
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
    return 0.0, self.scale / max(1.0, n)


def random_normal(self: Any, shape: tuple[int, ...]) -> tuple[float, float]:
    return self.mean, self.stddev**2


def truncated_normal(self: Any, shape: tuple[int, ...]) -> tuple[float, float]:
    """Keras truncates at two stddev and does not correct the variance."""
    return self.mean, self.stddev**2 * _TRUNCATED_2SIGMA_VARIANCE


def random_uniform(self: Any, shape: tuple[int, ...]) -> tuple[float, float]:
    return (self.minval + self.maxval) / 2.0, (self.maxval - self.minval) ** 2 / 12.0


def constant(self: Any, shape: tuple[int, ...]) -> tuple[float, float]:
    """Every entry is the value (an array value is broadcast: the moments of its entries, each
    repeated equally often)."""
    if isinstance(self.value, float):
        return self.value, 0.0
    values = _flat(self.value)
    mean = sum(values) / len(values)
    return mean, sum((v - mean) ** 2 for v in values) / len(values)


def _flat(value: Any) -> list[float]:
    return [float(v) for v in value.reshape(-1)]


def identity(self: Any, shape: tuple[int, ...]) -> tuple[float, float]:
    """min(rows, cols) entries equal to gain among rows * cols, the others 0."""
    share = min(shape) / (shape[0] * shape[1])
    return self.gain * share, self.gain**2 * share * (1.0 - share)


def orthogonal(self: Any, shape: tuple[int, ...]) -> tuple[float, float]:
    """An orthogonal rows x cols matrix has min(rows, cols) orthonormal vectors: its squares sum to
    min(rows, cols); the entries average to 0 in distribution (Haar measure)."""
    rows, cols = math.prod(shape[:-1]), shape[-1]
    return 0.0, self.gain**2 * min(rows, cols) / (rows * cols)


# --- supports: the smallest interval each distribution fills (None: unbounded), for the same property ----

def variance_scaling_support(self: Any, shape: tuple[int, ...]) -> tuple[float, float] | None:
    """Uniform: ``+-sqrt(3 v)`` (the uniform of variance ``v``); truncated normal: two of its stddevs,
    ``2 sqrt(v / variance of the standard normal truncated at +-2)``; untruncated normal: unbounded."""
    _, variance = variance_scaling(self, shape)
    if self.distribution == "uniform":
        limit = math.sqrt(3.0 * variance)
    elif self.distribution == "truncated_normal":
        limit = 2.0 * math.sqrt(variance / _TRUNCATED_2SIGMA_VARIANCE)
    else:
        return None
    return -limit, limit


def truncated_normal_support(self: Any, shape: tuple[int, ...]) -> tuple[float, float]:
    return self.mean - 2.0 * self.stddev, self.mean + 2.0 * self.stddev


def random_uniform_support(self: Any, shape: tuple[int, ...]) -> tuple[float, float]:
    return self.minval, self.maxval


def constant_support(self: Any, shape: tuple[int, ...]) -> tuple[float, float]:
    values = [self.value] if isinstance(self.value, float) else _flat(self.value)
    return min(values), max(values)


def identity_support(self: Any, shape: tuple[int, ...]) -> tuple[float, float]:
    """0 off the diagonal, ``gain`` on it."""
    return min(0.0, self.gain), max(0.0, self.gain)


# --- the named VarianceScaling presets, from their own documented formulas (not from `scale`) -----------

def glorot_moments(self: Any, shape: tuple[int, ...]) -> tuple[float, float]:
    """Keras's Glorot: stddev ``sqrt(2 / (fan_in + fan_out))`` (uniform: limit ``sqrt(6 / (fan_in + fan_out))``)."""
    fan_in, fan_out = _fans(tuple(shape))
    return 0.0, 2.0 / (fan_in + fan_out)


def he_moments(self: Any, shape: tuple[int, ...]) -> tuple[float, float]:
    """Keras's He: stddev ``sqrt(2 / fan_in)`` (uniform: limit ``sqrt(6 / fan_in)``)."""
    return 0.0, 2.0 / _fans(tuple(shape))[0]


def lecun_moments(self: Any, shape: tuple[int, ...]) -> tuple[float, float]:
    """Keras's LeCun: stddev ``sqrt(1 / fan_in)`` (uniform: limit ``sqrt(3 / fan_in)``)."""
    return 0.0, 1.0 / _fans(tuple(shape))[0]


def uniform_support(moments: Any) -> Any:
    """The support of the zero-mean uniform with the variance ``moments`` declares: ``+-sqrt(3 v)``."""
    def support(self: Any, shape: tuple[int, ...]) -> tuple[float, float]:
        limit = math.sqrt(3.0 * moments(self, shape)[1])
        return -limit, limit
    return support


def truncated_normal_support_for(moments: Any) -> Any:
    """The support of the 2-sigma truncated normal rescaled to the variance ``moments`` declares."""
    def support(self: Any, shape: tuple[int, ...]) -> tuple[float, float]:
        limit = 2.0 * math.sqrt(moments(self, shape)[1] / _TRUNCATED_2SIGMA_VARIANCE)
        return -limit, limit
    return support


def zeros(self: Any, shape: tuple[int, ...]) -> tuple[float, float]:
    """Keras's Zeros: every entry 0 (not read from the instance, so a wrong fill value shows)."""
    return 0.0, 0.0


def ones(self: Any, shape: tuple[int, ...]) -> tuple[float, float]:
    """Keras's Ones: every entry 1."""
    return 1.0, 0.0
