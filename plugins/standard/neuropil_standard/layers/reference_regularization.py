"""Reference formulas of Dropout and the regularization layers (SpatialDropout1D/2D/3D, GaussianNoise,
GaussianDropout, AlphaDropout, ActivityRegularization), for the conformance suite's ``reference``
property: ``reference(self, params, x, training) -> y`` in float64.

What a reference can say about a random layer is what it does deterministically: Keras's noise and
dropout layers are the identity at inference, and in training too when their rate (or standard
deviation) is 0. The suite only asks a layer's reference about the modes in which two forwards agree
(``deterministic_modes``), so a random training forward is never compared; one that is asked anyway
(a rate that should have drawn a mask) is refused rather than answered with a guess.
ActivityRegularization only adds a loss term: its output is its input in every mode.
"""
from __future__ import annotations

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
