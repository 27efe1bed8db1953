"""Reference formulas of the standard weight constraints, for the conformance suite's ``reference``
property: ``reference(self, w) -> w'`` in float64, attached to each class as one attribute and
compared with ``constraint(w)``.

Keras's definitions (keras/src/constraints/constraints.py), written plainly and sharing nothing with the
constraints' code: norms are taken one slice at a time (every index of the axes *not* in ``axis``),
so an axis handled wrongly in the fast, vectorised form disagrees with this. Test-side NumPy only.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

EPSILON = 1e-7  # Keras's backend.epsilon(), added to every norm it divides by


def _reduced_axes(axis: Any, ndim: int) -> tuple[int, ...]:
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    return tuple(sorted(int(a) % ndim for a in axes))


def _per_slice(w: Any, axis: Any, rescale: Callable[[float], float]) -> np.ndarray:
    """``w`` with each slice along ``axis`` multiplied by ``rescale(its Euclidean norm)``."""
    w = np.asarray(w, dtype=np.float64)
    out = w.copy()
    reduced = _reduced_axes(axis, w.ndim)
    kept = [a for a in range(w.ndim) if a not in reduced]
    for index in itertools.product(*(range(w.shape[a]) for a in kept)):
        where: list[Any] = [slice(None)] * w.ndim
        for a, i in zip(kept, index):
            where[a] = i
        piece = w[tuple(where)]
        out[tuple(where)] = piece * rescale(float(np.sqrt(np.sum(piece * piece))))
    return out


def max_norm(self: Any, w: Any) -> np.ndarray:
    """Each slice scaled by ``min(norm, max_value) / (epsilon + norm)``."""
    limit = float(self.max_value)
    return _per_slice(w, self.axis, lambda norm: min(norm, limit) / (EPSILON + norm))


def min_max_norm(self: Any, w: Any) -> np.ndarray:
    """Each slice scaled so its norm becomes ``rate * clip(norm, min_value, max_value) + (1 - rate) *
    norm`` (over ``epsilon + norm``)."""
    low, high, rate = float(self.min_value), float(self.max_value), float(self.rate)

    def rescale(norm: float) -> float:
        clipped = low if norm < low else high if norm > high else norm
        return (rate * clipped + (1.0 - rate) * norm) / (EPSILON + norm)

    return _per_slice(w, self.axis, rescale)


def non_neg(self: Any, w: Any) -> np.ndarray:
    """Negative entries set to 0, the others kept."""
    w = np.asarray(w, dtype=np.float64)
    return np.where(w < 0.0, 0.0, w)


def unit_norm(self: Any, w: Any) -> np.ndarray:
    """Each slice divided by ``epsilon + norm``."""
    return _per_slice(w, self.axis, lambda norm: 1.0 / (EPSILON + norm))
