"""Reference formulas of Dropout and the regularization layers (SpatialDropout1D/2D/3D, GaussianNoise,
GaussianDropout, AlphaDropout, ActivityRegularization), for the conformance suite's ``reference``
property: ``reference(self, params, x, training) -> y`` in float64.

What a reference can say about a random layer is what it does deterministically: Keras's noise and
dropout layers are the identity at inference, and in training too when their rate (or standard
deviation) is 0. The suite only asks a layer's reference about the modes in which two forwards agree
(``deterministic_modes``), so a random training forward is never compared; one that is asked anyway
(a rate that should have drawn a mask) is refused rather than answered with a guess.
ActivityRegularization only adds a loss term: its output is its input in every mode.

What a random training forward can be held to is its distribution: ``reference_moments(self, params,
x) -> (mean, variance)`` of each output element over the layer's draws, derived here from Keras's
definitions, which the suite compares with the sample moments of many training forwards.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

Params = dict[str, np.ndarray]


def _identity_unless_random(self: Any, x: Any, training: bool, amount: float) -> np.ndarray:
    """``x`` where Keras's layer passes its input through: inference, or training with nothing to draw."""
    if training and amount != 0.0:
        raise AssertionError(f"layer {self.name!r} ({type(self).__name__}) is random in training (its "
                             f"{amount=}); the reference describes its deterministic modes only")
    return np.array(x, dtype=np.float64)


def dropout(self: Any, params: Params, x: Any, training: bool) -> np.ndarray:
    """Dropout, SpatialDropout*, AlphaDropout: the identity at inference or at ``rate == 0``."""
    return _identity_unless_random(self, x, training, self.rate)


def gaussian_noise(self: Any, params: Params, x: Any, training: bool) -> np.ndarray:
    """GaussianNoise: the identity at inference or at ``stddev == 0``."""
    return _identity_unless_random(self, x, training, self.stddev)


def activity_regularization(self: Any, params: Params, x: Any, training: bool) -> np.ndarray:
    """ActivityRegularization: the identity (the penalty goes to the loss, not the output)."""
    return np.array(x, dtype=np.float64)


def dropout_moments(self: Any, params: Params, x: Any) -> tuple[np.ndarray, np.ndarray]:
    """Inverted dropout, ``y = x * keep / (1 - rate)`` with ``keep ~ Bernoulli(1 - rate)``: the mean
    is ``x``, and ``E[y**2] = x**2 / (1 - rate)``, so the variance is ``x**2 * rate / (1 - rate)``.
    Shared masks (``noise_shape``, SpatialDropout's channels) leave each element's moments as they are."""
    x = np.asarray(x, dtype=np.float64)
    return x, x ** 2 * (self.rate / (1.0 - self.rate))


def gaussian_noise_moments(self: Any, params: Params, x: Any) -> tuple[np.ndarray, np.ndarray]:
    """``y = x + N(0, stddev**2)``."""
    x = np.asarray(x, dtype=np.float64)
    return x, np.full_like(x, self.stddev ** 2)


def gaussian_dropout_moments(self: Any, params: Params, x: Any) -> tuple[np.ndarray, np.ndarray]:
    """Keras: ``y = x * N(1, rate / (1 - rate))``, the spread of inverted dropout without its zeros."""
    x = np.asarray(x, dtype=np.float64)
    return x, x ** 2 * (self.rate / (1.0 - self.rate))


#: SELU's constants, as Keras's AlphaDropout writes them.
_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def alpha_dropout_moments(self: Any, params: Params, x: Any) -> tuple[np.ndarray, np.ndarray]:
    """Keras: a dropped value becomes ``alpha' = -alpha * scale`` of SELU, then ``a * value + b`` with
    ``a = ((1 - rate) * (1 + rate * alpha'**2)) ** -0.5`` and ``b = -a * alpha' * rate``. With ``keep ~
    Bernoulli(1 - rate)``: the mean is ``a * (x (1 - rate) + alpha' rate) + b`` and the variance
    ``a**2 (x - alpha')**2 rate (1 - rate)``."""
    x = np.asarray(x, dtype=np.float64)
    rate = self.rate
    saturated = -_SELU_ALPHA * _SELU_SCALE
    a = 1.0 / math.sqrt((1.0 - rate) * (1.0 + rate * saturated ** 2))
    b = -a * saturated * rate
    return a * (x * (1.0 - rate) + saturated * rate) + b, a ** 2 * (x - saturated) ** 2 * rate * (1.0 - rate)

